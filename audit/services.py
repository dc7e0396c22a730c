"""Writing audit entries: content access, denied attempts, logins, emergency access, exports.

Entries are written in the request's own transaction (a failure to write fails the request),
except denied attempts: their request's transaction is rolled back, so they are written by the
middleware right after it, in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.models import AbstractLogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.context import current
from audit.models import AuditEntry, AuditEvent


def _content_type(model: Any) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _entry(
    *,
    event: str,
    model: Any,
    object_pk: str,
    case: Any = None,
    case_ref: Any = None,
    case_number: str = "",
    fields: Iterable[str] = (),
    actor: Any = None,
    actor_username: str = "",
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    context = current()
    actor = actor if actor is not None else context.actor
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        content_type=_content_type(model),
        object_pk=object_pk,
        object_repr=f"{model.__name__.lower()} {object_pk}" if object_pk else model.__name__.lower(),
        action=AbstractLogEntry.Action.ACCESS,
        event=event,
        actor=actor if authenticated else None,
        actor_username=actor_username or (actor.get_username() if authenticated else ""),
        remote_addr=context.remote_addr or None,
        cid=context.correlation_id,
        case_ref=case.pk if case is not None else case_ref,
        case_number=case.number if case is not None else case_number,
        fields_shown=sorted(set(fields)),
        changed_fields=[],
        additional_data=extra or None,
        timestamp=timezone.now(),
    )


def record(**kwargs: Any) -> AuditEntry:
    """Write one entry now, in the current transaction."""
    entry = _entry(**kwargs)
    entry.save()
    return entry


def record_access(*, cases_shown: dict[Any, Iterable[str]], view: str) -> None:
    """One ``access`` entry per case shown, naming the categories shown (one insert in all)."""
    from cases.models import Case

    entries = [
        _entry(
            event=AuditEvent.ACCESS, model=Case, object_pk=str(case.pk), case=case, fields=shown, extra={"view": view}
        )
        for case, shown in cases_shown.items()
    ]
    AuditEntry.objects.bulk_create(entries)


def mark_denied(*, request: HttpRequest, case_id: Any, code: str, view: str) -> None:
    """Remember a denied attempt on ``request``; the middleware writes it after the rollback."""
    request._audit_denied = {"case_id": case_id, "code": code, "view": view}  # type: ignore[attr-defined]


def flush_denied(request: HttpRequest) -> None:
    denied = getattr(request, "_audit_denied", None)
    if not denied:
        return
    from cases.models import Case

    case = Case.objects.filter(pk=denied["case_id"]).only("id", "number").first() if denied["case_id"] else None
    with transaction.atomic():
        record(
            event=AuditEvent.DENIED,
            model=Case,
            object_pk=str(denied["case_id"] or ""),
            case=case,
            case_ref=denied["case_id"] if case is None else None,
            extra={"code": denied["code"], "view": denied["view"]},
        )


def record_login(*, event: str, username: str, user: Any = None) -> None:
    """Logins, failed logins and logouts, with the username tried (never a password or code)."""
    record(
        event=event,
        model=get_user_model(),
        object_pk=str(user.pk) if user is not None else "",
        actor=user,
        actor_username=username,
    )
