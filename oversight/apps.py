from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    """Reading across the register: log review, yearly results, the subject report, retention."""

    name = "oversight"
    verbose_name = _("Oversight")
