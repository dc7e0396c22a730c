"""Field encryption primitives: master keyring, per-case data keys, AES-256-GCM, blind index.

Layout (docs/encryption.md):
- ``FIELD_ENCRYPTION_KEYS`` holds master keys ``id:base64`` (first writes, all read). Master keys
  only wrap per-case data keys; they never touch content directly.
- Every case has a random 256-bit data key (``CaseKey``), wrapped with a master key under
  associated data that names the case, so a wrapped key cannot be moved to another case.
- A field value is ``v1$<data key id>$<base64url(nonce || ciphertext || tag)>``; its associated
  data names format, key id, table, column and row id, so a ciphertext copied into another row or
  column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


class DecryptionError(Exception):
    """A stored value could not be decrypted. The message names where, never the value."""


@dataclass(frozen=True)
class Keyring:
    """Master keys by id; ``current_id`` encrypts (wraps) new data keys."""

    keys: dict[str, bytes]
    current_id: str

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]


def _decode_key(variable: str, encoded: str) -> bytes:
    text = encoded.strip()
    raw = b""
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(text.encode("ascii") + b"=" * (-len(text) % 4))
            break
        except (binascii.Error, ValueError):
            continue
    else:
        raise ImproperlyConfigured(f"{variable} contains a key that is not valid base64.")
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(
            f"{variable} contains a key of {len(raw)} bytes; AES-256 keys must be exactly {KEY_BYTES} bytes."
        )
    return raw


def parse_keyring(value: str, *, variable: str = "FIELD_ENCRYPTION_KEYS") -> Keyring:
    """Parse ``id:base64[,id:base64...]``; raise ImproperlyConfigured naming the variable."""
    if not value or not value.strip():
        raise ImproperlyConfigured(f"{variable} is not set; the service cannot read or write case data.")
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in value.split(","):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not _KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"{variable} must be a comma-separated list of id:base64 (id of 1-16 letters, digits, - or _)."
            )
        if key_id in keys:
            raise ImproperlyConfigured(f"{variable} names key id {key_id!r} twice.")
        keys[key_id] = _decode_key(variable, encoded)
        order.append(key_id)
    return Keyring(keys=keys, current_id=order[0])


def parse_blind_index_key(value: str, *, variable: str = "BLIND_INDEX_KEY") -> bytes:
    if not value or not value.strip():
        raise ImproperlyConfigured(f"{variable} is not set; personal numbers cannot be looked up.")
    return _decode_key(variable, value)


@lru_cache(maxsize=4)
def _keyring_for(value: str) -> Keyring:
    return parse_keyring(value)


@lru_cache(maxsize=4)
def _blind_key_for(value: str) -> bytes:
    return parse_blind_index_key(value)


def keyring() -> Keyring:
    """The configured master keys (parsed once per distinct setting value)."""
    return _keyring_for(settings.FIELD_ENCRYPTION_KEYS)


def blind_index_key() -> bytes:
    return _blind_key_for(settings.BLIND_INDEX_KEY)


def validate_configuration() -> None:
    """Raise ImproperlyConfigured if a key setting is missing or malformed (server start-up)."""
    keyring()
    blind_index_key()


# --- data keys -----------------------------------------------------------------------------


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def new_key_id() -> str:
    return os.urandom(6).hex()


def _wrap_aad(case_id: str, key_id: str) -> bytes:
    return f"{FORMAT_VERSION}|case-key|{case_id}|{key_id}".encode()


def wrap_data_key(data_key: bytes, *, case_id: str, key_id: str, ring: Keyring | None = None) -> tuple[str, bytes]:
    """Wrap a case's data key with the current master key. Returns (master key id, blob)."""
    ring = ring or keyring()
    nonce = os.urandom(NONCE_BYTES)
    blob = nonce + AESGCM(ring.current).encrypt(nonce, data_key, _wrap_aad(case_id, key_id))
    return ring.current_id, blob


