"""Measure what field encryption costs: per-field AES-GCM, and a whole case detail response.

Runs inside a transaction that is rolled back, so it leaves nothing behind. For a case
detail it times, on freshly fetched rows, the decryption of every encrypted field (data-key
unwrap included) and then the serialisation of the response from the now-plaintext values, and
prints both and the ratio (with encryption / without).
"""

from __future__ import annotations

import secrets
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import prefetch_related_objects

from api.common import jsonable
from cases import crypto, personnummer, services
from cases.fields import EncryptedTextField
from cases.models import Agency, AgencyKind, Case, Role
from content.access import case_access
from content.case import case_shown


class _Rollback(Exception):
    pass


def _per_op_us(func: Any, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        func()
    return (time.perf_counter() - started) / rounds * 1e6


def _touch_encrypted(instances: list[Any]) -> None:
    for instance in instances:
        for field in instance._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                getattr(instance, field.attname)


class Command(BaseCommand):
    help = "Print the cost of field encryption (per field and per case detail response)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rounds", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        rounds = options["rounds"]
        cipher = crypto.AESGCM(crypto.new_data_key())
        aad = crypto.field_aad(key_id="k", table="t", column="c", row_id="r")
        value = "Kim Exempelsson, Provgatan 1, 645 30 Strängnäs"
        stored = crypto.encrypt_value(cipher, value, key_id="k", aad=aad)
        _v, _k, sealed = crypto.split_value(stored)
        encrypt_us = _per_op_us(lambda: crypto.encrypt_value(cipher, value, key_id="k", aad=aad), rounds)
        decrypt_us = _per_op_us(lambda: crypto.decrypt_value(cipher, crypto.split_value(stored)[2], aad=aad), rounds)
        self.stdout.write(f"per field ({len(value)} chars): encrypt {encrypt_us:.2f} µs, decrypt {decrypt_us:.2f} µs")
        try:
            with transaction.atomic():
                self._detail(rounds=max(rounds // 10, 50))
                raise _Rollback
        except _Rollback:
            pass

    def _detail(self, *, rounds: int) -> None:
        agency = Agency.objects.create(name="bench agency", kind=AgencyKind.SOCIAL_SERVICES)
        user = services.staff_create(
            username="bench-user", password=secrets.token_urlsafe(16), role=Role.SOCIAL_WORKER, agency=agency
        )
        nine = "100101123"
        pnr = f"20100101-123{personnummer.luhn_check_digit(nine)}"
        case = services.case_open(
            actor=user,
            track="sspf",
            youth={"personal_number": pnr, "given_name": "Kim", "family_name": "Exempelsson", "address": "Gatan 1"},
            guardians=[{"name": "Förälder Ett"}, {"name": "Förälder Två"}],
            district="Centrum",
            summary="Sammanfattning " * 20,
        )
        decrypt_times, serialise_times = [], []
        for _ in range(rounds):
            access = case_access(user=user, case_id=case.pk)
            fetched: Case = access.case
            prefetch_related_objects([fetched], "guardians")
            started = time.perf_counter()
            _touch_encrypted([fetched, fetched.youth, *fetched.guardians.all()])  # key unwrap + every field
            decrypt_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            jsonable(case_shown(access))  # the values are plaintext now
            serialise_times.append(time.perf_counter() - started)
        decrypt = statistics.median(decrypt_times) * 1e6
        plain = statistics.median(serialise_times) * 1e6
        enc = decrypt + plain
        self.stdout.write(
            f"case detail (median of {rounds}): decrypting its fields {decrypt:.0f} µs, serialising "
            f"{plain:.0f} µs; with encryption {enc:.0f} µs = {enc / plain:.2f}x the plaintext serialisation"
        )
