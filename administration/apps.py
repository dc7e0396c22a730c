from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The Django admin for administrators: users and agencies, never case content."""

    name = "administration"
    verbose_name = _("Administration")

    def ready(self) -> None:
        # Every app's admin module has registered by now (django.contrib.admin comes first in
        # INSTALLED_APPS and autodiscovers in its own ready()).
        from django.contrib import admin

        from administration.admin import declared_filters_only

        declared_filters_only(admin.site)
