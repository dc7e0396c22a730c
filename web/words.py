"""The service's plain data in the words the pages use: a consent in one sentence, what is hidden
and why. Labels only; no query, no decision."""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

CATEGORY_WORDS = {
    "identity": _("identity"),
    "meetings": _("meetings"),
    "visits": _("home visits"),
    "notes": _("notes"),
}
HIDDEN_BY_CONSENT = {
    "identity": _("The youth's identity and family are not shown: the consent does not cover them."),
    "meetings": _("Meetings are not shown: the consent does not cover them."),
    "visits": _("Home visits are not shown: the consent does not cover them."),
    "notes": _("Other agencies' notes are not shown: the consent does not cover them."),
}
HIDDEN_BY_ROLE = {
    "police_links": _("Police case links are shown only to the police and social services."),
    "meetings": _("Meetings are not shown to your role."),
    "visits": _("Home visits are not shown to your role."),
}
STATUS_WORDS = {
    "active": _("In force"),
    "pending": _("Waiting"),
    "expired": _("Expired"),
    "withdrawn": _("Withdrawn"),
}


def day(value: Any) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d") if value is not None else ""


def categories_in_words(categories: list[str]) -> str:
    return ", ".join(str(CATEGORY_WORDS.get(c, c)) for c in categories)


def hidden_notice(category: str, why: str) -> Any:
    table = HIDDEN_BY_ROLE if why == "role" else HIDDEN_BY_CONSENT
    return table.get(category, HIDDEN_BY_CONSENT.get(category, ""))


def sharing_in_words(sharing: dict[str, Any]) -> Any:
    """ "Delas med Paulinska skolan: identitet, möten — t.o.m. 2027-05-01"."""
    return format_lazy(
        _("Shared with {agency}: {categories} — until {until}"),
        agency=sharing["agency"],
        categories=categories_in_words(sharing["categories"]),
        until=day(sharing["until"]),
    )


def consent_in_words(consent: dict[str, Any], guardians: dict[Any, str]) -> dict[str, Any]:
    """A consent as social services read it on the case page: who gave it, to whom, what, how
    long, and its status in a sentence ("Väntar: …" with the policy's reason)."""
    parties = [p["name"] for p in consent["parties"] if p["kind"] != "social_services"] or [
        p["name"] for p in consent["parties"]
    ]
    giver = _("The youth") if consent["giver"] == "youth" else guardians.get(consent["guardian"], _("A guardian"))
    shared = format_lazy(
        _("Shared with {parties}: {categories} — until {until}"),
        parties=", ".join(parties),
        categories=categories_in_words(list(consent["categories"])),
        until=day(consent["valid_until"]),
    )
    status = STATUS_WORDS.get(consent["status"], consent["status"])
    if consent["pending_reason"]:
        status = format_lazy("{}: {}", status, consent["pending_reason"]["message"])
    elif consent["status"] == "withdrawn":
        status = format_lazy("{} {}", status, day(consent["withdrawn_at"]))
    return {
        "id": consent["id"],
        "giver": giver,
        "shared": shared,
        "status": consent["status"],
        "status_words": status,
        "method": consent["method"],
        "evidence": consent["evidence"],
        "withdrawal_reason": consent["withdrawal_reason"],
    }
