from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api import accounts as accounts_api
from api import audit as audit_api
from api import auth as api_auth
from api import cases as api
from api import consents as consent_api
from api import records, team
from api import referrals as referral_api
from api import reminders as api_reminders
from api import reports as api_reports
from api.errors import json_error_view
from api.health import healthz
from cases.errors import MSG_NOT_FOUND, MSG_SERVER_ERROR
from config.db_unavailable import server_error
from web.middleware import is_web_path
from web.pages import error_page

_json_not_found = json_error_view(404, MSG_NOT_FOUND, "not_found")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """An unknown path: the API's JSON body under /api/, the web UI's page elsewhere."""
    if is_web_path(request.path):
        return error_page(request, 404, MSG_NOT_FOUND)
    return _json_not_found(request, exception)


class UsernameConverter:
    """The characters Django's username validator allows, and no others: a NUL byte or any other
    control character in a path segment is a 404 at the URL, before it reaches a query
    (PostgreSQL refuses NUL in text, which was a 500; issue 15, item 7)."""

    regex = r"[\w.@+-]{1,150}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UsernameConverter, "username")

case = "api/v1/cases/<uuid:case_id>/"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/auth/login", api_auth.LoginApi.as_view(), name="auth-login"),
    path("api/v1/auth/logout", api_auth.LogoutApi.as_view(), name="auth-logout"),
    path("api/v1/auth/enrol", api_auth.EnrolStartApi.as_view(), name="auth-enrol"),
    path("api/v1/auth/enrol/confirm", api_auth.EnrolConfirmApi.as_view(), name="auth-enrol-confirm"),
    path("api/v1/cases/", api.CaseListApi.as_view(), name="case-list"),
    path(case, api.CaseDetailApi.as_view(), name="case-detail"),
    path(case + "close/", api.CaseCloseApi.as_view(), name="case-close"),
    path(case + "close/approve/", api.CaseCloseApproveApi.as_view(), name="case-close-approve"),
    path(case + "close/reject/", api.CaseCloseRejectApi.as_view(), name="case-close-reject"),
    path(case + "reopen/", api.CaseReopenApi.as_view(), name="case-reopen"),
    path(case + "members/", team.CaseMemberAddApi.as_view(), name="case-member-add"),
    path(case + "members/<username:username>/", team.CaseMemberRemoveApi.as_view(), name="case-member-remove"),
    path(case + "guardians/", team.GuardianAddApi.as_view(), name="case-guardian-add"),
    path(case + "visits/", records.VisitListApi.as_view(), name="case-visits"),
    path(case + "visits/<uuid:visit_id>/notes/", records.VisitNoteAddApi.as_view(), name="case-visit-notes"),
    path(case + "meetings/", records.MeetingListApi.as_view(), name="case-meetings"),
    path(
        case + "meetings/<uuid:meeting_id>/actions/<uuid:action_id>/done/",
        records.ActionDoneApi.as_view(),
        name="case-meeting-action-done",
    ),
    path(case + "notes/", records.NoteListApi.as_view(), name="case-notes"),
    path(case + "police-links/", records.PoliceLinkListApi.as_view(), name="case-police-links"),
    path(case + "legal-hold/", api.LegalHoldApi.as_view(), name="case-legal-hold"),
    path(case + "subject-report", api_reports.SubjectReportApi.as_view(), name="case-subject-report"),
    path(case + "consents/", consent_api.CaseConsentListApi.as_view(), name="case-consents"),
    path(case + "emergency-access/", consent_api.EmergencyAccessApi.as_view(), name="case-emergency-access"),
    path(
        "api/v1/consents/<uuid:consent_id>/withdraw/", consent_api.ConsentWithdrawApi.as_view(), name="consent-withdraw"
    ),
    path(
        "api/v1/consents/<uuid:consent_id>/evidence/", consent_api.ConsentEvidenceApi.as_view(), name="consent-evidence"
    ),
    path("api/v1/consents/<uuid:consent_id>/verify/", consent_api.ConsentVerifyApi.as_view(), name="consent-verify"),
    path("api/v1/agencies/", team.AgencyListApi.as_view(), name="agency-list"),
    path(
        "api/v1/staff/<username:username>/emergency-approval/",
        accounts_api.EmergencyApprovalApi.as_view(),
        name="staff-emergency-approval",
    ),
    path("api/v1/reminders/", api_reminders.ReminderListApi.as_view(), name="reminders"),
    path("api/v1/stats/<int:year>/freeze", api_reports.StatsFreezeApi.as_view(), name="stats-freeze"),
    path("api/v1/referrals/", referral_api.ReferralListApi.as_view(), name="referral-list"),
    path("api/v1/referrals/<uuid:referral_id>/", referral_api.ReferralDetailApi.as_view(), name="referral-detail"),
    path(
        "api/v1/referrals/<uuid:referral_id>/decide/", referral_api.ReferralDecideApi.as_view(), name="referral-decide"
    ),
    path("api/v1/consents/report", consent_api.ConsentReportApi.as_view(), name="consent-report"),
    path(case + "disclosures/", consent_api.CaseDisclosureListApi.as_view(), name="case-disclosures"),
    path("api/v1/disclosures/", consent_api.DisclosureRegisterApi.as_view(), name="disclosure-register"),
    path("api/v1/youths/lookup", api.YouthLookupApi.as_view(), name="youth-lookup"),
    path("api/v1/audit/entries/", audit_api.AuditEntryListApi.as_view(), name="audit-entries"),
    path("api/v1/audit/entries.csv", audit_api.AuditEntryCsvApi.as_view(), name="audit-entries-csv"),
    path("api/v1/audit/verify", audit_api.AuditVerifyApi.as_view(), name="audit-verify"),
    path("api/v1/audit/anomalies", audit_api.AuditAnomaliesApi.as_view(), name="audit-anomalies"),
    path("api/v1/audit/reviews/", audit_api.ReviewListApi.as_view(), name="audit-reviews"),
    path("api/v1/audit/reviews/<uuid:review_id>/", audit_api.ReviewDetailApi.as_view(), name="audit-review"),
    path(
        "api/v1/audit/reviews/<uuid:review_id>/items/<uuid:item_id>/",
        audit_api.ReviewItemMarkApi.as_view(),
        name="audit-review-item",
    ),
    path(
        "api/v1/audit/reviews/<uuid:review_id>/sign-off/",
        audit_api.ReviewSignOffApi.as_view(),
        name="audit-review-sign-off",
    ),
    path("api/v1/stats/summary", api_reports.StatsSummaryApi.as_view(), name="stats-summary"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]

handler404 = not_found
handler500 = server_error(json_error_view(500, MSG_SERVER_ERROR, "server_error"))
