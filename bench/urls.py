from __future__ import annotations

from django.urls import path

from bench import views

urlpatterns = [
    path("<str:level>/cases/", views.BenchCaseList.as_view()),
    path("<str:level>/cases/<uuid:case_id>/", views.BenchCaseDetail.as_view()),
    path("<str:level>/cases/<uuid:case_id>/notes/", views.BenchNoteAdd.as_view()),
    path("<str:level>/cases/<uuid:case_id>/visits/", views.BenchVisitAdd.as_view()),
    path("<str:level>/audit/entries/", views.BenchAuditSearch.as_view()),
    path("<str:level>/youths/lookup", views.BenchLookup.as_view()),
]
