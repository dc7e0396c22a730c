"""The start page: my reminders (att göra) with links, my cases, and for social services how many
referrals wait in the intake queue; the reminders alone for htmx to refresh."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cases.models import TEAM_ROLES, CaseStatus
from cases.permissions import staff_profile
from content import case as case_content
from content.access import case_numbers
from content.paging import PageRequest
from content.referrals import intake_count
from oversight.reminders import reminders_for
from web.views.common import me, signed_in


def _reminders(request: HttpRequest) -> list[dict[str, Any]]:
    rows = reminders_for(user=me(request))
    numbers = case_numbers(user=me(request), case_ids=[r["case"] for r in rows if r.get("case")])
    return [{**r, "number": numbers.get(r.get("case"), "")} for r in rows]


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    return redirect("web:home")


@require_GET
@signed_in
def home(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    if request.htmx:  # type: ignore[attr-defined]  # the reminder list alone
        return render(request, "web/partials/reminders.html", {"reminders": _reminders(request)})
    context: dict[str, Any] = {"cases": None, "intake": intake_count(reader=reader)}
    profile = staff_profile(reader)
    if profile is not None and profile.role in TEAM_ROLES:
        context["cases"] = case_content.case_page(
            reader=reader, filters={"status": CaseStatus.OPEN}, page=PageRequest(size="10")
        )
    context["reminders"] = _reminders(request)
    return render(request, "web/home.html", context)
