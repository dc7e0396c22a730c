from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse

from audit import chain, partitions


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. Public (load balancers and monitors
    call it without a token), so it says nothing else about the system but one number: how long
    the oldest audit entry has waited for the sealer, in whole seconds, and whether that is over
    ``AUDIT_SEAL_MAX_AGE`` (``behind``: the sealer is down or slow; still 200, as requests are
    served as before); and whether the audit log's month partitions need the owner role
    (``attention``: none ahead, or entries in the default partition; ``audit_partitions --check``
    says which). No entry, actor, case or count (decision 0016)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        unsealed = int(chain.oldest_unsealed_age())
        attention = partitions.need_attention()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "audit_sealing": "behind" if unsealed > settings.AUDIT_SEAL_MAX_AGE else "ok",
            "audit_unsealed_seconds": unsealed,
            "audit_partitions": "attention" if attention else "ok",
        }
    )
