"""JSON parsing with the body size limit that DRF's own parser skips, and the multipart parsing
of a consent scan (in memory only, capped)."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser, MultiPartParser

from cases.errors import MSG_TOO_LARGE
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


class CappedMemoryUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory, never in a temporary file (a scan of a signed consent
    must not touch the app server's disk in plaintext), and stops at the evidence limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.buffer.tell() + len(raw_data) > settings.CONSENT_EVIDENCE_MAX_BYTES:
            raise EvidenceTooLarge(too_large_message())
        self.buffer.write(raw_data)
        return

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


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
