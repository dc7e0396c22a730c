"""Field encryption as the database sees it: ciphertext only, bound to its row and column."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from cases import crypto
from cases.models import Case, Guardian, Note, Youth
from cases.querysets import bulk_writes_allowed
from tests.conftest import YOUTH

pytestmark = pytest.mark.django_db

PLAINTEXTS = [YOUTH["given_name"], YOUTH["family_name"], YOUTH["address"], "Maria Exempelsson", "070-123 45 67"]


def all_text_in_database() -> str:
    """Every text and binary value of every table, as one string (a poor man's dump)."""
    chunks: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_the_database_holds_no_plaintext(case: Case, alice: Any, client_for: Any) -> None:
    client_for(alice).post(f"/api/v1/cases/{case.pk}/notes/", {"text": "Hemlig anteckning om familjen"})
    dump = all_text_in_database()

    for value in [*PLAINTEXTS, case.youth.personal_number, "Hemlig anteckning", "Orosanmälan"]:
        assert value not in dump


def test_values_read_back_through_the_model(case: Case) -> None:
    youth = Youth.objects.select_related("case__key").get(case=case)

    assert youth.given_name == YOUTH["given_name"]
    assert Guardian.objects.get(case=case).phone == "070-123 45 67"


def test_swapped_ciphertexts_fail_with_the_row_binding_error(case: Case) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name, family_name FROM cases_youth WHERE id = %s", [case.youth.pk.hex])
        row = cursor.fetchone()
        if row is None:  # PostgreSQL stores uuid natively
            cursor.execute("SELECT given_name, family_name FROM cases_youth WHERE id = %s", [str(case.youth.pk)])
            row = cursor.fetchone()
        given, family = row
        cursor.execute("UPDATE cases_youth SET given_name = %s, family_name = %s", [family, given])

    youth = Youth.objects.select_related("case__key").get(case=case)

    with pytest.raises(crypto.DecryptionError, match=r"Youth\.given_name of row .* failed its integrity check"):
        _ = youth.given_name


def test_a_decryption_error_never_contains_the_value(case: Case) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_youth SET address = %s", ["v1$abc$not-base64!"])
    youth = Youth.objects.select_related("case__key").get(case=case)

    with pytest.raises(crypto.DecryptionError) as caught:
        _ = youth.address

    assert "not-base64" not in str(caught.value)
    assert str(youth.pk) in str(caught.value)


def test_ciphertext_from_another_case_does_not_decrypt(case: Case, alice: Any) -> None:
    from cases import services
    from tests.factories import personal_number_for_age

    other = services.case_open(
        actor=alice,
        track="sspf",
        youth={**YOUTH, "personal_number": personal_number_for_age(12, serial=888)},
        district="Centrum",
    )
    stolen = Case.objects.filter(pk=other.pk).values_list("summary", flat=True).get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET summary = %s WHERE number = %s", [stolen, case.number])

    with pytest.raises(crypto.DecryptionError):
        _ = Case.objects.select_related("key").get(pk=case.pk).summary


def test_queries_on_encrypted_fields_are_refused(case: Case) -> None:
    with pytest.raises(FieldError, match="encrypted"):
        Youth.objects.filter(family_name="Exempelsson").count()
    with pytest.raises(FieldError, match="encrypted"):
        Note.objects.order_by("text")
    with pytest.raises(PermissionError, match="bypasses the audit log"):
        Case.objects.filter(pk=case.pk).update(summary="plaintext by the back door")
    with bulk_writes_allowed(), pytest.raises(FieldError, match="encrypted"):
        Case.objects.filter(pk=case.pk).update(summary="plaintext by the back door")


def test_a_shredded_case_reads_as_an_error_not_as_empty(case: Case) -> None:
    case.key.delete()
    youth = Youth.objects.select_related("case__key").get(case=case)

    with pytest.raises(crypto.DecryptionError, match="shredded"):
        _ = youth.given_name


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "FIELD_ENCRYPTION_KEYS is not set"),
        ("k1", "id:base64"),
        ("k1:AAAA", "exactly 32 bytes"),
        ("k1:" + "A" * 43 + "=,k1:" + "A" * 43 + "=", "twice"),
    ],
)
def test_bad_master_keys_are_named(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        crypto.parse_keyring(value)


def test_a_missing_key_fails_the_system_check(settings: Any) -> None:
    from cases.checks import check_encryption_keys

    settings.BLIND_INDEX_KEY = ""

    errors = check_encryption_keys()

    assert [e.id for e in errors] == ["cases.E002"]
    assert "BLIND_INDEX_KEY" in errors[0].msg
