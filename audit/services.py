"""Writing audit entries: content access, denied attempts, logins, emergency access, exports.

Entries are written in the request's own transaction (a failure to write fails the request),
except denied attempts: their request's transaction is rolled back, so they are written by the
middleware right after it, in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from auditlog.models import AbstractLogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from audit.context import current, gather, gathered, stop_gathering
from audit.models import AuditEntry, AuditEvent
from cases.models import Case


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
    """Write one entry now, in the current transaction.

    One INSERT ... RETURNING of the entry's prepared columns, without ``Model.save()``'s
    machinery (no signal listens on this model; the entry is never updated): every auditor
    search and every denied attempt writes one (docs/performance.md)."""
    entry = _entry(**kwargs)
    meta = AuditEntry._meta
    connection = connections[router.db_for_write(AuditEntry)]
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    entry.pk = _insert_values(connection, fields, [values], returning=True)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def _insert_values(connection: Any, fields: list[Any], rows: list[list[Any]], *, returning: bool = False) -> Any:
    """INSERT prepared rows of ``fields`` into the audit table with multi-row VALUES, in batches
    the backend accepts; with ``returning``, one row, and its new id is returned."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    suffix = f" RETURNING {connection.ops.quote_name(AuditEntry._meta.pk.column)}" if returning else ""
    batch = max(1, connection.ops.bulk_batch_size(fields, rows) or len(rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(chunk))}{suffix}",  # noqa: S608 - names from the model
                [value for row in chunk for value in row],
            )
        return cursor.fetchone()[0] if returning else None


