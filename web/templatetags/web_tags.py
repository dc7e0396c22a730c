"""Filters for the web UI's templates: the words of web.words."""

from __future__ import annotations

from typing import Any

from django import template

from web import words

register = template.Library()


@register.filter
def sharing_words(sharing: dict[str, Any]) -> Any:
    return words.sharing_in_words(sharing)
