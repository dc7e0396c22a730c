from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """``seed_demo``: the quick start's users and cases (refused outside DEBUG without --allow-demo)."""

    name = "demo"
    verbose_name = _("Demo data")
