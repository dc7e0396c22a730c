"""The auditor's pages (logggranskare): search the log with cursor paging, every entry in plain
Swedish; the CSV; anomalies by kind; verifying the chain; log checks (start a review of a period,
mark each item, sign it off). Auditors only (the services say 403); the auditor never sees case
content: an entry names who, what, which case and which categories, never a value."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import chain
from audit.models import AuditEntry, AuditEvent
from audit.services import record
from cases.csv_safe import csv_lines
from oversight import anomalies, log_search
from oversight import log_reviews as reviews
from web.forms import LogSearchForm, PeriodForm, ReviewMarkForm, ReviewStartForm, SignOffForm
from web.pages import attempt, form_page
from web.views.common import me, signed_in
from web.words import CATEGORY_WORDS

PAGE = 50
VERBS = {
    "access": _("read"),
    "create": _("created"),
    "update": _("changed"),
    "delete": _("deleted"),
    "denied": _("was refused access to"),
    "emergency": _("opened in an emergency"),
    "export": _("exported"),
    "login": _("signed in"),
    "login_failed": _("failed to sign in"),
    "logout": _("signed out"),
    "review": _("reviewed the log"),
}
KIND_WORDS = {
    "denied": _("Refused attempts"),
    "emergency_access": _("Emergency accesses"),
    "outside_team": _("Reads outside the team"),
    "out_of_hours": _("Outside office hours"),
    "after_withdrawal": _("Reads after a withdrawal"),
    "unusual_volume": _("Unusually many cases in a day"),
    "alert": _("Alerts"),
}
# Why an item is in a log check: the random sample, or the anomaly's kind.
REASON_WORDS = {"sample": _("Random sample"), **KIND_WORDS}


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _period_ok(since: datetime, until: datetime) -> bool:
    reviews.period_check(since=since, until=until, field="since")
    return True


def _cursor(entry: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(f"{entry['timestamp'].isoformat()}|{entry['id']}".encode()).decode()


def _before(value: str) -> tuple[datetime, int] | None:
    try:
        moment, number = base64.urlsafe_b64decode(value.encode()).decode().split("|")
        parsed = parse_datetime(moment)
        return (parsed, int(number)) if parsed is not None else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _filters(form: LogSearchForm) -> dict[str, Any]:
    data = form.cleaned_data
    until = data.get("until")
    return {
        "actor": data.get("actor") or "",
        "case": (data.get("case") or "").upper() or None,
        "action": data.get("action") or "",
        "since": _day_start(data["since"]) if data.get("since") else None,
        "until": _day_start(until + timedelta(days=1)) if until else None,
    }


def in_words(entry: dict[str, Any], names: dict[str, str]) -> str:
    """ "Sara Skola läste identitet, möten i SSPF-2026-0001"."""
    who = names.get(entry["actor"]) or entry["actor"] or str(_("(nobody signed in)"))
    verb = VERBS.get(entry["action"], AuditEvent(entry["action"]).label if entry["action"] in AuditEvent.values else "")
    shown = ", ".join(str(CATEGORY_WORDS.get(f, f)) for f in entry["fields_shown"])
    parts = [who, str(verb)]
    if shown:
        parts.append(shown)
    if entry["case_number"]:
        parts.append(str(_("in")) + " " + entry["case_number"])
    return " ".join(parts)


def _names(actors: set[str]) -> dict[str, str]:
    """The name beside the username the log holds: a name can be changed in the admin, the username
    cannot (administration.admin), so what an entry is attributed to never moves."""
    users = get_user_model().objects.filter(username__in=actors)
    return {u.username: f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username for u in users}


@require_GET
@signed_in
def log_search_page(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    log_search.require_auditor(reader)
    form = LogSearchForm(request.GET or None)
    rows: list[dict[str, Any]] = []
    next_cursor = ""
    if request.GET and form.is_valid():
        filters = _filters(form)
        found = log_search.entries(reader=reader, **{k: v for k, v in filters.items() if v})
        before = _before(request.GET.get("before", ""))
        if before is not None:
            moment, number = before
            found = found.filter(timestamp__lte=moment).exclude(timestamp=moment, id__gte=number)
        page = [log_search.entry_shown(entry) for entry in found[: PAGE + 1]]
        if len(page) > PAGE:
            page = page[:PAGE]
            next_cursor = _cursor(page[-1])
        names = _names({e["actor"] for e in page})
        rows = [{**entry, "words": in_words(entry, names)} for entry in page]
        log_search.record_search(AuditEvent.ACCESS, log_search.logged_filters(filters))
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "rows": rows, "next_cursor": next_cursor, "query": query.urlencode()}
    return render(request, "web/audit/search.html", context, status=400 if form.errors else 200)


@require_GET
@signed_in
def log_csv(request: HttpRequest) -> HttpResponseBase:
    reader = me(request)
    log_search.require_auditor(reader)
    form = LogSearchForm(request.GET or None)
    if not form.is_valid():
        return render(request, "web/audit/search.html", {"form": form, "rows": []}, status=400)
    filters = _filters(form)
    found = log_search.entries(reader=reader, **{k: v for k, v in filters.items() if v})
    log_search.record_search(AuditEvent.EXPORT, log_search.logged_filters(filters))
    rows = log_search.csv_rows(found, lambda moment: timezone.localtime(moment).isoformat())
    response = StreamingHttpResponse(csv_lines(log_search.CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="loggposter.csv"'
    return response


@require_GET
@signed_in
def anomalies_page(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    log_search.require_auditor(reader)
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"since": today - timedelta(days=7), "until": today})
    findings: list[dict[str, Any]] = []
    if form.is_valid():
        since = _day_start(form.cleaned_data["since"])
        until = _day_start(form.cleaned_data["until"] + timedelta(days=1))
        if attempt(form, lambda: _period_ok(since, until)):
            findings = anomalies.find(since=since, until=until)
            record(event=AuditEvent.REVIEW, model=AuditEntry, object_pk="", extra={"anomalies": len(findings)})
    counts = Counter(f["kind"] for f in findings)
    groups = [
        {
            "kind": kind,
            "label": KIND_WORDS.get(kind, kind),
            "count": counts[kind],
            "items": [f for f in findings if f["kind"] == kind],
        }
        for kind in anomalies.KINDS
        if counts[kind]
    ]
    return render(
        request, "web/audit/anomalies.html", {"form": form, "groups": groups}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
@signed_in
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET shows the head and the unsealed window; POST seals and recomputes the chain from the
    newest checkpoint, or the whole chain with ``full``."""
    reader = me(request)
    log_search.require_auditor(reader)
    result = None
    if request.method == "POST":
        full = "full" in request.POST
        result = chain.verify(from_checkpoint=not full)
        record(event=AuditEvent.REVIEW, model=AuditEntry, object_pk="", extra={"verify": result.ok, "full": full})
    context = {"result": result, "head": chain.head(), "unsealed_seconds": int(chain.oldest_unsealed_age())}
    return render(request, "web/audit/verify.html", context)


