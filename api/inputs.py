"""Inputs every view shares, validated once: dates within 1900-2100, case references.

An out-of-range date is a 400 here, before any arithmetic (``valid_from`` in year 9999 used to
overflow in the consent's month arithmetic; ``until=0001-01-02`` in the anomaly search's
``until - 7 days``). Every date and time the API reads goes through these fields (a test in
tests/architecture checks that no view uses DRF's or django-filter's own); a query value reaches
the audit log only as what these return, never as it was sent.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
MSG_DATE_RANGE = _("Dates must lie between 1900 and 2100.")
MSG_CASE_REF = _("Give a case id or a case number such as SSPF-2026-0001.")
# A case number as cases.services.lifecycle writes it: prefix, year, sequence. A personal identity
# number never matches (digits before the first hyphen), so it cannot be mistaken for one.
CASE_NUMBER = re.compile(r"^[A-Za-z]{1,10}-\d{4}-\d{4,7}$")


def in_range(value: date) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, refusing times outside 1900-2100 (also near year 1 or 9999, where
    converting to the local time zone would overflow)."""

    default_error_messages = {"date_range": MSG_DATE_RANGE}

    def to_internal_value(self, value: Any) -> datetime:
        try:
            parsed: datetime = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("date_range")
        except serializers.ValidationError as exc:
            codes = exc.get_codes()
            if isinstance(codes, list) and "overflow" in codes:  # DRF's "out of range" near year 1 or 9999
                self.fail("date_range")
            raise
        if not in_range(parsed):
            self.fail("date_range")
        return parsed


class DateField(serializers.DateField):
    default_error_messages = {"date_range": MSG_DATE_RANGE}

    def to_internal_value(self, value: Any) -> date:
        parsed: date = super().to_internal_value(value)
        if not in_range(parsed):
            self.fail("date_range")
        return parsed


class _BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        try:
            parsed: datetime | None = super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(MSG_DATE_RANGE, code="date_range") from None
        if parsed is not None and not in_range(parsed):
            raise forms.ValidationError(MSG_DATE_RANGE, code="date_range")
        return parsed


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter with the same 1900-2100 bound."""

    field_class = _BoundedIsoDateTimeField


def parse_datetime(value: str, field: str) -> datetime:
    """One query parameter as a time, or a 400 naming ``field`` (the value is never repeated)."""
    try:
        return DateTimeField().to_internal_value(value)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({field: exc.detail}) from None


def case_ref(value: str, field: str = "case") -> uuid.UUID | str:
    """A case id (UUID) or a case number; anything else (a personal identity number typed into the
    box, say) is a 400 that does not repeat it."""
    value = value.strip()
    if CASE_NUMBER.match(value):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        raise serializers.ValidationError({field: [MSG_CASE_REF]}) from None
