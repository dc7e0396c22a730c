"""Reads of referrals across the register, for the code that answers for the register as a whole
(``oversight``: the subject report, retention, statistics). They take no reader and record
nothing: their callers decide who may ask and write the audit entry for what they show. What a
user is shown of a referral goes through ``content.referrals`` instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, QuerySet
from django.utils import timezone

from referrals.models import Referral


def referrals_in_bucket(*, index: int) -> QuerySet[Referral]:
    """Every referral whose personal number falls in blind-index bucket ``index`` (the value of
    ``Youth.personal_number_index``: the same key and purpose), with its data key and linked case,
    oldest first.

    A bucket is shared by many people (docs/encryption.md, "Blind index"), so this is a superset
    of one person's referrals: right for keeping data (retention keeps a case while any referral
    in its youth's bucket is kept), wrong for showing it (use ``referrals_about``)."""
    return (
        Referral.objects.filter(personal_number_index=index).select_related("key", "case").order_by("received_at", "id")
    )


def referrals_about(*, index: int, personal_number: str) -> list[Referral]:
    """The referrals about exactly this person: ``personal_number`` normalised (12 digits, as
    ``Youth.personal_number`` holds it), ``index`` its blind index. Each candidate in the bucket is
    decrypted and compared, so a shared bucket never gives a false hit. Oldest first; each with
    its key loaded, so its fields can be read."""
    return [r for r in referrals_in_bucket(index=index) if r.personal_number == personal_number]


def referral_ids_about(*, index: int, personal_number: str) -> list[UUID]:
    """The ids of ``referrals_about`` (e.g. to find their audit entries: object type
    ``referrals.Referral``, object id the referral's id)."""
    return [referral.pk for referral in referrals_about(index=index, personal_number=personal_number)]


def referrals_exist_in_bucket(*, index: int) -> bool:
    """Whether any referral is kept in blind-index bucket ``index`` (no decryption: a superset,
    see ``referrals_in_bucket``). One query."""
    return Referral.objects.filter(personal_number_index=index).exists()


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


def referral_counts(*, year: int) -> list[dict[str, Any]]:
    """Referrals received in ``year`` (local time), counted by source (the reporter's agency kind:
    ``school``, ``police``, ``leisure``, ``social_services``) and status (``received`` while
    undecided, else the decision). Plain columns only, nothing decrypted; small counts are the
    caller's to suppress. Each row ``{"source", "decision", "count"}``, sorted."""
    start, end = _year_bounds(year)
    rows = (
        Referral.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("reporter_agency__kind", "status")
        .annotate(count=Count("id"))
        .order_by("reporter_agency__kind", "status")
    )
    return [{"source": row["reporter_agency__kind"], "decision": row["status"], "count": row["count"]} for row in rows]