def _insert_many(connection: Any, same: list[tuple[Any, Any]], varying: list[Any], rows: list[list[Any]]) -> None:
    """INSERT entries that share the prepared values ``same`` (field, value) and differ in the
    ``varying`` fields, one row of ``rows`` each.

    On PostgreSQL the shared values go once and the varying ones as one array per column
    (``unnest``): the statement's text is the same whatever the number of rows, so psycopg
    converts it once and caches it. A multi-row VALUES with a placeholder per value is a new
    statement for every row count, and psycopg's client-side conversion of it cost more than the
    insert: about 3 ms for a page's 50 access entries, and 60 % of a key rotation's time at 1,000
    rows a batch (measured, docs/performance.md). Elsewhere (SQLite), multi-row VALUES."""
    if not rows:
        return
    if connection.vendor != "postgresql" or not varying:
        fixed = [value for _field, value in same]
        _insert_values(connection, [f for f, _value in same] + varying, [fixed + row for row in rows])
        return
    fields = [f for f, _value in same] + varying
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Typed for the SELECT list; text-like columns as ``text``, never ``varchar(n)``: an explicit
    # cast to varchar(n) truncates silently, the assignment cast into the column raises.
    scalars = [f"CAST(%s AS {_cast_type(f, connection)})" for f, _value in same]
    arrays = ", ".join(f"CAST(%s AS {_cast_type(f, connection)}[])" for f in varying)
    names = ", ".join(f"c{n}" for n in range(len(varying)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(AuditEntry._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
            f"SELECT {', '.join([*scalars, *(f'u.c{n}' for n in range(len(varying)))])} "
            f"FROM unnest({arrays}) AS u({names})",
            [*(value for _field, value in same), *(list(column) for column in zip(*rows, strict=True))],
        )


def _cast_type(field: Any, connection: Any) -> str:
    db_type = field.db_type(connection)
    return "text" if db_type.startswith(("varchar", "char", "text")) else db_type


def _insert_like(template: AuditEntry, varying: tuple[str, ...], rows: list[list[Any]]) -> None:
    """Entries that are ``template`` but for the ``varying`` fields (model field names), whose
    values ``rows`` give, one row per entry, in one INSERT: the template's columns are prepared
    once (building an entry per row as a model instance cost more than the insert, measured)."""
    meta = AuditEntry._meta
    connection = connections[router.db_for_write(AuditEntry)]
    fields = [meta.get_field(name) for name in varying]
    same = [
        (f, f.get_db_prep_save(f.pre_save(template, True), connection))
        for f in meta.concrete_fields
        if f is not meta.pk and f.name not in varying
    ]
    prepared = [[f.get_db_prep_save(value, connection) for f, value in zip(fields, row, strict=True)] for row in rows]
    _insert_many(connection, same, fields, prepared)


def record_access(*, cases_shown: dict[Any, Iterable[str]], view: str, actor: Any = None) -> None:
    """One ``access`` entry per case shown, naming the categories shown, in one INSERT.

    A list page shows 50 cases, so this is the audit log's hottest path: the entry is built once
    through the model, exactly as ``record`` builds it, and only the per-case columns vary."""
    if not cases_shown:
        return
    template = _entry(event=AuditEvent.ACCESS, model=Case, object_pk="", extra={"view": view}, actor=actor)
    rows = [
        [str(case.pk), f"case {case.pk}", case.pk, case.number, sorted(set(shown))]
        for case, shown in cases_shown.items()
    ]
    _insert_like(template, ("object_pk", "object_repr", "case_ref", "case_number", "fields_shown"), rows)


def mark_denied(*, request: HttpRequest, case_id: Any, code: str, view: str) -> None:
    """Remember a denied attempt on ``request``; the middleware writes it after the rollback."""
    # An attribute of our own on Django's request, which its stubs do not declare.
    request._audit_denied = {"case_id": case_id, "code": code, "view": view}  # type: ignore[attr-defined]


def flush_denied(request: HttpRequest) -> None:
    denied = getattr(request, "_audit_denied", None)
    if not denied:
        return

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


def tried_username(username: str) -> str:
    """What the log (and django-axes: ``config.lockout.axes_username``) keeps of a username typed
    at a sign-in: the name itself when an account by that name exists, else ``unknown:`` and a
    keyed hash of it. A password or an enrolment code typed into the username box would otherwise
    be kept in clear where every auditor and administrator reads it; the hash still tells one
    repeated name from another (a lockout counts it; an auditor sees the same unknown name tried
    a hundred times)."""
    if get_user_model().objects.filter(username=username).exists():
        return username
    return "unknown:" + salted_hmac("audit.tried_username", username).hexdigest()[:16]


def record_login(*, event: str, username: str, user: Any = None) -> None:
    """Logins, failed logins and logouts, with the username tried (never a password or code; an
    unknown name only as ``tried_username`` keeps it)."""
    record(
        event=event,
        model=get_user_model(),
        object_pk=str(user.pk) if user is not None else "",
        actor=user,
        actor_username=username if user is not None else tried_username(username),
    )


def keys_rewrapped(rows: list[Any]) -> None:
    """An ``update`` entry per re-wrapped key row (case, referral or system key), as django-auditlog
    writes for a row saved on its own (changed fields by name, no value), in one INSERT: for
    ``cases.keys``' batches, which write their rows past ``save()`` and its signal."""
    if not rows:
        return
    template = _entry(event=AuditEvent.UPDATE, model=type(rows[0]), object_pk="")
    template.action = AbstractLogEntry.Action.UPDATE
    template.changed_fields = ["master_key_id", "rewrapped_at"]
    _insert_like(template, ("object_pk", "object_repr"), [[str(row.pk), str(row)] for row in rows])


def record_each(entries: Iterable[dict[str, Any]]) -> None:
    """Several entries now, in the current transaction, in one INSERT (per batch the database
    accepts): each given as ``record``'s keyword arguments. For a page of objects that are not
    cases (the referral queue), so that recording it costs one query whatever the page's size."""
    _insert_entries([_entry(**kwargs) for kwargs in entries])


@contextmanager
def entries_together() -> Iterator[None]:
    """The audit entries django-auditlog makes while the block runs (one per row a service saves),
    inserted in one multi-row INSERT when it ends, instead of one INSERT each. The block must run
    inside the transaction that writes the rows (a request's: ATOMIC_REQUESTS), so that the rows
    and their entries still commit together (decision 0007); if the block raises, nothing is
    inserted and the transaction rolls back. Nested, the outer block inserts.

    Nothing inside the block may catch a failed write and carry on: a savepoint rolled back
    inside it takes its rows but not their gathered entries, which would then be inserted for
    rows that do not exist. Wrap the one service call, inside any savepoint around it (as
    web.views.records does inside attempt())."""
    if gathered() is not None:
        yield
        return
    if not connections[router.db_for_write(AuditEntry)].in_atomic_block:
        raise RuntimeError("entries_together() needs a transaction: a row and its entry commit together")
    token = gather()
    try:
        yield
        pending = list(gathered() or [])
    finally:
        stop_gathering(token)
    _insert_entries(pending)


def _insert_entries(built: list[AuditEntry]) -> None:
    """Built (unsaved) entries in one INSERT: the columns all of them share go once
    (``_insert_many``)."""
    if not built:
        return
    meta = AuditEntry._meta
    connection = connections[router.db_for_write(AuditEntry)]
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    values = {f: [f.pre_save(entry, True) for entry in built] for f in fields}
    shared = [f for f in fields if all(value == values[f][0] for value in values[f])]
    varying = [f for f in fields if f not in shared]
    _insert_many(
        connection,
        [(f, f.get_db_prep_save(values[f][0], connection)) for f in shared],
        varying,
        [[f.get_db_prep_save(values[f][n], connection) for f in varying] for n in range(len(built))],
    )
