"""Published figures: a year's results report, frozen when a coordinator signs it off."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.querysets import AuditedQuerySet


class FrozenYear(models.Model):
    """The results report of a finished year as signed off: counts only (already suppressed),
    for the whole municipality and for each district. Once frozen, the summary of that year is
    read from here, so a later purge cannot change a published year."""

    year = models.PositiveIntegerField(_("year"), primary_key=True)
    figures = models.JSONField(_("figures"))
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        verbose_name = _("frozen year")
        verbose_name_plural = _("frozen years")

    def __str__(self) -> str:
        return f"frozen year {self.year}"
