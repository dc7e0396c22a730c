from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Concern intake (orosanmälan, SoL 14 kap. 1 §): referrals filed by school, police, leisure
    and social services staff, and social services' decisions on them."""

    name = "referrals"
    verbose_name = _("Referrals")
    default_auto_field = "django.db.models.BigAutoField"
