"""What every API view shares: the JSON form of the content selectors' plain data, paged
responses, and the typed signed-in user."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api import inputs
from content.paging import MSG_INVALID_PAGE, InvalidPage, Page, PageRequest

_DATETIME = serializers.DateTimeField()  # unbound: the format and time zone come from settings


def user_of(request: Request) -> User:
    """The signed-in user, typed as the user model the services and selectors take.

    Every API view but login requires authentication (``IsAuthenticated``, the default permission
    class), so DRF has already answered an anonymous request with 401 before the view runs; the
    check only tells the type checker so, and would answer 401 too."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated
    return user


def jsonable(value: Any) -> Any:
    """The content selectors' plain data as the API's JSON: times as DRF writes them (local time
    with offset, as the contract has always had them), dates ISO, ids as strings."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime):
        return _DATETIME.to_representation(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


# ``page``: a page number from 1, or ``last``; anything else is a page that does not exist (404).
PAGE_NUMBER = re.compile(r"last|[0-9]+")


def checked_paging(request: Request) -> None:
    """``page_size`` that is not a whole number is a 400; ``page`` that is neither a number nor
    ``last`` a 404, as DRF answers a page that does not exist. A whole ``page_size`` below 1 means
    the default and one above the maximum the maximum, as DRF has it (the v1 contract)."""
    inputs.query_int(request.query_params, "page_size")
    number = request.query_params.get("page")
    if number and not PAGE_NUMBER.fullmatch(number):
        raise NotFound(MSG_INVALID_PAGE)


def page_request(request: Request) -> PageRequest:
    checked_paging(request)
    return PageRequest.of(request.query_params)


def paged(request: Request, load: Any, **kwargs: Any) -> Response:
    """Call a content selector for the page the client asked for and answer DRF's page envelope
    (``count``, ``next``, ``previous``, ``results``); a page that does not exist is a 404."""
    try:
        page: Page[Any] = load(page=page_request(request), **kwargs)
    except InvalidPage:
        raise NotFound(MSG_INVALID_PAGE) from None
    url = request.build_absolute_uri()
    next_link = replace_query_param(url, "page", page.number + 1) if page.has_next else None
    if not page.has_previous:
        previous_link = None
    elif page.number - 1 == 1:
        previous_link = remove_query_param(url, "page")
    else:
        previous_link = replace_query_param(url, "page", page.number - 1)
    return Response(
        {"count": page.count, "next": next_link, "previous": previous_link, "results": jsonable(page.items)}
    )


class CheckedPaging:
    """For DRF's paginators: ``page`` and ``page_size`` checked as everywhere else."""

    def get_page_size(self, request: Request) -> int | None:
        checked_paging(request)
        size: int | None = super().get_page_size(request)  # type: ignore[misc]
        return size


class NumberedPages(CheckedPaging, PageNumberPagination):
    """DRF's numbered pages, for lists that are not case content (the auditor's register)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