@require_http_methods(["GET", "POST"])
@signed_in
def reviews_page(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    log_search.require_auditor(reader)
    today = timezone.localdate()
    last_month_ends = today.replace(day=1) - timedelta(days=1)  # the monthly check's usual period
    initial = {"since": last_month_ends.replace(day=1), "until": last_month_ends, "sample_size": 20}
    form = ReviewStartForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        since = _day_start(form.cleaned_data["since"])
        # The last day counts whole; a period that reaches today ends now (not in the future).
        until = min(_day_start(form.cleaned_data["until"] + timedelta(days=1)), timezone.now())
        review = attempt(
            form,
            lambda: reviews.review_start(
                actor=reader, period_start=since, period_end=until, sample_size=form.cleaned_data["sample_size"]
            ),
            {"period_start": "since", "period_end": "until"},
        )
        if review is not None:
            return redirect("web:audit-review", review_id=review.pk)
    past = [{"review": r, "summary": reviews.review_summary(r)} for r in reviews.reviews_list()]
    return form_page(request, "web/audit/reviews.html", {"past": past}, form)


@require_http_methods(["GET", "POST"])
@signed_in
def review_page(request: HttpRequest, review_id: Any) -> HttpResponse:
    reader = me(request)
    log_search.require_auditor(reader)
    review = reviews.review_with_items(review_id, entries=True)
    sign_off = SignOffForm(request.POST or None)
    if request.method == "POST" and sign_off.is_valid():
        done = attempt(
            sign_off,
            lambda: reviews.review_sign_off(
                actor=reader, review=review, conclusion=sign_off.cleaned_data["conclusion"]
            ),
        )
        if done is not None:
            return redirect("web:audit-review", review_id=review.pk)
        review = reviews.review_with_items(review_id, entries=True)
    shown = {item.pk: log_search.entry_shown(item.entry) for item in review.items.all() if item.entry is not None}
    names = _names({e["actor"] for e in shown.values()})
    items = [
        {
            "item": item,
            "reason": REASON_WORDS.get(item.reason, item.reason),
            # The entry in plain words; gone by the retention path, the item's own copy stays.
            "words": in_words(shown[item.pk], names) if item.pk in shown else "",
            "form": ReviewMarkForm(
                prefix=str(item.pk), initial={"verdict": item.verdict or None, "comment": item.comment}
            ),
        }
        for item in review.items.all()
    ]
    context = {
        "review": review,
        "items": items,
        "summary": reviews.review_summary(review),
        "sign_off": sign_off,
        "capped": [str(KIND_WORDS.get(kind, kind)) for kind in review.findings_capped],
        "per_kind": settings.AUDIT_REVIEW_FINDINGS_PER_KIND,
    }
    return render(request, "web/audit/review.html", context, status=400 if sign_off.errors else 200)


@require_POST
@signed_in
def review_item_mark(request: HttpRequest, review_id: Any, item_id: Any) -> HttpResponse:
    reader = me(request)
    log_search.require_auditor(reader)
    review = reviews.review_with_items(review_id)
    item = next((i for i in review.items.all() if str(i.pk) == str(item_id)), None)
    if item is None:
        raise Http404
    form = ReviewMarkForm(request.POST, prefix=str(item.pk))
    if form.is_valid():
        marked = attempt(form, lambda: reviews.review_item_mark(actor=reader, item=item, **form.cleaned_data))
        if marked is not None:
            return redirect(f"/audit/reviews/{review.pk}/#item-{item.pk}")
    return form_page(request, "web/cases/form_error.html", {"title": _("Mark an item")}, form)
