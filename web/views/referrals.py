"""Referrals (orosanmälan): school, police and leisure file one and follow its status; social
services work the intake queue and decide (open a case, no action, handled elsewhere)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from content import referrals as referral_content
from referrals import services as referral_services
from web.forms import DecisionForm, ReferralForm
from web.pages import attempt, form_page
from web.views.common import me, page_request, signed_in


@require_http_methods(["GET"])
@signed_in
def referral_list(request: HttpRequest) -> HttpResponse:
    """Social services: the intake queue with its content. Anyone else who files: their own
    referrals' number, status and dates."""
    reader = me(request)
    status = request.GET.get("status") or ""
    page = referral_content.referral_page(reader=reader, filters={"status": status}, page=page_request(request))
    return render(request, "web/referrals/list.html", {"page": page, "status": status})


@require_http_methods(["GET", "POST"])
@signed_in
def referral_add(request: HttpRequest) -> HttpResponse:
    reader = me(request)
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        youth = {key: data[f"youth_{key}"] for key in ("personal_number", "given_name", "family_name")}
        referral = attempt(
            form,
            lambda: referral_services.referral_file(
                actor=reader, youth=youth, concern=data["concern"], urgent=data["urgent"]
            ),
        )
        if referral is not None:
            return redirect("web:referral", referral_id=referral.pk)
    return form_page(request, "web/referrals/new.html", {}, form)


@require_http_methods(["GET", "POST"])
@signed_in
def referral_detail(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The referral as the reader may see it; social services decide it here."""
    reader = me(request)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        referral = referral_content.referral_for_decision(user=reader, referral_id=referral_id)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
            decided = attempt(form, lambda: referral_services.referral_decide(actor=reader, referral=referral, **data))
            if decided is not None:
                if decided.case_id is not None:
                    return redirect("web:case", case_id=decided.case_id)
                return redirect("web:referral", referral_id=referral_id)
    shown = referral_content.referral_detail(reader=reader, referral_id=referral_id)
    return form_page(request, "web/referrals/detail.html", {"referral": shown}, form)