def unwrap_data_key(blob: bytes | memoryview, *, master_key_id: str, case_id: str, key_id: str) -> bytes:
    ring = keyring()
    master = ring.keys.get(master_key_id)
    if master is None:
        # The id read from the key row is not named: a stored value never goes into a message
        # (``rotate_keys`` and ``case_keys_pending_rewrap`` tell which keys are still needed).
        raise DecryptionError(
            f"The data key of case {case_id} is wrapped with a master key that is not in FIELD_ENCRYPTION_KEYS."
        )
    blob = bytes(blob)
    try:
        return AESGCM(master).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(case_id, key_id))
    except (InvalidTag, ValueError):  # ValueError: a blob too short to hold a nonce
        raise DecryptionError(f"The data key of case {case_id} failed its integrity check.") from None


# --- field values --------------------------------------------------------------------------


def cached_cipher(owner: Any) -> tuple[str, AESGCM] | None:
    """The cipher ``owner_cipher`` already unwrapped for ``owner``, or None."""
    cached: tuple[str, AESGCM] | None = owner.__dict__.get("_cipher")
    return cached


def owner_cipher(owner: Any, *, key_row: Any, binding: str, what: str) -> tuple[str, AESGCM]:
    """The (data key id, AES-GCM cipher) of an owner of a wrapped data key (a case, a referral),
    unwrapped once and kept on the owner: the new key of an owner not yet saved
    (``_new_data_key``), else its key row (``key_row``: ``key_id``, ``master_key_id``, ``wrapped``;
    None once shredded) unwrapped with ``binding``, the id the wrapping is bound to."""
    cached = cached_cipher(owner)
    if cached is not None:
        return cached
    pending = owner.__dict__.get("_new_data_key")
    if pending is not None:
        key_id, data_key = pending
    elif key_row is None:
        raise DecryptionError(f"{what} has no data key: its content has been shredded.")
    else:
        key_id = key_row.key_id
        data_key = unwrap_data_key(key_row.wrapped, master_key_id=key_row.master_key_id, case_id=binding, key_id=key_id)
    result = (key_id, AESGCM(data_key))
    owner.__dict__["_cipher"] = result
    return result


def field_aad(*, key_id: str, table: str, column: str, row_id: str) -> bytes:
    return f"{FORMAT_VERSION}|{key_id}|{table}|{column}|{row_id}".encode()


def encrypt_value(cipher: AESGCM, plaintext: str, *, key_id: str, aad: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + cipher.encrypt(nonce, plaintext.encode("utf-8"), aad)
    return f"{FORMAT_VERSION}${key_id}${base64.urlsafe_b64encode(sealed).decode('ascii')}"


def split_value(stored: str) -> tuple[str, str, bytes]:
    """Return (format version, key id, sealed bytes); raise ValueError if malformed."""
    version, key_id, payload = stored.split("$", 2)
    return version, key_id, base64.urlsafe_b64decode(payload.encode("ascii"))


def decrypt_value(cipher: AESGCM, sealed: bytes, *, aad: bytes) -> str:
    return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad).decode("utf-8")


def encrypt_bytes(cipher: AESGCM, data: bytes, *, aad: bytes) -> bytes:
    """A file (a scanned consent form): the nonce followed by the AES-GCM ciphertext and tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + cipher.encrypt(nonce, data, aad)


def decrypt_bytes(cipher: AESGCM, sealed: bytes, *, aad: bytes) -> bytes:
    return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


# --- blind index ---------------------------------------------------------------------------

BLIND_INDEX_BITS = 16


def blind_index(value: str, *, purpose: str) -> int:
    """A truncated keyed HMAC-SHA-256 of a normalised value (docs/encryption.md, "Blind index").

    Truncated to BLIND_INDEX_BITS so that many people share each index value: a dump shows
    buckets, not identities; lookups filter candidates by decrypting them.
    """
    mac = hmac.new(blind_index_key(), f"{purpose}|{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:4], "big") >> (32 - BLIND_INDEX_BITS)
