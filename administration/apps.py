from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The Django admin for administrators: users and agencies, never case content."""

    name = "administration"
    verbose_name = _("Administration")
