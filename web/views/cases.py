"""The cases: my cases with filters and paging, the lookup by personal number (in a form body,
never in a URL), the case page, opening a case, the team, custody, closing, emergency access.
Every read goes through the content selectors, every write through the services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import services
from cases.errors import ConsentRequired
from cases.models import CaseStatus, Track
from cases.permissions import require_social_services
from consent.services import emergency_access_open
from content import case as case_content
from content import consents as consent_content
from content import records
from content.access import case_access, case_for_emergency_access, case_ids_by_personal_number, require_emergency_reader
from content.paging import PageRequest
from content.referrals import referral_ids_by_personal_number
from oversight.subject_report import subject_report_for_reader
from web.forms import (
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    CustodyForm,
    EmergencyForm,
    GuardianForm,
    LookupForm,
    MemberAddForm,
    NoInput,
    RejectForm,
)
from web.pages import attempt, form_page
from web.pdf import PdfUnavailable, html_to_pdf
from web.views.common import me, page_request, signed_in
from web.words import consent_in_words, hidden_notice

TIMELINE_SIZE = "50"
MSG_NOTHING_FOUND = _("No case or referral of yours is about this person.")
MSG_NOTHING_SHARED = _("No valid consent shares this case with your agency: nothing of its content is shown.")
MSG_CLOSURE_REQUESTED = _("The closure is requested: a coordinator approves or rejects it.")


@require_http_methods(["GET", "POST"])
@signed_in
def case_list(request: HttpRequest) -> HttpResponse:
    """GET: my cases, filtered and paged. POST (social services): the lookup by personal number."""
    reader = me(request)
    filters = CaseFilterForm(request.GET or None)
    lookup = LookupForm(request.POST or None)
    found: dict[str, Any] | None = None
    if request.method == "POST":
        require_social_services(reader)
        if lookup.is_valid():
            number = lookup.cleaned_data["personal_number"]
            found = attempt(
                lookup,
                lambda: {
                    "cases": case_ids_by_personal_number(user=reader, personal_number=number),
                    "referrals": referral_ids_by_personal_number(user=reader, personal_number=number),
                },
            )
    query = {k: v for k, v in (filters.cleaned_data.items() if filters.is_valid() else []) if v}
    page = case_content.case_page(reader=reader, filters=query, page=page_request(request))
    if found is not None:
        found["rows"] = [row for row in page.items if row["id"] in set(found["cases"])]
        found["other_cases"] = len(found["cases"]) - len(found["rows"])
    context = {"page": page, "filters": filters, "lookup": lookup, "found": found, "query": query}
    return render(request, "web/cases/list.html", context, status=400 if lookup.errors else 200)


def _section(load: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], str | None]:
    """A timeline section the reader may see: its items, or what is hidden and why."""
    try:
        return load(page=PageRequest(size=TIMELINE_SIZE), **kwargs).items, None
    except ConsentRequired:
        return [], "consent"
    except PermissionDenied:
        return [], "role"


@require_GET
@signed_in
def case_detail(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    try:
        case = case_content.case_detail(reader=reader, case_id=case_id, with_sharing=True)
    except ConsentRequired:  # on the team, nothing shared: say so, show only what the role may still see
        case = case_content.case_outline(reader=reader, case_id=case_id)
    categories = set(case["categories"])
    timeline: list[dict[str, Any]] = []
    hidden: list[Any] = []
    meetings, why = _section(records.meetings_page, reader=reader, case_id=case_id)
    timeline += [{"kind": "meeting", "at": m["held_at"], "item": m} for m in meetings]
    if why:
        hidden.append(hidden_notice("meetings", why))
    if case["track"] == Track.LINKOPING:
        visits, why = _section(records.visits_page, reader=reader, case_id=case_id)
        timeline += [{"kind": "visit", "at": v["occurred_at"], "item": v} for v in visits]
        if why:
            hidden.append(hidden_notice("visits", why))
    notes, _why = _section(records.notes_page, reader=reader, case_id=case_id)
    timeline += [{"kind": "note", "at": n["created_at"], "item": n} for n in notes]
    if "notes" not in categories:
        hidden.append(hidden_notice("notes", "consent"))
    links, why = _section(records.police_links_page, reader=reader, case_id=case_id)
    timeline += [{"kind": "police_link", "at": p["linked_at"], "item": p} for p in links]
    if why == "role":
        hidden.append(hidden_notice("police_links", why))
    if not categories:
        hidden.insert(0, MSG_NOTHING_SHARED)
    elif "identity" not in categories:
        hidden.insert(0, hidden_notice("identity", "consent"))
    timeline.sort(key=lambda entry: entry["at"], reverse=True)
    consents = []
    social_services = case.get("consent_givers") is not None
    if social_services:
        guardians = {g["id"]: g["name"] for g in case.get("guardians", [])}
        consents = [
            consent_in_words(c, guardians) for c in consent_content.consents_for_reader(reader=reader, case_id=case_id)
        ]
    context = {
        "case": case,
        "timeline": timeline,
        "hidden": hidden,
        "consents": consents,
        "social_services": social_services,
        "mine": reader.get_username(),
        "close_form": CloseForm(),
        "reject_form": RejectForm(),
        "custody_form": CustodyForm(initial={"custody": case.get("custody"), "version": case["version"]}),
        "member_form": MemberAddForm(),
        "open": case["status"] == CaseStatus.OPEN,
    }
    return render(request, "web/cases/detail.html", context)


@require_http_methods(["GET", "POST"])
@signed_in
def case_open(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    require_social_services(reader)
    form = CaseOpenForm(request.POST or None)
    guardians = [GuardianForm(request.POST or None, prefix=f"g{i}", use_required_attribute=False) for i in range(2)]
    if request.method == "POST" and form.is_valid() and all(g.is_valid() for g in guardians if g.has_changed()):
        given = [g.cleaned_data for g in guardians if g.has_changed()]
        fields = {f"guardians.{i}.{name}": f"g{i}" for i in range(2) for name in GuardianForm.base_fields}
        case = attempt(
            form,
            lambda: services.case_open(
                actor=reader,
                track=form.cleaned_data["track"],
                youth=form.youth(),
                guardians=given,
                district=form.cleaned_data["district"],
                summary=form.cleaned_data["summary"],
                custody=form.cleaned_data["custody"],
            ),
            fields,
        )
        if case is not None:
            return redirect("web:case", case_id=case.pk)
    status_form = form if not any(g.errors for g in guardians) else _with_error(form)
    return form_page(request, "web/cases/open.html", {"guardians": guardians}, status_form)


def _with_error(form: CaseOpenForm) -> CaseOpenForm:
    form.add_error(None, _("Check the guardians' fields below."))
    return form


@require_http_methods(["GET", "POST"])
@signed_in
def guardian_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = GuardianForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = attempt(form, lambda: services.guardian_add(actor=reader, case=access.case, data=form.cleaned_data))
        if done is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/guardian.html", {"case": access.case}, form)


@require_POST
@signed_in
def custody_change(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = CustodyForm(request.POST)
    if form.is_valid():
        done = attempt(
            form,
            lambda: services.case_update(
                actor=reader,
                case=access.case,
                expected_version=form.cleaned_data["version"],
                changes={"custody": form.cleaned_data["custody"]},
            ),
        )
        if done is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/form_error.html", {"case": access.case, "title": _("Custody")}, form)


@require_POST
@signed_in
def member_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        done = attempt(
            form,
            lambda: services.case_member_add(actor=reader, case=access.case, username=form.cleaned_data["username"]),
            {"username": "username"},
        )
        if done is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/form_error.html", {"case": access.case, "title": _("Add a team member")}, form)


@require_POST
@signed_in
def member_remove(request: HttpRequest, case_id: UUID, username: str) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = NoInput()
    done = attempt(form, lambda: services.case_member_remove(actor=reader, case=access.case, username=username) or True)
    if done is not None:
        return redirect("web:case", case_id=case_id)
    return form_page(
        request, "web/cases/form_error.html", {"case": access.case, "title": _("Remove a team member")}, form
    )


@require_http_methods(["GET", "POST"])
@signed_in
def case_close(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = attempt(form, lambda: services.case_close(actor=reader, case=access.case, **form.cleaned_data))
        if case is not None:
            if case.status != CaseStatus.CLOSED:
                messages.info(request, MSG_CLOSURE_REQUESTED)
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/close.html", {"case": access.case}, form)


@require_POST
@signed_in
def closure_approve(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = NoInput()
    done = attempt(form, lambda: services.case_closure_approve(actor=reader, case=access.case))
    if done is not None:
        return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/form_error.html", {"case": access.case, "title": _("Approve closure")}, form)


@require_POST
@signed_in
def closure_reject(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        done = attempt(
            form,
            lambda: services.case_closure_reject(actor=reader, case=access.case, reason=form.cleaned_data["reason"]),
        )
        if done is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/form_error.html", {"case": access.case, "title": _("Reject closure")}, form)


@require_http_methods(["GET", "POST"])
@signed_in
def emergency(request: HttpRequest) -> HttpResponse:
    """Nödåtkomst: social services open a case they are not on, by its number, with a reason."""
    reader = me(request)
    require_emergency_reader(reader)
    form = EmergencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = case_for_emergency_access(user=reader, number=form.cleaned_data["number"])
        done = attempt(form, lambda: emergency_access_open(actor=reader, case=case, reason=form.cleaned_data["reason"]))
        if done is not None:
            return redirect("web:case", case_id=case.pk)
    return form_page(request, "web/cases/emergency.html", {}, form)


@require_GET
@signed_in
def subject_report(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The registerutdrag (GDPR art. 15) as a printable page (social services on the team);
    producing it is audited by the selector."""
    report = subject_report_for_reader(reader=me(request), case_id=case_id)
    return render(request, "oversight/subject_report.html", report)


@require_GET
@signed_in
def subject_report_pdf(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """The same as a PDF, made in memory and sent; its production is audited like the page's."""
    report = subject_report_for_reader(reader=me(request), case_id=case_id)
    html = render_to_string("oversight/subject_report.html", report, request=request)
    try:
        pdf = html_to_pdf(html)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="registerutdrag-{report["case"]["number"]}.pdf"'
    return response
