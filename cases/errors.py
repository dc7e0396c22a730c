"""Domain exceptions and the messages that go with them.

Services raise Django's ``ValidationError`` / ``PermissionDenied`` and the few below; the API's one
exception handler (``api/errors.py``) and the web UI map them to what the user sees.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

MSG_NOT_FOUND = _("Not found.")
MSG_CONSENT_REQUIRED = _("No valid consent shares this information with your agency.")
MSG_SERVER_ERROR = _("Something went wrong on our side. The error has been logged.")
MSG_PRECONDITION_REQUIRED = _("Send the case version you last read in an If-Match header.")
MSG_TOO_LARGE = _("The request body is too large.")
MSG_INVALID_VALUE = _("This value is not valid here.")
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


def safe_messages(errors: Any) -> list[str]:
    """The messages of a Django ValidationError, each formatted with its parameters, except that a
    message built around the submitted value (Django's ``“%(value)s” is not a valid UUID.`` and
    every validator that passes ``params={"value": ...}``) is replaced whole: it would repeat
    what was sent, a personal identity number typed into the wrong box, say. The API's error
    handler and the web UI's forms both say it so."""
    messages = []
    for error in ValidationError(errors).error_list:
        if error.params and "value" in error.params:
            messages.append(str(MSG_INVALID_VALUE))
        else:
            messages.append(str(error.message % error.params if error.params else error.message))
    return messages
