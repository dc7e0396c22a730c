"""JSON parsing with the body size limit that DRF's own parser skips, and the multipart parsing
of a consent scan (in memory only, capped)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser

from cases.errors import MSG_TOO_LARGE
from consent import uploads
from consent.evidence import too_large_message

MSG_TOO_DEEP = _("The JSON is nested too deeply.")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = MSG_TOO_LARGE
    default_code = "request_too_large"


class SizeLimitedJSONParser(JSONParser):
    """DRF's JSON parser reads the stream directly, bypassing DATA_UPLOAD_MAX_MEMORY_SIZE: check it here."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestTooLarge
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Thousands of nested brackets exhaust the parser's recursion (issue 15, item 7: a 500).
            raise exceptions.ParseError(MSG_TOO_DEEP) from None


class EvidenceTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"


# Room for the multipart boundaries and headers around the one file.
MULTIPART_OVERHEAD = 64 * 1024


class CappedMemoryUploadHandler(uploads.CappedMemoryUploadHandler):
    """The consent scan's upload handler (consent.uploads), answering 413 at the limit."""

    def over_limit(self) -> None:
        raise EvidenceTooLarge(too_large_message())


class EvidenceMultiPartParser(MultiPartParser):
    """multipart/form-data for the consent scan: refused with 413 before it is read when the
    declared length is over the limit, and held in memory only (``CappedMemoryUploadHandler``)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > settings.CONSENT_EVIDENCE_MAX_BYTES + MULTIPART_OVERHEAD:
            raise EvidenceTooLarge(too_large_message())
        if request is not None:
            request._request.upload_handlers = [CappedMemoryUploadHandler(request._request)]
        return super().parse(stream, media_type, parser_context)
