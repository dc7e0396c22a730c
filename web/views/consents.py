"""Consents: record one (giver, named parties as checkboxes, categories, validity, method, the
scanned form), withdraw one with a reason, and verify another worker's uploaded form."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from cases.models import AgencyKind
from cases.permissions import require_social_services
from consent import evidence
from consent import services as consent_services
from content import consents as consent_content
from content.access import agencies_list, case_access
from web.forms import ConsentForm, NoInput, WithdrawForm
from web.pages import attempt, form_page
from web.views.common import me, signed_in


def _givers(access: object) -> list[tuple[str, str]]:
    case = access.case  # type: ignore[attr-defined]
    givers = [
        (f"guardian:{g.pk}", f"{g.name}" + ("" if g.custodian else str(_(" (not a custodian)"))))
        for g in case.guardians.all()
    ]
    return givers + [("youth", str(_("The youth")))]


@require_http_methods(["GET", "POST"])
@signed_in
def consent_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    reader = me(request)
    access = case_access(user=reader, case_id=case_id)
    require_social_services(reader)
    # The kind beside the name: a name is the administrator's to change, the kind is not.
    agencies = [
        (str(a["id"]), f"{a['name']} ({AgencyKind(a['kind']).label})")
        for a in agencies_list(user=reader)
        if a["kind"] != AgencyKind.SOCIAL_SERVICES
    ]
    form = ConsentForm(request.POST or None, request.FILES or None, givers=_givers(access), agencies=agencies)
    if getattr(request, "upload_too_large", False):
        form.is_valid()
        form.add_error("scan", evidence.too_large_message())
    elif request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        scan = data.pop("scan")
        data.pop("giver")

        def record() -> object:
            consent = consent_services.consent_record(actor=reader, case=access.case, **form.giver_values(), **data)
            if scan is not None:
                evidence.evidence_upload(actor=reader, consent=consent, data=scan.read())
            return consent

        if attempt(form, record, {"evidence": "scan", "file": "scan", "data": "scan"}) is not None:
            return redirect("web:case", case_id=case_id)
    return form_page(request, "web/cases/consent.html", {"case": access.case}, form)


@require_http_methods(["GET", "POST"])
@signed_in
def consent_withdraw(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    reader = me(request)
    consent = consent_content.consent_for_user(user=reader, consent_id=consent_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            form,
            lambda: consent_services.consent_withdraw(
                actor=reader, consent=consent, reason=form.cleaned_data["reason"]
            ),
        )
        if done is not None:
            return redirect("web:case", case_id=consent.case_id)
    return form_page(request, "web/cases/withdraw.html", {"case": consent.case, "consent_id": consent_id}, form)


@require_POST
@signed_in
def consent_verify(request: HttpRequest, consent_id: UUID) -> HttpResponse:
    """A second social worker verifies the uploaded signed form."""
    reader = me(request)
    consent = consent_content.consent_for_user(user=reader, consent_id=consent_id)
    form = NoInput()
    if attempt(form, lambda: evidence.evidence_verify(actor=reader, consent=consent)) is not None:
        return redirect("web:case", case_id=consent.case_id)
    return form_page(
        request, "web/cases/form_error.html", {"case": consent.case, "title": _("Verify the signed form")}, form
    )
