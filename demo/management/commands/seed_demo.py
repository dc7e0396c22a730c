"""Demo data: agencies, one user of each role (plus an outsider), and a few cases.

Every person in it is invented; personal numbers are generated with a valid check digit for
birth dates that fit each track. Safe to re-run: agencies, users and cases are reused, and each
run sets fresh passwords and TOTP secrets for the demo users and prints them (API.md).
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from accounts.services import device_bootstrap
from cases import personnummer, services
from cases.models import Agency, AgencyKind, Case, Custody, Role, Track
from consent import evidence as consent_evidence
from consent import services as consent_services
from referrals import services as referral_services

# Named organisations (API.md, "Named parties"): two schools and two leisure units, so that a
# consent naming one school leaves "the other school" outside it.
AGENCIES = {
    "social": ("Socialtjänsten Strängnäs", AgencyKind.SOCIAL_SERVICES),
    "police": ("Lokalpolisområde Strängnäs", AgencyKind.POLICE),
    "school": ("Paulinska skolan", AgencyKind.SCHOOL),
    "other_school": ("Tosteröskolan", AgencyKind.SCHOOL),
    "leisure": ("Fritidsgården Mariefred", AgencyKind.LEISURE),
    "other_leisure": ("Fritidsgården Strängnäs", AgencyKind.LEISURE),
}
USERS = [
    ("alice", Role.SOCIAL_WORKER, "social", "Alice", "Andersson"),
    ("carl", Role.COORDINATOR, "social", "Carl", "Coordinator"),
    ("petra", Role.POLICE, "police", "Petra", "Polis"),
    ("sara", Role.SCHOOL, "school", "Sara", "Skola"),
    ("sven", Role.SCHOOL, "other_school", "Sven", "Annanskola"),
    ("leo", Role.LEISURE, "leisure", "Leo", "Fritid"),
    ("olle", Role.SOCIAL_WORKER, "social", "Olle", "Outsider"),
    ("audrey", Role.AUDITOR, None, "Audrey", "Auditor"),
    ("adam", Role.ADMIN, None, "Adam", "Admin"),
]
CASES = [
    (Track.SSPF, 14, "Kim", "Exempelsson", "Centrum"),
    (Track.SSPF, 12, "Robin", "Testberg", "Mariefred"),
    (Track.LINKOPING, 16, "Alex", "Demosson", "Åkers styckebruk"),
]


def demo_consent_form(case_number: str) -> bytes:
    """A one-page signed consent form as a scanner would deliver it: a real PDF (fpdf2)."""
    pdf = FPDF(format="A4")
    pdf.set_creator("seed_demo")
    pdf.add_page()
    pdf.set_font("helvetica", size=16)
    pdf.cell(0, 12, text="Samtycke till informationsutbyte (SSPF)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(
        0,
        7,
        text=(
            f"Ärende {case_number}. Demodokument med påhittade uppgifter.\n\n"
            "Jag samtycker till att socialtjänsten, Lokalpolisområde Strängnäs och Paulinska skolan "
            "utbyter uppgifter om identitet, möten och anteckningar i sex månader.\n\n"
            "Underskrift: ______________________    Datum: __________"
        ),
    )
    return bytes(pdf.output())


def synthetic_personal_number(age: int, serial: int) -> str:
    born = timezone.localdate() - timedelta(days=age * 365 + 100)
    nine = f"{born:%y%m%d}{serial:03d}"
    return f"{born:%Y%m%d}-{serial:03d}{personnummer.luhn_check_digit(nine)}"


class Command(BaseCommand):
    help = "Create demo agencies, users and cases (development only). Prints the demo credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object (API.md) on stdout")
        parser.add_argument("--allow-demo", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or options["allow_demo"]):
            raise CommandError(
                "seed_demo creates users with known passwords; it runs only with DEBUG=1 or --allow-demo."
            )
        with transaction.atomic():
            agencies: dict[str, Agency] = {
                key: Agency.objects.get_or_create(name=name, defaults={"kind": kind})[0]
                for key, (name, kind) in AGENCIES.items()
            }
            users_out = [self._user(agencies, *spec) for spec in USERS]
            cases_out = self._cases()
        result = {"users": users_out, "cases": cases_out}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for user in users_out:
            self.stdout.write(
                f"{user['username']:8} {user['role']:14} password {user['password']}  totp {user['totp_secret']}"
            )
        for case in cases_out:
            self.stdout.write(f"case {case['number']} ({case['track']}) {case['id']}")

    def _user(
        self, agencies: dict[str, Agency], username: str, role: str, key: str | None, first: str, last: str
    ) -> dict[str, Any]:
        password = secrets.token_urlsafe(12)
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        agency = agencies[key] if key else None
        if user is None:
            user = services.staff_create(
                username=username, password=password, role=role, agency=agency, first_name=first, last_name=last
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save()
        if role == Role.ADMIN:
            # Manages users and agencies in the admin (which registers no case models); the API
            # gives superusers nothing beyond their team memberships, and an admin has none.
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        # The bootstrap path (accounts.services.device_bootstrap), not enrolment: the demo's
        # people need their secret in the printed table, and its key is sealed like an enrolled one.
        device = device_bootstrap(user=user, name="demo")
        secret = base64.b32encode(device.bin_key).decode("ascii")
        return {
            "username": username,
            "role": role,
            "agency": agency.kind if agency else None,
            "agency_name": agency.name if agency else None,
            "password": password,
            "totp_secret": secret,
        }

    def _demo_consent(self, actor: User, verifier: User, case: Case) -> None:
        """The first SSPF case: sole custody, and its custodian's written consent that social
        services, the police and Paulinska skolan exchange identity, meetings and notes for six
        months, with the signed form scanned and verified by a second social worker. Tosteröskolan,
        on the team too, is no party: its teacher sees nothing. The other cases have none (deny by
        default)."""
        now = timezone.now()
        parties = list(Agency.objects.filter(name__in=[AGENCIES["police"][0], AGENCIES["school"][0]]))
        consent = consent_services.consent_record(
            actor=actor,
            case=case,
            giver="guardian",
            guardian=case.guardians.get().pk,
            parties=[agency.pk for agency in parties],
            categories=["identity", "meetings", "notes"],
            valid_from=now,
            valid_until=now + timedelta(days=180),
            method="written",
            document_reference="Demopärm, flik 1",
        )
        consent_evidence.evidence_upload(actor=actor, consent=consent, data=demo_consent_form(case.number))
        consent_evidence.evidence_verify(actor=verifier, consent=consent)

    def _cases(self) -> list[dict[str, Any]]:
        user_model = get_user_model()
        alice = user_model.objects.get(username="alice")
        existing = list(Case.objects.filter(owner=alice).order_by("opened_at"))
        if not existing:
            for serial, (track, age, given, family, district) in enumerate(CASES, start=101):
                case = services.case_open(
                    actor=alice,
                    track=track,
                    youth={
                        "personal_number": synthetic_personal_number(age, serial),
                        "given_name": given,
                        "family_name": family,
                        "address": f"Demogatan {serial}, Strängnäs",
                    },
                    guardians=[{"name": f"Förälder {family}", "phone": "070-000 00 00"}],
                    district=district,
                    summary="Demoärende: påhittade uppgifter.",
                    custody=Custody.SOLE if serial == 101 else Custody.UNKNOWN,
                )
                for username in ("carl", "petra", "sara", "sven", "leo"):
                    services.case_member_add(actor=alice, case=case, username=username)
                if serial == 101:
                    self._demo_consent(alice, user_model.objects.get(username="carl"), case)
                existing.append(case)
            existing.append(self._process(existing))
        return [{"id": str(case.pk), "number": case.number, "track": case.track} for case in existing]

    def _process(self, cases: list[Case]) -> Case:
        """The SSPF process under way (issue 14), so that every demo role has something due: a
        referral from the school waiting in the intake queue (social services); a meeting whose
        action items are overdue for the teacher and the leisure leader; a Linköpingsmodellen visit
        whose follow-up is due for the police; no log check signed off (the auditor); and a fourth
        case closed on the owner's request with the coordinator's approval. Returns that case."""
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["alice", "carl", "sara"])}
        alice, carl, sara = users["alice"], users["carl"], users["sara"]
        referral_services.referral_file(
            actor=sara,
            youth={
                "personal_number": synthetic_personal_number(13, 120),
                "given_name": "Sam",
                "family_name": "Provsson",
            },
            concern="Demo: hög frånvaro och oro för umgänge, påhittade uppgifter.",
        )
        now = timezone.now()
        yesterday = timezone.localdate() - timedelta(days=1)
        services.meeting_record(
            actor=carl,
            case=cases[0],
            held_at=now - timedelta(days=14),
            notes="Demo: uppstartsmöte.",
            attendees=["alice", "carl", "sara", "leo"],
            present=["youth", "guardian"],
            actions=[
                {
                    "agency": "school",
                    "responsible": "Mentor",
                    "responsible_user": "sara",
                    "action": "Följa upp närvaron",
                    "due_at": yesterday,
                },
                {
                    "agency": "leisure",
                    "responsible": "Fritidsledare",
                    "responsible_user": "leo",
                    "action": "Bjuda in till kvällsaktivitet",
                    "due_at": yesterday,
                },
            ],
        )
        linkoping = next(case for case in cases if case.track == Track.LINKOPING)
        services.visit_record(
            actor=alice,
            case=linkoping,
            occurred_at=now - timedelta(days=3),
            participants=["alice", "petra"],
            present=["youth", "guardian"],
            informed_voluntary=True,
            basis="Demo: tips om kontakt med narkotika, påhittat.",
            notes="Demo: samtal med familjen.",
            outcome="Demo: stöd erbjudet.",
            follow_up_at=timezone.localdate() + timedelta(days=2),
        )
        closed = services.case_open(
            actor=alice,
            track=Track.SSPF,
            youth={
                "personal_number": synthetic_personal_number(15, 121),
                "given_name": "Noa",
                "family_name": "Avslutsson",
            },
            guardians=[{"name": "Förälder Avslutsson"}],
            district="Strängnäs",
            summary="Demoärende som avslutats: påhittade uppgifter.",
        )
        services.case_member_add(actor=alice, case=closed, username="carl")
        services.case_close(actor=alice, case=closed, reason="Demo: målen nådda.", outcome="goal_reached")
        return services.case_closure_approve(actor=carl, case=closed)
