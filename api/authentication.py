"""Bearer-token authentication on django-rest-knox, trimmed to what a request needs.

Knox stores only a SHA-512 digest of each token; this class keeps that and its expiry rules but
loads the user's staff profile in the same query and, unlike knox's default, does not scan all of
the user's other tokens on every request (expired ones are removed at login instead).
"""

from __future__ import annotations

import binascii
from hmac import compare_digest
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework import exceptions

from audit import context as audit_context

MSG_INVALID_TOKEN = _("Invalid or expired token.")


class BearerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        try:
            text = token.decode("ascii")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(MSG_INVALID_TOKEN) from None
        candidates = AuthToken.objects.filter(token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user", "user__staff_profile", "user__staff_profile__agency"
        )
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                auth_token.delete()
                break
            if not auth_token.user.is_active:
                break
            if auth_token.expiry is not None:
                self.renew_token(auth_token)
            audit_context.set_actor(auth_token.user)
            return auth_token.user, auth_token
        raise exceptions.AuthenticationFailed(MSG_INVALID_TOKEN)


def tokens_remove_expired(*, user: User) -> None:
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
