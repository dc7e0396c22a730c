"""System checks: a missing or malformed key stops ``manage.py check`` (and so every deploy); the
benchmark's settings, app or URL conf stop ``manage.py check --deploy``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from cases import crypto


@checks.register(checks.Tags.security, deploy=False)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for check_id, validate in (("cases.E001", crypto.keyring), ("cases.E002", crypto.blind_index_key)):
        try:
            validate()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id=check_id))
    return errors


PRODUCT_URLCONF = "config.urls"
MSG_BENCH_URLCONF = "ROOT_URLCONF is {urlconf!r}, not 'config.urls': a URL conf that may serve the bench's routes."
MSG_BENCH_APP = "The benchmark app 'bench' is in INSTALLED_APPS: it belongs to bench.settings, never to a deployment."
MSG_BENCH_SETTINGS = "The settings module is bench.settings: the benchmark's settings, never a deployment's."


@checks.register(checks.Tags.security, deploy=True)
def check_no_bench(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The benchmark's yardsticks answer without access checks or audit entries (bench/views.py).

    A deploy check and not an every-time one: the harness itself runs ``migrate`` and gunicorn
    under bench.settings, and should; a deployment (``check --deploy`` in CI) must not."""
    errors: list[checks.CheckMessage] = []
    if settings.ROOT_URLCONF != PRODUCT_URLCONF:
        errors.append(checks.Error(MSG_BENCH_URLCONF.format(urlconf=settings.ROOT_URLCONF), id="cases.E003"))
    if any(app == "bench" or app.startswith("bench.") for app in settings.INSTALLED_APPS):
        errors.append(checks.Error(MSG_BENCH_APP, id="cases.E004"))
    if getattr(settings, "SETTINGS_MODULE", None) == "bench.settings":
        errors.append(checks.Error(MSG_BENCH_SETTINGS, id="cases.E005"))
    return errors
