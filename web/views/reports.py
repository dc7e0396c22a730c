"""The coordinator's yearly results report (the auditor reads it too): the figures the
municipality publishes, small counts suppressed, charts drawn on the server, a CSV download, and
freezing a finished year (coordinators). Everything through ``oversight.results``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cases.csv_safe import csv_lines
from cases.models import CaseOutcome, MeetingKind
from oversight import results
from referrals.models import ReferralStatus
from web.charts import Bar, bar_chart
from web.forms import ReportForm
from web.pages import attempt, form_page
from web.views.common import me, signed_in

MSG_FROZEN = _("The figures of %(year)s are frozen: they stay as they are now.")
SOURCE_WORDS = {
    "school": _("School"),
    "police": _("Police"),
    "leisure": _("Leisure"),
    "social_services": _("Social services"),
    "total": _("Total"),
}


def _chosen(request: HttpRequest) -> tuple[ReportForm, int, str | None]:
    year = timezone.localdate().year
    form = ReportForm(request.GET or {"year": year})
    if form.is_valid():
        return form, form.cleaned_data["year"], form.cleaned_data["district"] or None
    return form, year, None


def _tables(report: dict[str, Any]) -> dict[str, Any]:
    decisions = [(s.value, s.label) for s in ReferralStatus] + [("total", _("Total"))]
    referrals = report.get("referrals_by_source_and_decision") or {}
    return {
        "decisions": decisions,
        "referrals": [
            {"label": SOURCE_WORDS.get(source, source), "cells": [row.get(d) for d, _label in decisions]}
            for source, row in referrals.items()
        ],
        "outcomes": [(o.label, (report.get("cases_by_outcome") or {}).get(o.value)) for o in CaseOutcome],
        "kinds": [(k.label, (report.get("meetings_by_kind") or {}).get(k.value)) for k in MeetingKind],
    }


@require_GET
@signed_in
def results_report(request: HttpRequest) -> HttpResponse:
    form, year, district = _chosen(request)
    report = results.report_for_reader(reader=me(request), year=year, district=district)
    tables = _tables(report)
    charts = [
        bar_chart(str(_("Cases closed by outcome")), [Bar(str(label), value) for label, value in tables["outcomes"]]),
        bar_chart(str(_("SSPF meetings by kind")), [Bar(str(label), value) for label, value in tables["kinds"]]),
    ]
    context = {
        "filters": form,
        "year": year,
        "district": district or "",
        "report": report,
        "tables": tables,
        "charts": [mark_safe(svg) for svg in charts],  # noqa: S308 - built from escaped labels and numbers
        "can_freeze": year < timezone.localdate().year and not report.get("frozen"),
        "freeze_form": ReportForm(initial={"year": year}),
    }
    return render(request, "web/reports/results.html", context, status=400 if form.errors else 200)


@require_GET
@signed_in
def results_csv(request: HttpRequest) -> StreamingHttpResponse:
    form, year, district = _chosen(request)
    report = results.report_for_reader(reader=me(request), year=year, district=district)

    def rows() -> Iterator[list[Any]]:
        for key, value in report.items():
            if isinstance(value, dict) and key != "frozen":
                for row, cells in value.items():
                    if isinstance(cells, dict):
                        yield from ([key, row, col, cell] for col, cell in cells.items())
                    else:
                        yield [key, row, "", cells]
            elif key not in ("frozen", "district"):
                yield [key, "", "", value]

    response = StreamingHttpResponse(
        csv_lines(["figure", "row", "column", "value"], rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="resultat-{year}.csv"'
    return response


@require_POST
@signed_in
def results_freeze(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        if attempt(form, lambda: results.year_freeze_by(actor=me(request), year=year)) is not None:
            messages.success(request, MSG_FROZEN % {"year": year})
            return redirect(f"/reports/results/?year={year}")
    return form_page(request, "web/cases/form_error.html", {"title": _("Freeze the year")}, form)
