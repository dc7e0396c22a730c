"""Uploads held in memory only, never in a temporary file: a scan of a signed consent must not
touch the app server's disk in plaintext. ``FILE_UPLOAD_HANDLERS`` names this handler for every
request (the web UI's consent form), and the API's evidence parser uses it too."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class CappedMemoryUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory and stops at the evidence limit
    (``CONSENT_EVIDENCE_MAX_BYTES``): the upload is dropped and ``request.upload_too_large`` set,
    for the form to say so (``over_limit``; the API's parser raises its 413 instead)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def over_limit(self) -> None:
        if self.request is not None:
            self.request.upload_too_large = True  # type: ignore[attr-defined]  # our own attribute
        raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.buffer.tell() + len(raw_data) > settings.CONSENT_EVIDENCE_MAX_BYTES:
            self.buffer = io.BytesIO()
            self.over_limit()
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
