"""The web UI's pages. Case ids in paths are UUIDs; a personal number is never in a URL (the
lookup is a form body)."""

from django.urls import path

from web.views import audit, auth, cases, consents, home, records, referrals, reports

app_name = "web"
case = "cases/<uuid:case_id>/"

urlpatterns = [
    path("", home.root, name="root"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("enrol/", auth.enrol, name="enrol"),
    path("enrol/confirm/", auth.enrol_confirm, name="enrol-confirm"),
    path("session/ping/", auth.ping, name="ping"),
    path("start/", home.home, name="home"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/new/", cases.case_open, name="case-open"),
    path("emergency/", cases.emergency, name="emergency"),
    path(case, cases.case_detail, name="case"),
    path(case + "registerutdrag/", cases.subject_report, name="subject-report"),
    path(case + "registerutdrag.pdf", cases.subject_report_pdf, name="subject-report-pdf"),
    path(case + "guardians/", cases.guardian_add, name="guardian-add"),
    path(case + "custody/", cases.custody_change, name="custody"),
    path(case + "members/", cases.member_add, name="member-add"),
    path(case + "members/<username:username>/remove/", cases.member_remove, name="member-remove"),
    path(case + "close/", cases.case_close, name="close"),
    path(case + "close/approve/", cases.closure_approve, name="close-approve"),
    path(case + "close/reject/", cases.closure_reject, name="close-reject"),
    path(case + "consents/new/", consents.consent_add, name="consent-add"),
    path("consents/<uuid:consent_id>/withdraw/", consents.consent_withdraw, name="consent-withdraw"),
    path("consents/<uuid:consent_id>/verify/", consents.consent_verify, name="consent-verify"),
    path(case + "visits/new/", records.visit_add, name="visit-add"),
    path(case + "meetings/new/", records.meeting_add, name="meeting-add"),
    path(case + "meetings/<uuid:meeting_id>/actions/<uuid:action_id>/done/", records.action_done, name="action-done"),
    path(case + "notes/new/", records.note_add, name="note-add"),
    path(case + "police-links/new/", records.police_link, name="police-link-add"),
    path("audit/", audit.log_search_page, name="audit"),
    path("audit/entries.csv", audit.log_csv, name="audit-csv"),
    path("audit/anomalies/", audit.anomalies_page, name="audit-anomalies"),
    path("audit/verify/", audit.verify_page, name="audit-verify"),
    path("audit/reviews/", audit.reviews_page, name="audit-reviews"),
    path("audit/reviews/<uuid:review_id>/", audit.review_page, name="audit-review"),
    path("audit/reviews/<uuid:review_id>/items/<uuid:item_id>/", audit.review_item_mark, name="audit-review-item"),
    path("reports/results/", reports.results_report, name="results"),
    path("reports/results.csv", reports.results_csv, name="results-csv"),
    path("reports/results/freeze/", reports.results_freeze, name="results-freeze"),
    path("referrals/", referrals.referral_list, name="referrals"),
    path("referrals/new/", referrals.referral_add, name="referral-add"),
    path("referrals/<uuid:referral_id>/", referrals.referral_detail, name="referral"),
]
