"""Inputs every view shares, validated once: dates within 1900-2100, JSON's own types, case
references.

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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
MSG_DATE_RANGE = _("Dates must lie between 1900 and 2100.")
MSG_WHOLE_NUMBER = _("Give a whole number.")
MSG_TRUE_OR_FALSE = _("Give true or false.")
MSG_CASE_REF = _("Give a case id or a case number such as SSPF-2026-0001.")
# A case number as cases.services.lifecycle writes it: prefix, year, sequence. A personal identity
# number never matches (digits before the first hyphen), so it cannot be mistaken for one.
CASE_NUMBER = re.compile(r"^[A-Za-z]{1,10}-\d{4}-\d{4,7}$")
# A case reference as the schema gives it (api/schema.py): a case number, or an id as the API
# writes ids (8-4-4-4-12 hex digits), with whitespace around it as a form field has it.
CASE_REF = r"[A-Za-z]{1,10}-[0-9]{4}-[0-9]{4,7}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"


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


# JSON's types as the schema gives them (issue 18). DRF's fields coerce: 0 becomes the text "0", 0
# and "yes" become false and true, "12" becomes 12. A client that sends a number for a text field has
# a bug the server should name, not hide; every API serializer uses these (tests/architecture).
class CharField(serializers.CharField):
    """Text, and only text, at most ``max_length`` characters as sent.

    DRF counts the length after trimming whitespace, so 201 characters that begin with a space
    passed a limit of 200 the schema gives as ``maxLength`` of the text sent (found by the fuzzer).
    The schema is the contract: the text is measured before it is trimmed."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        value: str = super().to_internal_value(data)
        return value


class BooleanField(serializers.BooleanField):
    """``true`` or ``false``, and nothing else."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class IntegerField(serializers.IntegerField):
    """A JSON number without a fraction (``12`` or ``12.0``), never text or ``true``."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        value: int = super().to_internal_value(data)
        return value


class _BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        try:
            parsed: datetime | None = super().to_python(value)
        except (OverflowError, ValueError):
            raise forms.ValidationError(MSG_DATE_RANGE, code="date_range") from None
        if parsed is None:
            return None
        # In Swedish time, as DRF's fields give it: PostgreSQL refuses an offset past 15:59, which
        # ISO 8601 allows (``-23:58``; found by the fuzzer, issue 18).
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
        if not in_range(parsed):
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


WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def query_int(params: Any, field: str) -> int | None:
    """A query parameter as a whole number: None when absent or empty (the schema's
    ``allowEmptyValue``), a 400 naming ``field`` for anything else that is not digits."""
    value = params.get(field)
    if value is None or value == "":
        return None
    if not WHOLE_NUMBER.fullmatch(value):
        raise serializers.ValidationError({field: [MSG_WHOLE_NUMBER]})
    # Past every bound the API has, and short of Python's limit on the digits int() reads (4,300:
    # a longer number would be a 500 behind a server that lets such a request line through).
    if len(value.lstrip("-")) > 18:
        return -(10**18) if value.startswith("-") else 10**18
    return int(value)


def query_text(params: Any, field: str, *, max_length: int) -> str | None:
    """A query parameter as text, as a form's text field reads it: stripped, at most
    ``max_length`` characters, no NUL (which PostgreSQL cannot hold); None when absent."""
    value = params.get(field)
    if value is None:
        return None
    try:
        text: str = forms.CharField(max_length=max_length, required=False).clean(value)
    except forms.ValidationError as exc:
        raise serializers.ValidationError({field: exc.messages}) from None
    return text


def query_bool(params: Any, field: str) -> bool | None:
    """A query parameter as ``true`` or ``false``: None when absent or empty, otherwise a 400."""
    value = params.get(field)
    if value is None or value == "":
        return None
    if value not in ("true", "false"):
        raise serializers.ValidationError({field: [MSG_TRUE_OR_FALSE]})
    return bool(value == "true")


def case_ref(value: str, field: str = "case") -> uuid.UUID | str:
    """A case id (UUID) or a case number; anything else (a personal identity number typed into the
    box, say) is a 400 that does not repeat it."""
    value = value.strip()
    if not re.fullmatch(CASE_REF, value):
        raise serializers.ValidationError({field: [MSG_CASE_REF]})
    return value if CASE_NUMBER.match(value) else uuid.UUID(value)
