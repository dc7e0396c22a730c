"""What the team records: a home visit after the visit, an SSPF meeting with its action plan
(and marking an item done, in place with htmx), a note, a police link. The services decide who
may; the forms only carry what was typed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import entries_together
from cases import services
from consent.services import police_link_add
from content import records
from content.access import case_access, case_member_rows
from web.forms import ActionFormSet, MeetingForm, NoteForm, PoliceLinkForm, VisitForm
from web.pages import attempt, form_page
from web.views.common import me, signed_in

MSG_CHECK_ACTIONS = _("Check the action-plan items below.")


def _members(case: Any) -> list[tuple[str, str]]:
    return [(m["username"], f"{m['username']} ({m['agency_name']})") for m in case_member_rows(case=case)]


def _visit_record(reader: Any, case: Any, values: dict[str, Any]) -> services.RecordedVisit:
    """As the API records a visit: its entries inserted together, inside attempt()'s savepoint
    (a refusal it catches rolls the rows back, and the gathered entries are never inserted)."""
    with entries_together():
        return services.visit_record(actor=reader, case=case, **values)


@require_http_methods(["GET", "POST"])
@signed_in
def visit_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = VisitForm(request.POST or None, members=_members(access.case))
    if request.method == "POST" and form.is_valid():
        recorded = attempt(
            form,
            lambda: _visit_record(reader, access.case, form.values()),
            {
                "screening.accepted": "screening_accepted",
                "screening.result": "screening_result",
                "screening": "screening_offered",
            },
        )
        if recorded is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/visit.html", {"case": access.case}, form)


def _actions(formset: Any) -> list[dict[str, Any]]:
    return [
        {key: value for key, value in f.cleaned_data.items() if value not in ("", None)}
        for f in formset.forms
        if f.cleaned_data and any(f.cleaned_data.get(k) for k in ("agency", "responsible", "action"))
    ]


@require_http_methods(["GET", "POST"])
@signed_in
def meeting_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = MeetingForm(request.POST or None, members=_members(access.case))
    actions = ActionFormSet(request.POST or None, prefix="actions")
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
        meeting = attempt(
            form,
            lambda: services.meeting_record(actor=reader, case=access.case, actions=_actions(actions), **values),
        )
        if meeting is not None:
            return redirect("web:case", case_id=case_id)
    elif request.method == "POST" and not actions.is_valid():
        form.is_valid()
        form.add_error(None, MSG_CHECK_ACTIONS)
    return form_page(request, "web/cases/meeting.html", {"case": access.case, "actions": actions}, form)


@require_POST
@signed_in
def action_done(request: HttpRequest, case_id: UUID, meeting_id: UUID, action_id: UUID) -> HttpResponse:
    """Mark an item done; with htmx only the item's row is swapped in."""
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    item = records.action_item_of_case(access=access, meeting_id=meeting_id, action_id=action_id)
    done = services.action_item_done(actor=reader, item=item)
    if request.htmx:  # type: ignore[attr-defined]
        context = {
            "action": records.action_shown(done),
            "case_id": case_id,
            "meeting_id": meeting_id,
            "can_mark": False,
        }
        return render(request, "web/partials/action.html", context)
    return redirect("web:case", case_id=case_id)


@require_http_methods(["GET", "POST"])
@signed_in
def note_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = attempt(form, lambda: services.note_add(actor=reader, case=access.case, **form.cleaned_data))
        if note is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/note.html", {"case": access.case}, form)


@require_http_methods(["GET", "POST"])
@signed_in
def police_link(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    form = PoliceLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = attempt(
            form, lambda: police_link_add(actor=reader, case=access.case, reference=form.cleaned_data["reference"])
        )
        if link is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/police_link.html", {"case": access.case}, form)
