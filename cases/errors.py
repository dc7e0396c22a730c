"""Domain exceptions and the messages that go with them.

Services raise Django's ``ValidationError`` / ``PermissionDenied`` and the few below; the API's one
exception handler (``api/errors.py``) and the web UI map them to what the user sees.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

MSG_NOT_FOUND = _("Not found.")
MSG_CONSENT_REQUIRED = _("No valid consent shares this information with your agency.")
MSG_SERVER_ERROR = _("Something went wrong on our side. The error has been logged.")
MSG_PRECONDITION_REQUIRED = _("Send the case version you last read in an If-Match header.")
MSG_TOO_LARGE = _("The request body is too large.")
MSG_STALE = _("The case has been changed since you read it. Read it again and redo your change.")


class ConsentRequired(PermissionDenied):
    """On the team, but no valid consent shares this category with the caller's agency."""

    code = "consent_required"


class Conflict(Exception):
    """The request conflicts with the object's current state (409)."""

    def __init__(self, message: Any, code: str = "conflict") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TooLarge(Exception):
    """An upload over its limit (413), with the limit in the message."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


class PreconditionFailed(Exception):
    """A stale ``If-Match`` (412)."""


class PreconditionRequired(Exception):
    """``If-Match`` missing on a write that needs it (428)."""
