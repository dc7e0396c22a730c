"""JSON parsing with the body size limit that DRF's own parser skips."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from cases.errors import MSG_TOO_LARGE


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
        return super().parse(stream, media_type, parser_context)
