"""Pages of content. The selectors page before they record, so the audit entry names exactly
what one response showed. The rules are DRF's ``PageNumberPagination``'s (the API's contract):
``page`` (a number, or ``last``) and ``page_size`` (at most 100; a bad value means the default)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import InvalidPage as DjangoInvalidPage
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")

DEFAULT_SIZE = 50
MAX_SIZE = 100
MSG_INVALID_PAGE = _("Invalid page.")


class InvalidPage(Exception):
    """The page asked for does not exist (the API answers 404, as DRF does)."""


@dataclass(frozen=True)
class PageRequest:
    """A page as the client asked for it, unparsed: ``number`` and ``size`` as given."""

    number: str | None = None
    size: str | None = None

    @classmethod
    def of(cls, params: Any) -> PageRequest:
        return cls(number=params.get("page"), size=params.get("page_size"))

    def page_size(self) -> int:
        try:
            size = int(self.size) if self.size is not None else DEFAULT_SIZE
        except ValueError:
            return DEFAULT_SIZE
        return min(size, MAX_SIZE) if size > 0 else DEFAULT_SIZE


@dataclass
class Page(Generic[T]):
    items: list[T]
    count: int
    number: int
    num_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(rows: Any, request: PageRequest) -> tuple[Sequence[Any], int, int, int]:
    """Slice ``rows`` (a queryset) for ``request``: the rows, the total count, the page's number
    and the number of pages. ``InvalidPage`` for a page that does not exist."""
    paginator = Paginator(rows, request.page_size())
    number: Any = request.number or 1
    if number == "last":
        number = paginator.num_pages
    try:
        page = paginator.page(number)
    except DjangoInvalidPage:
        raise InvalidPage from None
    return list(page.object_list), paginator.count, page.number, paginator.num_pages
