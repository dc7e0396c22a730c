#!/usr/bin/env python
"""Seed a benchmark database with a seeded generator: realistic shapes, bulk paths, progress.

Cases with 1-4 guardians, 0-10 home visits and meetings, notes, consents in every state, team
grants, and an audit log with many entries per case (generated in SQL at scale). One bench user
per role; the bench social worker ("bench_sw") is on the team of CASELOAD cases, so lists show a
real caseload while the selector has the whole table to filter. Everything personal is invented.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sspf_bench .venv/bin/python bench/seed.py --cases 1000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASELOAD = 60
BATCH = 500


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-9)
    sys.stderr.write(f"\r{label}: {done}/{total} ({rate:,.0f}/s)   ")
    if done >= total:
        sys.stderr.write("\n")


def seed(*, cases: int, audit_entries: int, rng: random.Random) -> dict[str, Any]:  # noqa: C901, PLR0915
    from auditlog.context import disable_auditlog
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection, transaction
    from django.utils import timezone

    from cases import crypto, personnummer, services
    from cases.models import (
        PNR_INDEX_PURPOSE,
        Agency,
        AgencyKind,
        Case,
        CaseKey,
        CaseMember,
        CaseUserObjectPermission,
        Guardian,
        HomeVisit,
        Meeting,
        Note,
        Role,
        VisitNote,
        Youth,
    )
    from cases.querysets import bulk_writes_allowed
    from consent.models import Consent, ConsentEvidence, ConsentWithdrawal

    stats: dict[str, Any] = {}
    started = time.monotonic()
    agencies = {
        kind: Agency.objects.get_or_create(name=f"Bench {kind}", defaults={"kind": kind})[0]
        for kind in AgencyKind.values
    }
    users = {}
    for username, role, kind in [
        ("bench_sw", Role.SOCIAL_WORKER, "social_services"),
        ("bench_police", Role.POLICE, "police"),
        ("bench_school", Role.SCHOOL, "school"),
        ("bench_auditor", Role.AUDITOR, None),
    ]:
        existing = (
            services.get_user_model().objects.filter(username=username).first()
            if hasattr(services, "get_user_model")
            else None
        )
        users[username] = existing or services.staff_create(
            username=username, password="bench-" + str(rng.random()), role=role, agency=agencies[kind] if kind else None
        )
    others = [
        get_user_model().objects.filter(username=f"bench_sw_{n}").first()
        or services.staff_create(
            username=f"bench_sw_{n}",
            password="bench-" + str(rng.random()),
            role=Role.SOCIAL_WORKER,
            agency=agencies["social_services"],
        )
        for n in range(20)
    ]
    view_case = Permission.objects.get(codename="view_case", content_type__app_label="cases")
    role_of = {user.pk: user.staff_profile.role for user in [*users.values(), *others]}
    now = timezone.now()
    made = 0
    counts = dict.fromkeys(["guardians", "visits", "meetings", "notes", "consents", "grants"], 0)
    numbers = {}
    with disable_auditlog(), bulk_writes_allowed():
        for start in range(0, cases, BATCH):
            size = min(BATCH, cases - start)
            with transaction.atomic():
                batch_cases, keys, youths, guardians, members, grants = [], [], [], [], [], []
                visits, visit_notes, meetings, notes, consents, withdrawals = [], [], [], [], [], []
                parties: list[Any] = []
                forms: list[Any] = []
                for i in range(start, start + size):
                    track = "sspf" if i % 3 else "linkoping"
                    year = 2024 + i % 3
                    numbers[(track, year)] = numbers.get((track, year), 0) + 1
                    owner = users["bench_sw"] if i < CASELOAD else rng.choice(others)
                    case = Case(
                        track=track,
                        year=year,
                        sequence=numbers[(track, year)],
                        number=f"{'SSPF' if track == 'sspf' else 'LKP'}-{year}-{numbers[(track, year)]:06d}",
                        district=rng.choice(["Centrum", "Mariefred", "Åker", "Stallarholmen"]),
                        owning_agency=agencies["social_services"],
                        owner=owner,
                        summary="Sammanfattning " * rng.randint(2, 20),
                        opened_at=now - timedelta(days=rng.randint(1, 900)),
                    )
                    key_id, data_key = crypto.new_key_id(), crypto.new_data_key()
                    case.__dict__["_new_data_key"] = (key_id, data_key)
                    master, wrapped = crypto.wrap_data_key(data_key, case_id=str(case.pk), key_id=key_id)
                    keys.append(CaseKey(case=case, key_id=key_id, master_key_id=master, wrapped=wrapped))
                    born = now.date() - timedelta(days=365 * (16 if track == "linkoping" else 13) + rng.randint(0, 300))
                    nine = f"{born:%y%m%d}{rng.randint(0, 999):03d}"
                    pnr = f"{born:%Y%m%d}{nine[6:]}{personnummer.luhn_check_digit(nine)}"
                    youths.append(
                        Youth(
                            case=case,
                            personal_number=pnr,
                            personal_number_index=crypto.blind_index(pnr, purpose=PNR_INDEX_PURPOSE),
                            given_name=f"Bench{i}",
                            family_name="Testsson",
                            address=f"Benchgatan {i}",
                        )
                    )
                    case_guardians = [
                        Guardian(case=case, name=f"Vårdnadshavare {i}-{g}", phone="070-000 00 00")
                        for g in range(rng.randint(1, 4))
                    ]
                    guardians += case_guardians
                    member_users = [owner] + ([users["bench_police"], users["bench_school"]] if i < CASELOAD else [])
                    for user in member_users:
                        members.append(CaseMember(case=case, user=user, role=role_of[user.pk], added_by=owner))
                        grants.append(CaseUserObjectPermission(content_object=case, user=user, permission=view_case))
                    for _v in range(rng.randint(0, 10)):
                        visit = HomeVisit(
                            case=case,
                            occurred_at=now - timedelta(days=rng.randint(1, 400)),
                            present=["youth"],
                            informed_voluntary=True,
                            basis="Grund " * 10,
                            outcome="Utfall",
                            created_by=owner,
                        )
                        visits.append(visit)
                        visit_notes.append(
                            VisitNote(
                                visit=visit,
                                case=case,
                                agency=agencies["social_services"],
                                author=owner,
                                text="Anteckning om besöket " * 5,
                            )
                        )
                    for m in range(rng.randint(0, 10)):
                        meetings.append(
                            Meeting(
                                case=case,
                                kind="initial" if m == 0 else "follow_up",
                                held_at=now - timedelta(days=rng.randint(1, 400)),
                                notes="Mötesanteckning " * 10,
                                created_by=owner,
                            )
                        )
                    for _n in range(rng.randint(1, 8)):
                        notes.append(
                            Note(
                                case=case,
                                category=rng.choice(["notes", "visits", "meetings"]),
                                text="Anteckning " * rng.randint(5, 50),
                                author=owner,
                                agency=agencies["social_services"],
                            )
                        )
                    state = i % 5  # none, active, expired, withdrawn, pending
                    if state:
                        # pending: one guardian's consent missing (or, with one guardian, the youth's
                        # own consent is not needed under 15: such a case simply shares)
                        givers = case_guardians if state != 4 else (case_guardians[:-1] or case_guardians)
                        for guardian in givers:
                            consent = Consent(
                                case=case,
                                giver="guardian",
                                guardian=guardian,
                                categories=["identity", "meetings", "visits", "notes"],
                                valid_from=now - timedelta(days=30 if state != 2 else 400),
                                valid_until=now + timedelta(days=300) if state != 2 else now - timedelta(days=35),
                                method="written",
                                recorded_by=owner,
                            )
                            consents.append(consent)
                            for party in ("social_services", "police", "school"):
                                parties.append(Consent.parties.through(consent=consent, agency=agencies[party]))
                            # Verified, so that notes and visits share as in production. The
                            # bench reads only the verification, never the file: the sealed bytes
                            # are random, not a scan.
                            forms.append(
                                ConsentEvidence(
                                    consent=consent,
                                    case=case,
                                    key_id="bench",
                                    sealed=rng.randbytes(64),
                                    sha256="0" * 64,
                                    size=64,
                                    content_type="application/pdf",
                                    uploaded_by=owner,
                                    uploaded_at=now,
                                    verified_by=others[0] if owner != others[0] else others[1],
                                    verified_at=now,
                                )
                            )
                            if state == 3:
                                withdrawals.append(
                                    ConsentWithdrawal(
                                        consent=consent,
                                        withdrawn_at=now - timedelta(days=2),
                                        reason="Återkallat",
                                        recorded_by=owner,
                                    )
                                )
                    batch_cases.append(case)
                Case.objects.bulk_create(batch_cases)
                for model, rows in [
                    (CaseKey, keys),
                    (Youth, youths),
                    (Guardian, guardians),
                    (CaseMember, members),
                    (CaseUserObjectPermission, grants),
                    (HomeVisit, visits),
                    (VisitNote, visit_notes),
                    (Meeting, meetings),
                    (Note, notes),
                    (Consent, consents),
                    (Consent.parties.through, parties),
                    (ConsentEvidence, forms),
                    (ConsentWithdrawal, withdrawals),
                ]:
                    model.objects.bulk_create(rows)
                counts["guardians"] += len(guardians)
                counts["visits"] += len(visits)
                counts["meetings"] += len(meetings)
                counts["notes"] += len(notes)
                counts["consents"] += len(consents)
                counts["grants"] += len(grants)
            made += size
            progress("cases", made, cases, started)
    stats["cases"] = made
    stats.update(counts)
    stats["case_seconds"] = round(time.monotonic() - started, 2)
    rows = made + sum(counts.values()) + made * 2  # keys and youths
    stats["rows_per_second"] = round(rows / max(stats["case_seconds"], 1e-9))

    audit_started = time.monotonic()
    if audit_entries and connection.vendor == "postgresql":
        from django.contrib.contenttypes.models import ContentType

        from audit import partitions

        ct = ContentType.objects.get_for_model(Case).pk
        chunk = 1_000_000
        partitions.ensure(since=timezone.now() - timedelta(days=1000))  # the loaded entries' months
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_case_ids")
            cursor.execute(
                "CREATE TEMP TABLE bench_case_ids AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id, number "
                "FROM cases_case"
            )
            cursor.execute("CREATE INDEX ON bench_case_ids (n)")
        # A bulk load: the table's secondary indexes are dropped and built again afterwards (one
        # sort per index instead of ten B-tree insertions per row), the standard way to load
        # millions of rows. Only on the benchmark's own database; the definitions are kept.
        rebuild = audit_entries >= 1_000_000
        index_defs: list[tuple[str, str]] = []
        if rebuild:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "JOIN pg_class c ON c.relname = i.indexname "
                    "JOIN pg_index x ON x.indexrelid = c.oid "
                    "WHERE i.tablename = 'audit_auditentry' AND NOT x.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)"
                )
                index_defs = cursor.fetchall()
                for name, _definition in index_defs:
                    cursor.execute(f'DROP INDEX "{name}"')
            sys.stderr.write(f"dropped {len(index_defs)} secondary indexes for the bulk load\n")
        for first in range(0, audit_entries, chunk):
            count = min(chunk, audit_entries - first)
            with connection.cursor() as cursor:
                cursor.execute(
                    """
                    INSERT INTO audit_auditentry (content_type_id, object_pk, object_repr, action, changes_text,
                        timestamp, event, actor_username, case_ref, case_number, fields_shown, changed_fields, cid)
                    SELECT %s, c.id::text, 'case', 3, '',
                           now() - (g %% 1000) * interval '1 day' - (g %% 86400) * interval '1 second',
                           'access', 'bench_sw_' || (g %% 20), c.id, c.number,
                           '["identity"]'::jsonb, '[]'::jsonb, md5(g::text)
                    FROM generate_series(%s, %s) AS g
                    JOIN bench_case_ids c ON c.n = g %% %s
                    """,
                    [ct, first, first + count - 1, made],
                )
            progress("audit entries", first + count, audit_entries, audit_started)
        stats["audit_insert_seconds"] = round(time.monotonic() - audit_started, 2)
        index_started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for done, (name, definition) in enumerate(index_defs, 1):
                cursor.execute(definition.replace(" ON ONLY ", " ON "))  # every month partition's
                progress(f"rebuilding indexes ({name})", done, len(index_defs), index_started)
            cursor.execute("ANALYZE")
        stats["audit_index_seconds"] = round(time.monotonic() - index_started, 2)
        stats["audit_indexes_rebuilt"] = len(index_defs)
    stats["audit_entries"] = audit_entries
    stats["audit_seconds"] = round(time.monotonic() - audit_started, 2)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--audit-entries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    setup_django()
    import json

    print(json.dumps(seed(cases=args.cases, audit_entries=args.audit_entries, rng=random.Random(args.seed))))


if __name__ == "__main__":
    main()
