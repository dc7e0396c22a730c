"""The auditor's search of the audit log, for the API and the web UI alike: which entries the
filters select, what of each is shown, the entry in plain Swedish, the CSV rows, and the search's
own audit entry with validated filters only (issue 15, item 6). Auditors only.

The filters arrive validated (the API's django-filter set, the web UI's form): an actor's
username, a case (id or number), an event, a period. The auditor never sees case content: an
entry names who did what to which case and which categories were shown, never a value."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases import routing
from cases.models import Role
from cases.permissions import require_role

MSG_AUDIT_LOG_AUDITORS = _("Only auditors read the audit log.")
CSV_LIMIT = 100_000

# The columns an entry's output reads: the search loads only these (an entry's other JSON columns,
# never shown, are not decoded).
COLUMNS = (
    "id",
    "timestamp",
    "actor_username",
    "event",
    "content_type_id",
    "object_pk",
    "case_number",
    "case_ref",
    "remote_addr",
    "cid",
    "changed_fields",
    "fields_shown",
)
CSV_COLUMNS = [
    "id",
    "timestamp",
    "actor",
    "action",
    "object_type",
    "object_id",
    "case_number",
    "case",
    "remote_addr",
    "correlation_id",
    "changed_fields",
    "fields_shown",
]


def require_auditor(user: User) -> None:
    require_role(user, {Role.AUDITOR}, MSG_AUDIT_LOG_AUDITORS)


def entries(
    *,
    reader: User,
    actor: str = "",
    case: uuid.UUID | str | None = None,
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """The entries the (validated) filters select, newest first (auditors only: 403), read from the
    replica when one is configured (``cases.routing``: the page and the CSV evaluate it later)."""
    require_auditor(reader)
    found = AuditEntry.objects.using(routing.reader_alias()).only(*COLUMNS)
    if actor:
        found = found.filter(actor_username=actor)
    if isinstance(case, uuid.UUID):
        found = found.filter(case_ref=case)
    elif case:
        found = found.filter(case_number=case)
    if action:
        found = found.filter(event=action)
    if since is not None:
        found = found.filter(timestamp__gte=since)
    if until is not None:
        found = found.filter(timestamp__lt=until)
    ordered: QuerySet[AuditEntry] = found.order_by("-timestamp", "-id")
    return ordered


def logged_filters(cleaned: dict[str, Any]) -> dict[str, str]:
    """Validated values only, never the query as sent: a case id or number, an event from the
    enum, times, and a username only if such a user exists."""
    logged: dict[str, str] = {}
    for name, value in cleaned.items():
        if value in (None, ""):
            continue
        if name == "case":
            logged[name] = str(value)
        elif name == "actor":
            logged[name] = value if User.objects.filter(username=value).exists() else "(no such user)"
        elif isinstance(value, datetime):
            logged[name] = value.isoformat()
        else:
            logged[name] = str(AuditEvent(value))
    return logged


def record_search(event: str, filters: dict[str, str]) -> None:
    """The search itself, in the log: ``access`` for a page, ``export`` for a CSV."""
    record(event=event, model=AuditEntry, object_pk="", extra={"filters": filters})


def entry_shown(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the auditor sees it (times as datetimes; the API formats them)."""
    return {
        "id": entry.id,
        "timestamp": entry.timestamp,
        "actor": entry.actor_username,
        "action": entry.event,
        "object_type": ContentType.objects.get_for_id(entry.content_type_id).model,
        "object_id": entry.object_pk,
        "case_number": entry.case_number,
        "case": str(entry.case_ref) if entry.case_ref is not None else None,
        "remote_addr": entry.remote_addr,
        "correlation_id": entry.cid,
        "changed_fields": [str(name) for name in entry.changed_fields],
        "fields_shown": [str(name) for name in entry.fields_shown],
    }


def csv_rows(found: QuerySet[AuditEntry], formatted: Any = str) -> Iterator[list[Any]]:
    """The CSV's rows (at most CSV_LIMIT), ``formatted`` applied to the time; lists joined by
    ``;``. The caller writes them with the one formula-safe writer (cases/csv_safe.py)."""
    for entry in found.order_by("-timestamp", "-id")[:CSV_LIMIT].iterator(chunk_size=2000):
        data = entry_shown(entry)
        data["timestamp"] = formatted(data["timestamp"])
        yield [";".join(v) if isinstance(v, list) else v for v in map(data.get, CSV_COLUMNS)]
