"""The registerutdrag as a PDF: WeasyPrint (with Pango) renders the same HTML the printable page
shows, in memory; nothing is written to disk. Its stylesheet is read from the app's static files,
never fetched over the network (any other URL is refused)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders

try:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse
except OSError:  # Pango is missing: the page still works, the PDF says what to install
    HTML = None
    URLFetcher = object

MSG_NO_PDF = "WeasyPrint needs Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"


class PdfUnavailable(Exception):
    """Pango is not installed on this machine."""


class StaticOnly(URLFetcher):
    """WeasyPrint's URL fetcher for the extract: the app's own static files, read from disk by
    Django's finders; any other URL (the network, another file) is refused."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        prefix = "/" + settings.STATIC_URL.lstrip("/")
        path = url.split("://", 1)[-1]
        if not url.startswith("file://") or not path.startswith(prefix):
            raise ValueError("the PDF loads nothing but the app's own static files")
        found = finders.find(path[len(prefix) :])
        if not isinstance(found, str):
            raise ValueError("no such static file")
        with open(found, "rb") as handle:
            body = handle.read()
        return URLFetcherResponse(url, body=body, headers={"Content-Type": "text/css; charset=utf-8"})


def html_to_pdf(html: str) -> bytes:
    """The document as PDF bytes (A4, as its stylesheet's @page says)."""
    if HTML is None:
        raise PdfUnavailable(MSG_NO_PDF)
    pdf: bytes = HTML(string=html, base_url="file:///", url_fetcher=StaticOnly(fail_on_errors=True)).write_pdf()
    return pdf
