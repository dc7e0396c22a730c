"""The benchmark's yardsticks answer without access checks or audit entries: the product's settings
and URL conf know nothing of them, and ``manage.py check --deploy`` refuses the bench's settings."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings
from django.urls import Resolver404, resolve

from cases.checks import MSG_BENCH_APP, MSG_BENCH_SETTINGS, MSG_BENCH_URLCONF, check_no_bench

BENCH_PATHS = ["/bench/plain/cases/", "/bench/plain/audit/entries/", "/bench/crypto/youths/lookup"]


def _errors() -> list[tuple[str, str]]:
    return [(message.id or "", message.msg) for message in check_no_bench() if message.level >= checks.ERROR]


def test_the_production_settings_pass_the_check() -> None:
    assert settings.ROOT_URLCONF == "config.urls"
    assert "bench" not in settings.INSTALLED_APPS
    assert _errors() == []


@override_settings(ROOT_URLCONF="bench.urls_root")
def test_it_refuses_the_bench_url_conf() -> None:
    assert _errors() == [("cases.E003", MSG_BENCH_URLCONF.format(urlconf="bench.urls_root"))]


def test_it_refuses_the_bench_app() -> None:
    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "bench"]):
        assert _errors() == [("cases.E004", MSG_BENCH_APP)]


@override_settings(SETTINGS_MODULE="bench.settings")
def test_it_refuses_the_bench_settings_module() -> None:
    assert _errors() == [("cases.E005", MSG_BENCH_SETTINGS)]


def test_it_is_a_deploy_check() -> None:
    # Only with --deploy: the harness itself runs migrate and gunicorn under bench.settings.
    assert check_no_bench in checks.registry.registry.get_checks(include_deployment_checks=True)
    assert check_no_bench not in checks.registry.registry.get_checks(include_deployment_checks=False)


def test_the_bench_settings_fail_it_on_every_count() -> None:
    from bench import settings as bench_settings

    overrides = {name: getattr(bench_settings, name) for name in ("ROOT_URLCONF", "INSTALLED_APPS")}
    with override_settings(SETTINGS_MODULE="bench.settings", **overrides):
        assert [error_id for error_id, _msg in _errors()] == ["cases.E003", "cases.E004", "cases.E005"]


@pytest.mark.parametrize("path", BENCH_PATHS)
def test_the_production_url_conf_resolves_no_bench_path(path: str) -> None:
    with pytest.raises(Resolver404):
        resolve(path, urlconf="config.urls")
    resolve(path, urlconf="bench.urls_root")  # the paths are real: the bench's URL conf serves them
