"""Where a request comes from and which correlation id it carries, as the audit log records it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from audit.context import client_ip, correlation_id
from audit.models import AuditEntry
from tests.conftest import case_url

pytestmark = pytest.mark.django_db


def request(remote: str, forwarded: str = "", cid: str = "") -> Any:
    headers = {}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    if cid:
        headers["HTTP_X_CORRELATION_ID"] = cid
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []

    assert client_ip(request("203.0.113.9", forwarded="198.51.100.1")) == "203.0.113.9"


def test_a_trusted_proxy_vouches_for_the_address_it_saw(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    # The client wrote a fake first hop; the proxy appended the real one.
    assert client_ip(request("10.0.0.5", forwarded="1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(request("203.0.113.9", forwarded="198.51.100.7")) == "203.0.113.9"


@pytest.mark.parametrize("bad", ["x", "a" * 65, "abc def ghi", "<script>alert(1)</script>"])
def test_an_unsafe_correlation_id_is_replaced(bad: str) -> None:
    generated = correlation_id(request("203.0.113.9", cid=bad))

    assert generated != bad
    assert len(generated) == 32


def test_the_address_is_recorded_with_the_access(case: Any, alice: Any, client_for: Any, settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    client_for(alice).get(case_url(case), REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.44")

    assert AuditEntry.objects.filter(event="access").latest("pk").remote_addr == "192.0.2.44"
