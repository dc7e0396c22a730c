"""Field encryption as the database sees it: ciphertext only, bound to its row and column."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from cases import crypto
from cases.models import Case, Guardian, Note, Youth
from cases.querysets import bulk_writes_allowed
from tests.conftest import YOUTH, all_text_in_database

pytestmark = pytest.mark.django_db

PLAINTEXTS = [YOUTH["given_name"], YOUTH["family_name"], YOUTH["address"], "Maria Exempelsson", "070-123 45 67"]


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
