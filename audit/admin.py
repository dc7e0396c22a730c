"""django-auditlog registers its entry model in the admin, with a search that scans the whole
table. The log is for auditors, through the API; administrators do not read it."""

from __future__ import annotations

from django.contrib import admin

from audit.models import AuditEntry

if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)
