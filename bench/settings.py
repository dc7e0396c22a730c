"""The benchmark's settings: the product's, plus the yardstick routes and the bench_crypto command.

Only the harness uses them (bench/run.py, bench/profile.py, ``make bench*``). The product's
``config/settings.py`` knows nothing of the bench, and ``manage.py check --deploy`` fails under
these settings (cases/checks.py): the yardsticks answer without access checks or audit entries.
"""

from __future__ import annotations

from config.settings import *  # noqa: F403 - the product's settings, changed only below
from config.settings import INSTALLED_APPS

ROOT_URLCONF = "bench.urls_root"
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
