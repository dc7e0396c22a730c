"""Query-string filters (django-filter). They narrow what the selector returned, never widen it."""

from __future__ import annotations

import django_filters

from cases.models import Case, CaseStatus, Track


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    track = django_filters.ChoiceFilter(choices=Track.choices)
    district = django_filters.CharFilter(max_length=100)

    class Meta:
        model = Case
        fields = ["status", "track", "district"]
