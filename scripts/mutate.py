"""Mutation testing of the legal rules: does removing or weakening a rule make a test fail?

Each mutation below is named and written out by hand: a file, an exact snippet of its source, the
replacement that removes or weakens one rule, and the tests that should notice. The script applies
one mutation at a time to the working tree, runs those tests, records the mutation as killed (a
test failed) or survived (every test passed), and puts the file back before the next one, whatever
happens (an exception, Ctrl-C, SIGTERM). A survivor is a rule no test guards.

Why not mutmut or cosmic-ray: they generate thousands of operator-level mutants across these
modules, most of them in messages and plumbing, and run a test selection per mutant; on the two
cores of our machines that is hours for this suite, where these named mutations take minutes
and each one is a rule someone can read (docs/testing.md).

    .venv/bin/python scripts/mutate.py                 # all of them (make mutate)
    .venv/bin/python scripts/mutate.py --only NAME     # one (repeatable)
    .venv/bin/python scripts/mutate.py --skip NAME     # all but NAME (repeatable)
    .venv/bin/python scripts/mutate.py --from NAME     # resume a run from NAME onwards
    .venv/bin/python scripts/mutate.py --list          # names, files and rules
    .venv/bin/python scripts/mutate.py --check         # every snippet found once, every mutant compiles

It refuses to start when a target file has uncommitted changes (a mutation must never be mixed
with, or restored over, someone's work), and checks afterwards that every target file is back as
git has it. It edits files in place: do not edit the target modules, or run tests from the same
checkout, while it runs (a git worktree of your branch is the safe place for a long run).

Exit status: 0 when every mutation is killed and every listed equivalent mutant survives; 1 when a
mutation survives (or an "equivalent" one is killed: the list is wrong); 2 when the script cannot
run (a stale snippet, a dirty target file, the tests failing before any mutation).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
PYTEST = ["-m", "pytest", "-q", "-x", "-n0", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    find: str  # exact source, found exactly once in ``file``
    replace: str
    tests: tuple[str, ...]  # test paths or node ids, the likeliest killer first (-x stops there)
    rule: str  # the rule the mutation removes or weakens, in words
    equivalent: str = ""  # why no test can tell this mutant apart; empty for a real mutant
    # Further edits for a rule checked in more than one place: (find, replace) in ``file``, or
    # (other file, find, replace).
    also: tuple[tuple[str, ...], ...] = ()
    postgres: bool = False  # its tests run on PostgreSQL only (partitions, roles, transactions)

    @property
    def files(self) -> tuple[str, ...]:
        """``file`` first, then every other file an ``also`` edit touches."""
        return tuple(dict.fromkeys([self.file, *(edit[0] for edit in self.also if len(edit) == 3)]))

    def edits(self, file: str) -> tuple[tuple[str, str], ...]:
        """The (find, replace) edits of ``file``."""
        found: list[tuple[str, str]] = [(self.find, self.replace)] if file == self.file else []
        for edit in self.also:
            if len(edit) == 2 and file == self.file:
                found.append((edit[0], edit[1]))
            elif len(edit) == 3 and file == edit[0]:
                found.append((edit[1], edit[2]))
        return tuple(found)


POLICY = "consent/policy.py"
ACCESS = "content/access.py"
CASE = "content/case.py"
RECORDS = "content/records.py"
SERVICES = "consent/services.py"
VISIT_SERVICE = "cases/services/records.py"
STATISTICS = "oversight/statistics.py"
PURGE = "oversight/purge.py"
ANOMALIES = "oversight/anomalies.py"
TEAM = "cases/services/team.py"
EVIDENCE = "consent/evidence.py"
PARSERS = "api/parsers.py"
DISCLOSURES = "consent/disclosures.py"
SUBJECT_REPORT = "oversight/subject_report.py"

WHOSE = "tests/consent/test_whose_consent_counts.py"
SHARING = "tests/consent/test_consent_sharing.py"
WITHDRAW = "tests/consent/test_consent_withdraw.py"
RECORD = "tests/consent/test_consent_record.py"
EMERGENCY = "tests/consent/test_emergency_access.py"
POLICE_LINKS = "tests/consent/test_police_links.py"
OUTSIDERS = "tests/api/test_outsiders_get_404_everywhere.py"
SELECTOR = "tests/content/test_selector_permission.py"
PROTECTED = "tests/content/test_protected_identity.py"
LOOKUP = "tests/content/test_youth_lookup.py"
CASE_LIST = "tests/api/test_case_list.py"
VISITS = "tests/api/test_visits.py"
MEETINGS = "tests/api/test_meetings.py"
NOTES = "tests/api/test_notes.py"
STATS = "tests/oversight/test_statistics.py"
PURGE_TESTS = "tests/oversight/test_purge.py"
RETENTION_TESTS = "tests/oversight/test_retention_per_person.py"
ANOMALY_TESTS = "tests/oversight/test_anomalies.py"
NAMED = "tests/consent/test_named_parties.py"
CUSTODY = "tests/consent/test_custody.py"
EVIDENCE_TESTS = "tests/consent/test_consent_evidence.py"
DISCLOSURE_TESTS = "tests/consent/test_disclosure_register.py"
SUBJECT_REPORT_TESTS = "tests/oversight/test_subject_report.py"
GUARDS = "tests/consent/test_rule_guards.py"
CONTENT_GUARDS = "tests/content/test_rule_guards.py"


def mutation(
    name: str,
    file: str,
    find: str,
    replace: str,
    *tests: str,
    rule: str,
    equivalent: str = "",
    also: tuple[tuple[str, ...], ...] = (),
    postgres: bool = False,
) -> Mutation:
    return Mutation(name, file, find, replace, tests, rule, equivalent, also, postgres)


MUTATIONS: tuple[Mutation, ...] = (
    # --- consent/policy.py: whose consent counts, and what it shares --------------------------------
    mutation(
        "adult-age-rule-removed",
        POLICY,
        "    if age >= settings.CONSENT_ADULT_AGE:",
        "    if False:",
        WHOSE,
        rule="from 18 the youth alone consents; guardians no longer count",
    ),
    mutation(
        "adult-age-a-year-late",
        POLICY,
        "    if age >= settings.CONSENT_ADULT_AGE:",
        "    if age > settings.CONSENT_ADULT_AGE:",
        WHOSE,
        rule="the adult rule applies from the 18th birthday itself",
    ),
    mutation(
        "youth-age-rule-removed",
        POLICY,
        "    if age >= settings.CONSENT_YOUTH_AGE:",
        "    if False:",
        WHOSE,
        rule="from 15 the youth must consent too",
    ),
    mutation(
        "youth-age-raised-to-16",
        POLICY,
        "    if age >= settings.CONSENT_YOUTH_AGE:",
        "    if age >= settings.CONSENT_YOUTH_AGE + 1:",
        WHOSE,
        rule="the youth's own consent is required from 15, not later",
    ),
    mutation(
        "guardians-not-required",
        POLICY,
        'givers: set[Giver] = {("guardian", gid) for gid in custodians}',
        "givers: set[Giver] = set()",
        CUSTODY,
        SHARING,
        rule="under 18 every custodian must consent: from 15 the youth alone is not enough",
    ),
    mutation(
        "custody-joint-one-custodian",
        POLICY,
        "    if case.custody == Custody.JOINT and len(custodians) < 2:",
        "    if False:",
        CUSTODY,
        rule="with joint custody two custodians must be registered, else nothing is shared",
    ),
    mutation(
        "no-custodian-rule-removed",
        POLICY,
        "    if not custodians:\n",
        "    if False:\n",
        CUSTODY,
        rule="under 18 with no custodian registered nothing is shared, whatever the youth signed",
    ),
    mutation(
        "youth-alone-from-15-without-custodian",
        POLICY,
        "    if not custodians:\n",
        "    if not custodians and age < settings.CONSENT_YOUTH_AGE:\n",
        CUSTODY,
        rule="a youth of 15-17 with no custodian registered cannot consent alone",
    ),
    mutation(
        "non-custodians-counted",
        POLICY,
        "Guardian.objects.filter(case_id__in=case_ids, custodian=True)",
        "Guardian.objects.filter(case_id__in=case_ids)",
        CUSTODY,
        rule="only custodians are required givers: a guardian who is not one neither counts nor unblocks",
    ),
    mutation(
        "no-giver-shares-everything",
        POLICY,
        "        if not required:\n            return {}\n",
        "",
        WHOSE,
        CUSTODY,
        rule="a case with no required giver (no custodian, joint custody with one) shares nothing",
    ),
    mutation(
        "consent-for-another-agency-counts",
        POLICY,
        "if parties <= consent.party_ids_cached and consent_is_active(consent, at):",
        "if consent_is_active(consent, at):",
        NAMED,
        SHARING,
        rule="a consent shares only with the agencies it names as parties (not another of the same kind)",
    ),
    mutation(
        "author-information-under-either-partys-consent",
        POLICY,
        "parties <= consent.party_ids_cached",
        "parties & consent.party_ids_cached",
        NAMED,
        rule="another agency's own information needs a consent naming both agencies, not either",
    ),
    mutation(
        "author-information-on-the-readers-consent",
        POLICY,
        "    return state.sharing(frozenset({author_agency_id, profile.agency_id}), at)",
        "    return state.sharing(frozenset({profile.agency_id}), at)",
        NAMED,
        NOTES,
        rule="what another agency wrote is shown only under a consent naming that agency too",
    ),
    mutation(
        "inactive-consent-counts",
        POLICY,
        "if parties <= consent.party_ids_cached and consent_is_active(consent, at):",
        "if parties <= consent.party_ids_cached:",
        SHARING,
        WITHDRAW,
        rule="only an active consent (valid, not withdrawn) counts",
    ),
    mutation(
        "evidence-not-required",
        POLICY,
        "    return category not in settings.CONSENT_EVIDENCE_REQUIRED_FOR or consent.evidence_verified_cached",
        "    return True",
        EVIDENCE_TESTS,
        rule="notes and visits (CONSENT_EVIDENCE_REQUIRED_FOR) are shared only once the signed form is verified",
    ),
    mutation(
        "unverified-form-counts",
        POLICY,
        "ConsentEvidence.objects.filter(case_id__in=case_ids, verified_at__isnull=False)",
        "ConsentEvidence.objects.filter(case_id__in=case_ids)",
        EVIDENCE_TESTS,
        rule="an uploaded form counts only once a second social-services member has verified it",
    ),
    mutation(
        "one-giver-is-enough",
        POLICY,
        "if all(category in by_giver.get(giver, {}) for giver in required):",
        "if any(category in by_giver.get(giver, {}) for giver in required):",
        SHARING,
        rule="every required giver must consent to a category (the intersection)",
    ),
    mutation(
        "withdrawal-ignored",
        POLICY,
        "    if withdrawal is not None and withdrawal.withdrawn_at <= at:\n        return False",
        "    if False:\n        return False",
        WITHDRAW,
        rule="a withdrawn consent counts for nothing",
    ),
    mutation(
        "withdrawal-a-moment-late",
        POLICY,
        "    if withdrawal is not None and withdrawal.withdrawn_at <= at:\n        return False",
        "    if withdrawal is not None and withdrawal.withdrawn_at < at:\n        return False",
        WITHDRAW,
        rule="a withdrawal counts from the moment it is recorded",
    ),
    mutation(
        "expiry-ignored",
        POLICY,
        "    return consent.valid_from <= at < consent.valid_until",
        "    return consent.valid_from <= at",
        SHARING,
        rule="a consent stops counting at valid_until",
    ),
    mutation(
        "end-included",
        POLICY,
        "    return consent.valid_from <= at < consent.valid_until",
        "    return consent.valid_from <= at <= consent.valid_until",
        SHARING,
        rule="valid up to, not including, valid_until",
    ),
    mutation(
        "start-ignored",
        POLICY,
        "    return consent.valid_from <= at < consent.valid_until",
        "    return at < consent.valid_until",
        SHARING,
        rule="a consent shares nothing before valid_from",
    ),
    mutation(
        "social-services-need-consent",
        POLICY,
        "    if holds_case(profile, case):\n        return dict.fromkeys(CATEGORIES, frozenset())",
        "    if False:\n        return dict.fromkeys(CATEGORIES, frozenset())",
        PROTECTED,
        rule="social services on the team see every category of the case's own content without consent",
    ),
    mutation(
        "every-member-sees-everything",
        POLICY,
        "    if holds_case(profile, case):\n        return dict.fromkeys(CATEGORIES, frozenset())",
        "    if True:\n        return dict.fromkeys(CATEGORIES, frozenset())",
        SHARING,
        rule="other agencies see only what consent shares",
    ),
    mutation(
        "another-authoritys-social-services-hold-the-case",
        POLICY,
        "    return profile.role in SOCIAL_SERVICES_ROLES and profile.agency_id == case.owning_agency_id",
        "    return profile.role in SOCIAL_SERVICES_ROLES",
        NAMED,
        rule="only the social services that hold the case see its content on no consent (not another authority's)",
    ),
    mutation(
        "status-guardian-past-18-active",
        POLICY,
        '    if givers.required == {YOUTH} and giver != YOUTH:\n        return _pending("youth_adult", age=adult)',
        '    if givers.required == {YOUTH} and giver != YOUTH:\n        return ConsentStatus("active")',
        WHOSE,
        rule="a consent whose giver does not count at the youth's age is pending",
    ),
    mutation(
        "status-not-started-active",
        POLICY,
        "    if consent.valid_from > at:\n        return _pending(",
        '    if consent.valid_from > at:\n        return ConsentStatus("active")\n'
        "    if False:\n        return _pending(",
        SHARING,
        rule="a consent that has not started is pending",
    ),
    mutation(
        "pending-consent-shown-active",
        POLICY,
        "        if any(consent.pk in shared.get(category, ()) for category in consent.categories):",
        "        if True:",
        SHARING,
        rule="a consent is active only while it is part of what is shared (another giver missing: pending)",
    ),
    mutation(
        "owner-counted-as-other-party",
        POLICY,
        "        return consent.party_ids_cached - {self.case.owning_agency_id}",
        "        return consent.party_ids_cached",
        GUARDS,
        rule="a consent is active only if it shares with an agency besides the case's own social services",
    ),
    mutation(
        "pending-reason-not-started",
        POLICY,
        "    if consent.valid_from > at:\n        return _pending(",
        "    if False:\n        return _pending(",
        CUSTODY,
        rule='a consent that has not started says so and when it starts ("not_started")',
    ),
    mutation(
        "pending-reason-youth-adult",
        POLICY,
        '    if givers.required == {YOUTH} and giver != YOUTH:\n        return _pending("youth_adult", age=adult)',
        '    if False:\n        return _pending("youth_adult", age=adult)',
        CUSTODY,
        rule="a guardian's consent at 18 says that only the youth's own counts (\"youth_adult\")",
    ),
    mutation(
        "pending-reason-blocked",
        POLICY,
        "    if givers.blocked:\n        return _pending(givers.blocked)",
        "    if False:\n        return _pending(givers.blocked)",
        CUSTODY,
        rule='a blocked case says why ("no_custodian", "second_custodian_missing")',
    ),
    mutation(
        "pending-reason-youth-under-age",
        POLICY,
        '        if giver == YOUTH:\n            return _pending("youth_under_age"',
        '        if False:\n            return _pending("youth_under_age"',
        GUARDS,
        rule='a youth\'s own consent under 15 says it does not count yet ("youth_under_age")',
    ),
    mutation(
        "pending-reason-not-custodian",
        POLICY,
        '        return _pending("not_custodian")',
        '        return _pending("custodian_consent_missing")',
        GUARDS,
        rule='a consent of a guardian who is no longer a custodian says so ("not_custodian")',
    ),
    mutation(
        "pending-reason-evidence",
        POLICY,
        "    if not any(counts_for(consent, category) for category in consent.categories):\n        return _pending(",
        "    if False:\n        return _pending(",
        GUARDS,
        EVIDENCE_TESTS,
        rule='a consent waiting for its own verified form says so first ("evidence_unverified")',
    ),
    mutation(
        "pending-reason-youth-missing",
        POLICY,
        "    if YOUTH in others and not consented(YOUTH):",
        "    if False:",
        CUSTODY,
        rule="from 15 a custodian's consent without the youth's says the youth's is missing "
        '("youth_consent_missing")',
    ),
    mutation(
        "pending-reason-youth-named-when-a-custodian-is-missing",
        POLICY,
        "    if YOUTH in others and not consented(YOUTH):",
        "    if YOUTH in others:",
        GUARDS,
        rule="the youth is named as missing only when the youth has not consented to the same",
    ),
    mutation(
        "pending-reason-another-givers-form",
        POLICY,
        "    if all(consented(other) for other in others):",
        "    if False:",
        GUARDS,
        rule="when every giver consented to the same, the missing piece is another giver's verified form "
        '("evidence_unverified")',
    ),
    mutation(
        "pending-reason-custodian-missing",
        POLICY,
        '    return _pending("custodian_consent_missing")\n',
        '    return _pending("youth_consent_missing", age=settings.CONSENT_YOUTH_AGE)\n',
        GUARDS,
        rule='a consent waiting for another custodian says so ("custodian_consent_missing")',
    ),
    mutation(
        "status-withdrawn-not-shown",
        POLICY,
        "        if withdrawal is not None and withdrawal.withdrawn_at <= at:\n"
        '            statuses[consent.pk] = ConsentStatus("withdrawn")',
        '        if False:\n            statuses[consent.pk] = ConsentStatus("withdrawn")',
        WITHDRAW,
        rule="a withdrawn consent says so",
    ),
    mutation(
        "status-expired-not-shown",
        POLICY,
        "        elif consent.valid_until <= at:",
        "        elif False:",
        SHARING,
        rule="an expired consent says so",
    ),
    # --- content/access.py: who may open a case at all ----------------------------------------------
    mutation(
        "auditors-keep-team-grants",
        ACCESS,
        "    if profile is None or profile.role in NO_CONTENT_ROLES:\n        return None",
        "    if profile is None:\n        return None",
        OUTSIDERS,
        rule="auditors and administrators get no cases at all",
    ),
    mutation(
        "superusers-bypass",
        ACCESS,
        "    profile = staff_profile(user)\n    if profile is None or profile.role in NO_CONTENT_ROLES:",
        "    if user.is_superuser:\n        return Q()\n"
        "    profile = staff_profile(user)\n    if profile is None or profile.role in NO_CONTENT_ROLES:",
        OUTSIDERS,
        rule="being a Django superuser widens nothing",
    ),
    mutation(
        "any-permission-opens",
        ACCESS,
        'content_object=OuterRef("pk"), user_id=user.pk, permission_id=_view_case_permission_id()',
        'content_object=OuterRef("pk"), user_id=user.pk',
        SELECTOR,
        rule="only the view_case grant is team membership",
    ),
    mutation(
        "anyones-grant-opens",
        ACCESS,
        'content_object=OuterRef("pk"), user_id=user.pk, permission_id=_view_case_permission_id()',
        'content_object=OuterRef("pk"), permission_id=_view_case_permission_id()',
        OUTSIDERS,
        rule="the team: only the caller's own grant opens a case",
    ),
    mutation(
        "emergency-access-for-any-role",
        ACCESS,
        "if emergency and profile.role in SOCIAL_SERVICES_ROLES and (profile.emergency_until or now) > now:",
        "if emergency and (profile.emergency_until or now) > now:",
        EMERGENCY,
        rule="emergency access is for social services only",
    ),
    mutation(
        "emergency-access-in-lookup",
        ACCESS,
        "if emergency and profile.role in SOCIAL_SERVICES_ROLES and (profile.emergency_until or now) > now:",
        "if profile.role in SOCIAL_SERVICES_ROLES and (profile.emergency_until or now) > now:",
        PROTECTED,
        LOOKUP,
        rule="a protected youth is not found through emergency access",
    ),
    mutation(
        "emergency-access-never-expires",
        ACCESS,
        'case=OuterRef("pk"), user_id=user.pk, started_at__lte=now, expires_at__gt=now',
        'case=OuterRef("pk"), user_id=user.pk, started_at__lte=now',
        EMERGENCY,
        rule="emergency access ends after EMERGENCY_ACCESS_MINUTES",
    ),
    mutation(
        "outsider-gets-403",
        ACCESS,
        "    if not found:\n        raise Http404",
        "    if not found:\n"
        "        from django.core.exceptions import PermissionDenied\n\n"
        "        raise PermissionDenied",
        OUTSIDERS,
        rule="outsiders get 404, not 403, so that nobody learns a case exists",
    ),
    mutation(
        "emergency-endpoint-answers-anyone",
        ACCESS,
        "    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:\n        raise Http404\n\n\n",
        "    if profile is None:\n        raise Http404\n\n\n",
        EMERGENCY,
        rule="the emergency endpoint is 404 to everyone but social services",
        # The role is checked twice (require_emergency_reader, then case_for_emergency_access):
        # removing the rule means removing both.
        also=(
            (
                "    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:\n        raise Http404  # 404",
                "    if profile is None:\n        raise Http404  # 404",
            ),
        ),
    ),
    mutation(
        "emergency-case-read-by-anyone",
        ACCESS,
        "    if profile is None or profile.role not in SOCIAL_SERVICES_ROLES:\n        raise Http404  # 404",
        "    if profile is None:\n        raise Http404  # 404",
        EMERGENCY,
        rule="the emergency endpoint is 404 to everyone but social services",
        equivalent=(
            "case_for_emergency_access repeats require_emergency_reader's role check for any "
            "future caller; its one caller, EmergencyAccessApi, has already run that check"
        ),
    ),
    mutation(
        "lookup-finds-any-case",
        ACCESS,
        "Case.objects.filter(visible, youth__personal_number_index=index)",
        "Case.objects.filter(youth__personal_number_index=index)",
        LOOKUP,
        rule="lookup by personal number finds only the caller's own cases",
    ),
    mutation(
        "another-agencys-information-as-case-content",
        ACCESS,
        "        if agency_id == self.case.owning_agency_id:\n            return self.sharing",
        "        if True:\n            return self.sharing",
        NOTES,
        VISITS,
        rule="what police, school or leisure wrote is shown to another agency only under a consent naming both",
    ),
    mutation(
        "own-agency-information-hidden",
        ACCESS,
        "        if agency_id == self.profile.agency_id:\n            return dict.fromkeys(CATEGORIES, frozenset())\n",
        "",
        VISITS,
        NOTES,
        rule="a member always sees what their own agency wrote (notes, visit notes, police links)",
        # Checked by CaseAccess.author_sharing and again by consent.policy.author_sharing.
        also=(
            (
                POLICY,
                "    if author_agency_id == profile.agency_id:\n"
                "        return dict.fromkeys(CATEGORIES, frozenset())\n",
                "",
            ),
        ),
    ),
    mutation(
        "non-party-member-not-warned",
        ACCESS,
        "    return not access.categories",
        "    return False",
        NAMED,
        rule='adding a member whose agency sees nothing warns ("shares_nothing": true)',
    ),
    # --- content/case.py: what of a case is shown --------------------------------------------------
    mutation(
        "protected-address-shown",
        CASE,
        "    if youth.protected_identity and not social_services:",
        "    if False:",
        PROTECTED,
        rule="a protected youth's address never leaves social services",
    ),
    mutation(
        "protected-address-hidden-from-social-services",
        CASE,
        "    if youth.protected_identity and not social_services:",
        "    if youth.protected_identity:",
        PROTECTED,
        rule="social services on the team see the protected address",
    ),
    mutation(
        "youth-without-identity",
        CASE,
        '    if IDENTITY in access.categories:\n        body["youth"]',
        '    if True:\n        body["youth"]',
        CASE_LIST,
        rule="the youth is shown only under identity",
    ),
    mutation(
        "guardians-without-identity",
        CASE,
        "    guardians = list(case.guardians.all()) if IDENTITY in access.categories else []\n"
        '    if IDENTITY in access.categories:\n        body["guardians"]',
        '    guardians = list(case.guardians.all())\n    if True:\n        body["guardians"]',
        CONTENT_GUARDS,
        rule="the guardians and custody are shown only under identity",
    ),
    mutation(
        "consent-givers-count-non-custodians",
        CASE,
        "    custodians = [g.pk for g in guardians if g.custodian]",
        "    custodians = [g.pk for g in guardians]",
        CUSTODY,
        rule="the case shows whose consent is needed: custodians only (no custodian: blocked)",
    ),
    mutation(
        "summary-without-notes",
        CASE,
        "    if NOTES in access.categories:",
        "    if True:",
        SHARING,
        rule="the case summary is shown only under notes",
    ),
    mutation(
        "detail-without-consent",
        CASE,
        "    if not access.categories:\n        raise ConsentRequired\n    body = case_shown(access)",
        "    body = case_shown(access)",
        SHARING,
        rule="case detail needs at least one shared category (403 consent_required)",
    ),
    # --- content/records.py: visits, meetings, notes, police links -----------------------------------
    mutation(
        "every-agencys-visit-notes-shown",
        RECORDS,
        "    return [n for n in candidates if VISITS in access.author_sharing(n.agency_id)]",
        "    return list(candidates)",
        VISITS,
        rule="another agency's notes on a visit only under visits, and another author's under a consent naming both",
    ),
    mutation(
        "visit-notes-need-social-services",
        RECORDS,
        "    return [n for n in candidates if VISITS in access.author_sharing(n.agency_id)]",
        "    return [n for n in candidates if n.agency_id == access.profile.agency_id"
        " or (access.social_services and VISITS in access.author_sharing(n.agency_id))]",
        VISITS,
        rule="consent to visits shows the other party's notes on them, to the police too",
    ),
    mutation(
        "own-visit-notes-hidden",
        RECORDS,
        "    return [n for n in candidates if VISITS in access.author_sharing(n.agency_id)]",
        "    return [n for n in candidates if n.agency_id != access.profile.agency_id"
        " and VISITS in access.author_sharing(n.agency_id)]",
        VISITS,
        rule="a member always sees their own agency's notes on a visit",
    ),
    mutation(
        "visits-without-consent",
        RECORDS,
        "    if VISITS in access.categories:\n        return queryset",
        "    if True:\n        return queryset",
        VISITS,
        rule="home visits are shown only under visits",
    ),
    mutation(
        "police-participant-sees-nothing",
        RECORDS,
        "        return queryset.filter(participants=reader)\n    raise ConsentRequired",
        "        raise ConsentRequired\n    raise ConsentRequired",
        VISITS,
        rule="police participants see the visits they took part in, consent or not",
    ),
    mutation(
        "police-see-every-visit",
        RECORDS,
        "        return queryset.filter(participants=reader)",
        "        return queryset",
        VISITS,
        rule="without consent the police see only the visits they took part in",
    ),
    mutation(
        "meetings-without-consent",
        RECORDS,
        "    if MEETINGS not in access.categories:\n        raise ConsentRequired\n",
        "",
        MEETINGS,
        rule="meetings and action plans are shown only under meetings",
    ),
    mutation(
        "every-note-shown",
        RECORDS,
        "    return notes.filter(_by_author(access, notes)).select_related(",
        "    return notes.select_related(",
        NOTES,
        rule="another agency's notes only in shared categories, its own information under a consent naming both",
    ),
    mutation(
        "own-notes-hidden",
        RECORDS,
        "    return notes.filter(_by_author(access, notes)).select_related(",
        "    return notes.filter(_by_author(access, notes))"
        ".exclude(agency_id=access.profile.agency_id).select_related(",
        NOTES,
        rule="a member always sees the notes their own agency wrote",
    ),
    mutation(
        "shared-notes-hidden",
        RECORDS,
        "    return notes.filter(_by_author(access, notes)).select_related(",
        "    return notes.filter(agency_id=access.profile.agency_id).select_related(",
        NOTES,
        rule="consent to a category shows other agencies' notes of it",
    ),
    mutation(
        "notes-of-unshared-categories-shown",
        RECORDS,
        "            visible |= Q(agency_id=agency_id, category__in=sorted(shared))",
        "            visible |= Q(agency_id=agency_id) if shared else Q(pk__in=[])",
        NOTES,
        rule="another agency's notes are shown only in the categories shared, not all of them once any is",
    ),
    mutation(
        "police-links-without-consent",
        RECORDS,
        "        if not access.categories:\n            raise ConsentRequired",
        "        if False:\n            raise ConsentRequired",
        POLICE_LINKS,
        rule="the police read the links only while consent shares something with them",
    ),
    mutation(
        "police-links-for-everyone",
        RECORDS,
        "    elif not access.social_services:\n        raise PermissionDenied(MSG_POLICE_LINKS)",
        "    elif False:\n        raise PermissionDenied(MSG_POLICE_LINKS)",
        POLICE_LINKS,
        rule="school and leisure never read police links",
    ),
    mutation(
        "police-links-of-any-agency",
        RECORDS,
        "    queryset = links.filter(_by_author(access, links, NOTES)).select_related(",
        "    queryset = links.select_related(",
        POLICE_LINKS,
        rule="police links are the police's own information: shown to social services under a consent naming them",
    ),
    mutation(
        "police-links-under-any-category",
        RECORDS,
        "        elif category in shared:",
        "        elif shared:",
        POLICE_LINKS,
        rule="police links count as notes: shown under a consent for notes, not for any category",
    ),
    mutation(
        "disclosure-of-another-agencys-note-not-registered",
        RECORDS,
        "        disclosed=[\n"
        "            (access, categories, access.author_sharing(agency_id))"
        " for agency_id, categories in by_agency.items()\n"
        "        ],",
        "        disclosed=[],",
        NAMED,
        DISCLOSURE_TESTS,
        rule="reading another agency's note under consent is registered as a disclosure with its consents",
    ),
    mutation(
        "disclosure-of-another-agencys-visit-note-not-registered",
        RECORDS,
        "    disclosed += [(access, {VISITS}, access.author_sharing(agency_id))"
        " for agency_id in sorted(authors, key=str)]\n",
        "",
        CONTENT_GUARDS,
        rule="reading another agency's note on a visit under consent is registered as a disclosure",
    ),
    mutation(
        "disclosure-of-police-links-not-registered",
        RECORDS,
        "        disclosed=[(access, {NOTES}, access.author_sharing(agency_id))"
        " for agency_id in sorted(authors, key=str)],",
        "        disclosed=[],",
        CONTENT_GUARDS,
        rule="reading the police's links under consent is registered as a disclosure",
    ),
    # --- consent/services.py: recording consent, withdrawals, emergency access, police links -------
    mutation(
        "guardian-of-another-case-consents",
        SERVICES,
        "Guardian.objects.filter(pk=guardian, case=case).first()",
        "Guardian.objects.filter(pk=guardian).first()",
        RECORD,
        rule="a consenting guardian must be registered on the case",
    ),
    mutation(
        "guardian-consent-names-nobody",
        SERVICES,
        '            errors["guardian"] = [MSG_GUARDIAN_REQUIRED]',
        "            pass",
        RECORD,
        rule="a guardian's consent names the guardian",
    ),
    mutation(
        "youths-consent-names-a-guardian",
        SERVICES,
        "    elif guardian is not None:\n",
        "    elif False:\n",
        RECORD,
        rule="the youth's own consent names no guardian",
    ),
    mutation(
        "consent-ending-in-the-past",
        SERVICES,
        "    if valid_until <= now:",
        "    if False:",
        RECORD,
        rule="a consent must be valid until a time in the future",
    ),
    mutation(
        "consent-longer-than-maximum",
        SERVICES,
        "    elif valid_until > _months_after(valid_from, settings.CONSENT_MAX_MONTHS):",
        "    elif False:",
        RECORD,
        rule="a consent lasts at most CONSENT_MAX_MONTHS",
    ),
    mutation(
        "unknown-agency-accepted",
        SERVICES,
        '            _check_choices(kinds, CONSENT_AGENCIES, MSG_UNKNOWN_AGENCY, "agencies")',
        "            kinds = [kind for kind in kinds if kind in CONSENT_AGENCIES]",
        RECORD,
        rule="a consent names only known agency kinds (an unknown one is refused, not dropped)",
    ),
    mutation(
        "kind-with-none-on-the-team-accepted",
        SERVICES,
        '                if not found:\n                    errors.setdefault("agencies", [])',
        '                if False:\n                    errors.setdefault("agencies", [])',
        GUARDS,
        rule="a kind with no agency on the team is refused (400), not dropped from the consent",
    ),
    mutation(
        "kind-resolved-to-every-agency-of-the-kind",
        SERVICES,
        "                found = {agency_id for agency_id, agency_kind in team.items() if agency_kind == kind}",
        '                found = set(Agency.objects.filter(kind=kind).values_list("pk", flat=True))'
        " if kind in team.values() else set()",
        GUARDS,
        rule="a kind is resolved to the agencies of that kind on the team, not to every agency of the kind",
    ),
    mutation(
        "another-authoritys-social-services-a-party",
        SERVICES,
        "        if any(pk != case.owning_agency_id and kind == AgencyKind.SOCIAL_SERVICES"
        " for pk, kind in known.items()):",
        "        if False:",
        NAMED,
        rule="another authority's social services cannot be a party to a consent (400)",
    ),
    mutation(
        "owning-social-services-not-a-party",
        SERVICES,
        "    return resolved | {case.owning_agency_id}",
        "    return resolved",
        NAMED,
        VISITS,
        rule="the case's own social services are a party to every consent",
    ),
    mutation(
        "non-custodian-guardian-consents",
        SERVICES,
        "            elif not guardian_row.custodian:",
        "            elif False:",
        CUSTODY,
        rule="a guardian who is not a custodian cannot consent (400)",
    ),
    mutation(
        "anyone-records-consent",
        SERVICES,
        "    require_social_services(actor)\n    require_open(case)\n    errors",
        "    require_open(case)\n    errors",
        RECORD,
        rule="only social services record consents",
    ),
    mutation(
        "consent-on-a-closed-case",
        SERVICES,
        "    require_social_services(actor)\n    require_open(case)\n    errors",
        "    require_social_services(actor)\n    errors",
        RECORD,
        rule="a closed case takes no new consent",
    ),
    mutation(
        "anyone-withdraws",
        SERVICES,
        "    require_social_services(actor)\n    locked = Consent",
        "    locked = Consent",
        WITHDRAW,
        rule="only social services record a withdrawal",
    ),
    mutation(
        "withdrawn-twice",
        SERVICES,
        "    if ConsentWithdrawal.objects.filter(consent=locked).exists():",
        "    if False:",
        WITHDRAW,
        rule="a consent is withdrawn once (409 already_withdrawn)",
    ),
    mutation(
        "emergency-access-for-a-member",
        SERVICES,
        "    if CaseMember.objects.filter(case=case, user=actor).exists():",
        "    if False:",
        EMERGENCY,
        rule="a team member needs no emergency access (409 already_member)",
    ),
    mutation(
        "emergency-access-opened-twice",
        SERVICES,
        "    if EmergencyAccess.objects.filter(case=case, user=actor, expires_at__gt=now).exists():",
        "    if False:",
        EMERGENCY,
        rule="a running emergency access is not opened again",
    ),
    mutation(
        "emergency-access-lasts-hours",
        SERVICES,
        "timedelta(minutes=settings.EMERGENCY_ACCESS_MINUTES)",
        "timedelta(hours=settings.EMERGENCY_ACCESS_MINUTES)",
        EMERGENCY,
        rule="emergency access lasts EMERGENCY_ACCESS_MINUTES",
    ),
    mutation(
        "emergency-access-for-another-authority",
        SERVICES,
        "    if profile.agency_id != case.owning_agency_id:",
        "    if False:",
        NAMED,
        rule="emergency access is for the social services that hold the case; another authority gets 404",
    ),
    mutation(
        "police-link-without-consent",
        SERVICES,
        "    if profile.agency_id is None or not agency_shares(case=case, agency_id=profile.agency_id):",
        "    if False:",
        POLICE_LINKS,
        rule="the police link a case only while consent shares something with them",
    ),
    mutation(
        "police-link-under-another-agencys-consent",
        SERVICES,
        "not agency_shares(case=case, agency_id=profile.agency_id)",
        "not agency_shares(case=case, agency_id=case.owning_agency_id)",
        GUARDS,
        rule="the police link a case only while a consent names their own agency",
    ),
    mutation(
        "anyone-links",
        SERVICES,
        "    profile = require_role(actor, {Role.POLICE}, MSG_POLICE_ONLY)",
        "    profile = require_role(actor, set(Role), MSG_POLICE_ONLY)",
        POLICE_LINKS,
        rule="only the police link a police case",
    ),
    # --- cases/services/team.py: who may join the team --------------------------------------------
    mutation(
        "social-services-of-another-authority-on-the-team",
        TEAM,
        "    if role in SOCIAL_SERVICES_ROLES and profile.agency_id != case.owning_agency_id:",
        "    if False:",
        NAMED,
        rule="social services members of the team come from the authority that holds the case",
    ),
    # --- consent/evidence.py: the signed form -------------------------------------------------------
    mutation(
        "uploader-verifies",
        EVIDENCE,
        "    if evidence.uploaded_by_id == actor.pk:\n        raise PermissionDenied(MSG_EVIDENCE_OWN)",
        "    if False:\n        raise PermissionDenied(MSG_EVIDENCE_OWN)",
        EVIDENCE_TESTS,
        rule="four eyes: the uploader cannot verify the form (403)",
    ),
    mutation(
        "anyone-verifies-evidence",
        EVIDENCE,
        "    _require_team_social_services(actor, consent)\n    require_open(consent.case)\n"
        "    evidence = ConsentEvidence.objects.select_for_update().filter(consent=consent).defer(",
        "    require_open(consent.case)\n"
        "    evidence = ConsentEvidence.objects.select_for_update().filter(consent=consent).defer(",
        GUARDS,
        rule="only social services verify the form",
    ),
    mutation(
        "emergency-access-handles-the-form",
        EVIDENCE,
        "    if not is_on_team(user=actor, case=consent.case):\n        raise PermissionDenied(MSG_EVIDENCE_TEAM)",
        "    if False:\n        raise PermissionDenied(MSG_EVIDENCE_TEAM)",
        EVIDENCE_TESTS,
        rule="only social services on the team upload or verify the form, not by emergency access",
    ),
    mutation(
        "evidence-not-sniffed",
        EVIDENCE,
        '    if not valid or content_type is None:\n        raise ValidationError({"file": [MSG_EVIDENCE_TYPE]})\n'
        "    return content_type",
        "    return content_type or EvidenceType.PDF",
        EVIDENCE_TESTS,
        rule="the form is a PDF, JPEG or PNG by its content, whatever its name (400 otherwise)",
    ),
    mutation(
        "truncated-pdf-accepted",
        EVIDENCE,
        'valid = data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]',
        'valid = data.startswith(b"%PDF-")',
        EVIDENCE_TESTS,
        rule="a PDF must end like one (a truncated upload is refused)",
    ),
    mutation(
        "images-not-decoded",
        EVIDENCE,
        'valid = b"%PDF" not in data[:1024] and _is_image(data, "JPEG")',
        'valid = b"%PDF" not in data[:1024]',
        EVIDENCE_TESTS,
        rule="a JPEG or PNG must decode whole (a magic number followed by a script or an executable is refused)",
        also=(('valid = b"%PDF" not in data[:1024] and _is_image(data, "PNG")', 'valid = b"%PDF" not in data[:1024]'),),
    ),
    mutation(
        "pdf-inside-an-image-accepted",
        EVIDENCE,
        'valid = b"%PDF" not in data[:1024] and _is_image(data, "JPEG")',
        'valid = _is_image(data, "JPEG")',
        GUARDS,
        rule="an image with a PDF header in its first KiB (a polyglot PDF readers would open) is refused",
        also=(('valid = b"%PDF" not in data[:1024] and _is_image(data, "PNG")', 'valid = _is_image(data, "PNG")'),),
    ),
    mutation(
        "evidence-size-unlimited",
        EVIDENCE,
        "    if len(data) > settings.CONSENT_EVIDENCE_MAX_BYTES:",
        "    if False:",
        EVIDENCE_TESTS,
        rule="a form over CONSENT_EVIDENCE_MAX_BYTES is refused with 413",
        # The limit is checked on the declared length (api/parsers.py), while the upload is read
        # (consent/uploads.py) and again by the service.
        also=(
            (
                PARSERS,
                "        if length > settings.CONSENT_EVIDENCE_MAX_BYTES + MULTIPART_OVERHEAD:",
                "        if False:",
            ),
            (
                "consent/uploads.py",
                "        if self.buffer.tell() + len(raw_data) > settings.CONSENT_EVIDENCE_MAX_BYTES:",
                "        if False:",
            ),
        ),
    ),
    mutation(
        "evidence-limit-exclusive",
        EVIDENCE,
        "    if len(data) > settings.CONSENT_EVIDENCE_MAX_BYTES:",
        "    if len(data) >= settings.CONSENT_EVIDENCE_MAX_BYTES:",
        GUARDS,
        rule="a form of exactly CONSENT_EVIDENCE_MAX_BYTES is accepted (at most 10 MiB)",
        also=(
            (
                PARSERS,
                "        if length > settings.CONSENT_EVIDENCE_MAX_BYTES + MULTIPART_OVERHEAD:",
                "        if length >= settings.CONSENT_EVIDENCE_MAX_BYTES + MULTIPART_OVERHEAD:",
            ),
            (
                "consent/uploads.py",
                "        if self.buffer.tell() + len(raw_data) > settings.CONSENT_EVIDENCE_MAX_BYTES:",
                "        if self.buffer.tell() + len(raw_data) >= settings.CONSENT_EVIDENCE_MAX_BYTES:",
            ),
        ),
    ),
    mutation(
        "oral-consent-takes-a-form",
        EVIDENCE,
        "    if consent.method != Method.WRITTEN:",
        "    if False:",
        EVIDENCE_TESTS,
        rule="an oral consent has no signed form (409 oral_consent)",
    ),
    mutation(
        "verified-form-replaced",
        EVIDENCE,
        "    if evidence is not None and evidence.verified_at is not None:",
        "    if False:",
        EVIDENCE_TESTS,
        rule="a verified form can no longer be replaced (409 evidence_verified)",
    ),
    mutation(
        "verified-form-swapped-since-read",
        EVIDENCE,
        "    if sha256 is not None and sha256.lower() != evidence.sha256:",
        "    if False:",
        EVIDENCE_TESTS,
        rule="the verifier confirms the form they read: one replaced since is a conflict (409 evidence_changed)",
    ),
    mutation(
        "verified-twice",
        EVIDENCE,
        "    if evidence.verified_at is not None:\n        raise Conflict(MSG_EVIDENCE_ALREADY_VERIFIED",
        "    if False:\n        raise Conflict(MSG_EVIDENCE_ALREADY_VERIFIED",
        EVIDENCE_TESTS,
        rule="a form is verified once: who verified it is not overwritten (409 already_verified)",
    ),
    # --- consent/disclosures.py: the disclosure register ----------------------------------------------
    mutation(
        "disclosure-registered-without-consent",
        DISCLOSURES,
        "        categories = {category for category in shown_categories if basis.get(category)}",
        "        categories = set(shown_categories)",
        DISCLOSURE_TESTS,
        NAMED,
        rule="only what a consent made visible is registered (social services reading their own case is not)",
    ),
    mutation(
        "statutory-disclosure-conditions-unchecked",
        DISCLOSURES,
        '        if unmet:\n            errors["conditions"] = [MSG_CONDITION_UNMET]',
        '        if False:\n            errors["conditions"] = [MSG_CONDITION_UNMET]',
        DISCLOSURE_TESTS,
        rule="a disclosure without consent needs every condition of its provision confirmed (OSL 10 kap.)",
    ),
    mutation(
        "statutory-disclosure-any-agency",
        DISCLOSURES,
        '        if agency not in rule["agencies"]:',
        "        if False:",
        DISCLOSURE_TESTS,
        rule="a provision allows disclosure only to the agencies it names (18 a and 18 c: the police)",
    ),
    mutation(
        "statutory-disclosure-any-age",
        DISCLOSURES,
        "        if max_age is not None and personnummer.age_on(",
        "        if False and personnummer.age_on(",
        DISCLOSURE_TESTS,
        rule="OSL 10 kap. 18 a § applies only to a person under 21",
    ),
    # --- oversight/subject_report.py: the registerutdrag ----------------------------------------------
    mutation(
        "subject-report-shows-withheld-notes",
        SUBJECT_REPORT,
        "            for n in notes\n            if shown(n.agency_id, n.category)\n",
        "            for n in notes\n",
        CONTENT_GUARDS,
        rule="the report holds another agency's notes only as far as a consent lets the reader see them",
    ),
    mutation(
        "subject-report-shows-withheld-visit-notes",
        SUBJECT_REPORT,
        "                    for n in v.agency_notes.all()\n                    if shown(n.agency_id, VISITS)\n",
        "                    for n in v.agency_notes.all()\n",
        CONTENT_GUARDS,
        rule="the report holds another agency's notes on a visit only under a consent naming it for visits",
    ),
    mutation(
        "subject-report-shows-withheld-police-links",
        SUBJECT_REPORT,
        "            for p in links\n            if shown(p.agency_id, NOTES)\n",
        "            for p in links\n",
        CONTENT_GUARDS,
        rule="the report holds the police's links only under a consent naming the police for notes",
    ),
    mutation(
        "subject-report-withheld-not-counted",
        SUBJECT_REPORT,
        '        "notes": sum(1 for n in notes if not shown(n.agency_id, n.category)),',
        '        "notes": 0,',
        CONTENT_GUARDS,
        rule="what the report holds back is counted under withheld, so the youth knows to ask that agency",
    ),
    # --- cases/services/records.py: what makes a joint home visit ----------------------------------
    mutation(
        "visit-without-social-services",
        VISIT_SERVICE,
        "if users and (Role.POLICE not in roles or not roles & SOCIAL_SERVICES_ROLES):",
        "if users and Role.POLICE not in roles:",
        VISITS,
        rule="a joint visit has at least one social services participant",
    ),
    mutation(
        "visit-without-police",
        VISIT_SERVICE,
        "if users and (Role.POLICE not in roles or not roles & SOCIAL_SERVICES_ROLES):",
        "if users and not roles & SOCIAL_SERVICES_ROLES:",
        VISITS,
        rule="a joint visit has at least one police participant",
    ),
    mutation(
        "visit-participants-off-the-team",
        VISIT_SERVICE,
        "    if len(members) != len(names):",
        "    if False:",
        VISITS,
        rule="every participant is on the case team",
    ),
    mutation(
        "anyone-records-visits",
        VISIT_SERVICE,
        "if profile is None or (profile.role not in SOCIAL_SERVICES_ROLES and profile.role != Role.POLICE):",
        "if profile is None:",
        VISITS,
        rule="only social services and the police record home visits",
    ),
    mutation(
        "absent-police-write-on-a-visit",
        VISIT_SERVICE,
        "(profile.role == Role.POLICE and participant)",
        "profile.role == Role.POLICE",
        VISITS,
        rule="only police who took part write on a visit",
    ),
    # --- oversight/statistics.py: small counts ------------------------------------------------------
    mutation(
        "single-counts-unsuppressed",
        STATISTICS,
        "    return SUPPRESSED if 0 < value < SMALL else value",
        "    return value",
        STATS,
        rule="a single count below 5 is shown as <5",
    ),
    mutation(
        "single-count-of-five-suppressed",
        STATISTICS,
        "    return SUPPRESSED if 0 < value < SMALL else value",
        "    return SUPPRESSED if 0 < value <= SMALL else value",
        STATS,
        rule="counts of 5 and more are shown",
    ),
    mutation(
        "threshold-lowered-to-4",
        STATISTICS,
        "SMALL = 5\n",
        "SMALL = 4\n",
        STATS,
        rule="the suppression threshold is 5",
    ),
    mutation(
        "small-cells-shown",
        STATISTICS,
        "    hidden = {key for key, value in full.items() if 0 < value < SMALL}",
        "    hidden: set[tuple[str, str]] = set()",
        STATS,
        rule="every table cell below 5 is suppressed",
    ),
    mutation(
        "lone-small-cell-without-partner",
        STATISTICS,
        "            if sum(1 for key in group if key in hidden) == 1:",
        "            if False:",
        STATS,
        rule="a row or column never holds exactly one suppressed figure",
    ),
    mutation(
        "no-rank-check",
        STATISTICS,
        "        determined = next((key for key in sorted(hidden) if is_determined(key, hidden, rows, cols)), None)",
        "        determined = None",
        STATS,
        rule="no suppressed figure follows from sums over several rows and columns",
    ),
    mutation(
        "median-over-few-cases",
        STATISTICS,
        "        if len(waits) >= SMALL",
        "        if waits",
        STATS,
        rule="a median over fewer than 5 cases is suppressed",
    ),
    # --- oversight/purge.py: retention ---------------------------------------------------------------
    mutation(
        "research-sample-purged",
        PURGE,
        "        if born.day in settings.RETENTION_KEEP_BIRTH_DAYS:\n            yield Review(",
        "        if False:\n            yield Review(",
        PURGE_TESTS,
        rule="people born on the 5th, 15th or 25th are kept for research",
    ),
    mutation(
        "research-day-read-from-the-digits",
        PURGE,
        "        if born.day in settings.RETENTION_KEEP_BIRTH_DAYS:",
        "        if int(case.youth.personal_number[6:8]) in settings.RETENTION_KEEP_BIRTH_DAYS:",
        PURGE_TESTS,
        rule="a samordningsnummer's research day is its day minus 60",
    ),
    mutation(
        "retention-a-year-short",
        PURGE,
        "last_entry__lt=_years_before(settings.CASE_RETENTION_YEARS[track.value], now)",
        "last_entry__lt=_years_before(settings.CASE_RETENTION_YEARS[track.value] - 1, now)",
        PURGE_TESTS,
        RETENTION_TESTS,
        rule="a case is kept for CASE_RETENTION_YEARS after its last entry",
    ),
    mutation(
        "held-case-listed",
        PURGE,
        "        if case.held:\n"
        '            yield Review(**base, rule=rule, kept_by="legal hold")\n'
        "            continue\n",
        "",
        PURGE_TESTS,
        rule="a case under legal hold is not purged",
    ),
    mutation(
        "hold-not-checked-under-lock",
        PURGE,
        " or LegalHold.objects.filter(case=case, released_at__isnull=True).exists():",
        ":",
        PURGE_TESTS,
        rule="a hold placed after the list was made still saves the case",
    ),
    mutation(
        "open-cases-listed",
        PURGE,
        "Case.objects.filter(status=CaseStatus.CLOSED)",
        "Case.objects.filter()",
        PURGE_TESTS,
        rule="open cases are never purged",
        equivalent=(
            "on the test database (SQLite) only: an open case has no closed_at, and SQLite's MAX() of "
            "a NULL is NULL, so with_last_entry gives it no last_entry and it is never due. On "
            "PostgreSQL GREATEST skips NULLs: an open case whose newest record is older than the "
            "retention would be listed as due (the dry run says it purges), and only case_purge's "
            "status check under the lock would stop the purge; a PostgreSQL-only test could kill it"
        ),
    ),
    # --- oversight/anomalies.py: findings for log review ---------------------------------------------
    mutation(
        "outside-team-not-reported",
        ANOMALIES,
        '        findings.append(_finding("outside_team", entry))',
        "        pass",
        ANOMALY_TESTS,
        rule="an access by someone not on the team is a finding",
    ),
    mutation(
        "emergency-access-covers-any-time",
        ANOMALIES,
        '        started_at__lte=OuterRef("timestamp"),\n        expires_at__gt=OuterRef("timestamp"),\n',
        "",
        ANOMALY_TESTS,
        rule="an emergency access covers only accesses while it runs",
    ),
    mutation(
        "after-withdrawal-not-reported",
        ANOMALIES,
        '        findings.append(_finding("after_withdrawal", entry))',
        "        pass",
        ANOMALY_TESTS,
        rule="another agency's access after a withdrawal is a finding",
    ),
    mutation(
        "social-services-after-withdrawal-reported",
        ANOMALIES,
        "    after_withdrawal = accesses.filter(Exists(withdrawn_before), ~Exists(social_services))",
        "    after_withdrawal = accesses.filter(Exists(withdrawn_before))",
        ANOMALY_TESTS,
        rule="social services' own reads after a withdrawal are not findings",
    ),
    mutation(
        "reads-before-withdrawal-reported",
        ANOMALIES,
        'consent__case_id=OuterRef("case_ref"), withdrawn_at__lte=OuterRef("timestamp")',
        'consent__case_id=OuterRef("case_ref")',
        ANOMALY_TESTS,
        rule="only accesses after the withdrawal are findings",
    ),
    # --- issue 15: the administrator, the log and the inputs ----------------------------------------
    mutation(
        "own-grant-decided",
        "accounts/services.py",
        "    if actor.pk in (locked.requested_by_id, locked.user_id):",
        "    if False:",
        "tests/administration/test_grants_need_a_second_administrator.py",
        rule="four eyes: nobody approves or rejects their own grant request, or one about themselves",
    ),
    mutation(
        "creator-gets-the-code",
        "accounts/services.py",
        "        status == GrantStatus.APPROVED\n        and locked.enrolment",
        "        False\n        and locked.enrolment",
        "tests/administration/test_grants_need_a_second_administrator.py",
        rule="the administrator who created an account (and knows its password) never receives its enrolment code",
    ),
    mutation(
        "new-account-emergency-unapproved",
        "accounts/services.py",
        "    if not EmergencyApproval.objects.filter(user=user, approved_at__gte=since).exists():",
        "    if False:",
        "tests/consent/test_emergency_access_new_accounts.py",
        rule="a new account opens emergency access only after a coordinator of its agency approved it",
    ),
    mutation(
        "reactivated-account-old",
        "accounts/services.py",
        "    return max(user.date_joined, reactivated) if reactivated else user.date_joined",
        "    return user.date_joined",
        "tests/administration/test_reactivation_needs_a_second_administrator.py",
        rule="a re-activated account is new again: emergency access needs a coordinator's approval after it",
    ),
    mutation(
        "deactivated-keeps-authenticators",
        "accounts/signals.py",
        '    if "deactivated" in reasons:',
        "    if False:",
        "tests/administration/test_reactivation_needs_a_second_administrator.py",
        rule="deactivating deletes the account's authenticators and unused enrolment codes",
    ),
    mutation(
        "session-key-stored-plain",
        "accounts/sessions.py",
        "    return hashlib.sha256(session_key.encode()).hexdigest()[:40]",
        "    return session_key",
        "tests/web/test_sessions_stored_hashed.py",
        rule="no secret in the database: a browser session's row holds a hash of its key, never a usable cookie",
    ),
    mutation(
        "session-deleted-by-plain-key",
        "accounts/sessions.py",
        "            super().delete(stored_key(key))",
        "            super().delete(key)",
        "tests/web/test_sessions_stored_hashed.py",
        rule="signing out deletes the session's row (found by the hash of its key)",
    ),
    mutation(
        "admin-reactivates-alone",
        "administration/admin.py",
        '                fields.append("is_active")',
        "                pass",
        "tests/administration/test_reactivation_needs_a_second_administrator.py",
        rule="one administrator cannot re-activate an account; only an approved grant does",
    ),
    mutation(
        "admin-any-url-filter",
        "administration/admin.py",
        "        return lookup in declared or",
        "        return True or",
        "tests/administration/test_admin_answers_only_what_it_shows.py",
        rule="the admin filters only by the filters its pages declare, never across relations to cases",
    ),
    mutation(
        "admin-renames-username",
        "administration/admin.py",
        '            fields.append("username")',
        "            pass",
        "tests/administration/test_admin_answers_only_what_it_shows.py",
        rule="a username never changes after creation (the log names it)",
    ),
    mutation(
        "admin-approves-unseen",
        "administration/admin.py",
        '        if request.POST.get("select_across") == "1":',
        "        if False:",
        "tests/administration/test_admin_answers_only_what_it_shows.py",
        rule="no grant is approved unseen through 'select all'",
    ),
    mutation(
        "verify-reads-only-the-first-range-of-ids",
        "audit/chain.py",
        "    for first, last in runs:",
        "    for first, last in runs[:1]:",
        "tests/audit/test_tamper_evidence.py",
        rule="verify checks every linked entry, however far apart their numbers",
    ),
    mutation(
        "checkpoint-signature-ignored",
        "audit/chain.py",
        "    if not signature_valid(checkpoint):\n        return Start(",
        "    if False:\n        return Start(",
        "tests/audit/test_checkpoint.py",
        rule="a verify continues only from a checkpoint whose signature holds",
    ),
    mutation(
        "full-verify-ignores-checkpoints",
        "audit/chain.py",
        "        if link.seq in signed and signed[link.seq] != (link.entry_id, link.hash):",
        "        if False:",
        "tests/audit/test_checkpoint.py",
        rule="no verify calls a chain whole that a signed checkpoint shows was rewritten",
    ),
    mutation(
        "retention-drops-a-month-with-a-late-entry",
        "audit/log_retention.py",
        '                "ON l.entry_id = e.id WHERE l.seq IS NULL OR l.seq > %s)",',
        '                "ON l.entry_id = e.id WHERE false AND l.seq > %s)",',
        "tests/audit/test_partitions.py",
        rule="retention drops a month's partition whole only when every entry in it goes",
        postgres=True,
    ),
    mutation(
        "retention-record-hides-dropped-partitions",
        "audit/signing.py",
        '            fields["partitions_dropped"] = record.partitions_dropped',
        "            pass",
        "tests/audit/test_partitions.py",
        rule="the retention record's signature covers the partitions it dropped",
        postgres=True,
    ),
    mutation(
        "gathered-entries-dropped",
        "audit/services.py",
        "    _insert_entries(pending)\n\n\ndef _insert_entries",
        "    pass\n\n\ndef _insert_entries",
        "tests/audit/test_entries_together.py",
        rule="every row a service writes has its audit entry, also when the entries are inserted together",
    ),
    mutation(
        "gathered-entries-outside-a-transaction",
        "audit/services.py",
        "    if not connections[router.db_for_write(AuditEntry)].in_atomic_block:",
        "    if False:",
        "tests/audit/test_entries_together.py",
        rule="entries are gathered only inside the transaction that writes their rows (PostgreSQL)",
        postgres=True,
    ),
    mutation(
        "tried-username-verbatim",
        "audit/services.py",
        '    return "unknown:" + salted_hmac("audit.tried_username", username).hexdigest()[:16]',
        "    return username",
        "tests/administration/test_admin_holds_no_secret.py",
        rule="a username no account has (a password typed in the wrong box) is kept only as a keyed hash",
    ),
    mutation(
        "dates-unbounded",
        "api/inputs.py",
        "    return EARLIEST_YEAR <= value.year <= LATEST_YEAR",
        "    return True",
        "tests/api/test_no_server_errors.py",
        rule="dates are read between 1900 and 2100 only",
    ),
    mutation(
        "case-reference-anything",
        "api/inputs.py",
        "    if not re.fullmatch(CASE_REF, value):\n        raise serializers.ValidationError({field: [MSG_CASE_REF]})",
        "    if False:\n        pass",
        "tests/api/test_no_submitted_value_is_kept_or_echoed.py",
        rule="a case query parameter is a case id or number; anything else is refused and kept nowhere",
    ),
    mutation(
        "error-echoes-value",
        "cases/errors.py",
        '        if error.params and "value" in error.params:',
        "        if False:",
        "tests/api/test_no_submitted_value_is_kept_or_echoed.py",
        rule="no error repeats a submitted value",
    ),
)


# --- running them ------------------------------------------------------------------------------------


class Interrupted(Exception):
    """SIGTERM or SIGHUP: unwind through every ``finally`` so the file is restored."""


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


def git_dirty(files: Sequence[str]) -> list[str]:
    out = subprocess.run(  # noqa: S603 - fixed arguments
        ["git", "status", "--porcelain", "--", *files],  # noqa: S607 - git from PATH
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line.strip()]


def mutated_source(m: Mutation, file: str, source: str) -> str:
    """``file``'s source with ``m``'s edits of it applied; ``ValueError`` unless each snippet is there
    exactly once and the result compiles (a mutant that does not even import would be killed for nothing)."""
    result = source
    for find, replace in m.edits(file):
        count = result.count(find)
        if count != 1:
            raise ValueError(f"{m.name}: a snippet occurs {count} times in {file}, not once (stale mutation?)")
        result = result.replace(find, replace)
    try:
        compile(result, file, "exec")
    except SyntaxError as exc:
        raise ValueError(f"{m.name}: the mutated {file} does not compile: {exc}") from None
    return result


@contextmanager
def applied(m: Mutation) -> Iterator[None]:
    """``m`` applied to its files for the duration; the original bytes and modification times are
    put back whatever happens (so no stale bytecode survives, and git sees the files unchanged)."""
    paths = [ROOT / file for file in m.files]
    originals = [(path, path.read_bytes(), path.stat()) for path in paths]
    mutated = [
        mutated_source(m, file, original.decode()).encode()
        for file, (_p, original, _s) in zip(m.files, originals, strict=True)
    ]
    try:
        for path, data in zip(paths, mutated, strict=True):
            path.write_bytes(data)
        yield
    finally:
        # No second Ctrl-C or SIGTERM halfway through putting the files back.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        try:
            for path, original, stat in originals:
                path.write_bytes(original)
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for file, (path, original, _stat) in zip(m.files, originals, strict=True):
            if path.read_bytes() != original:  # a full disk, say
                raise SystemExit(f"could not restore {file}: run `git checkout -- {file}`")


def run_tests(paths: Sequence[str], timeout: float) -> tuple[str, float]:
    """Run ``paths`` in one pytest process: ``passed``, ``failed`` (a test failed, or the mutant
    broke collection), ``timeout`` or ``error`` (pytest could not run the given paths)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our interpreter and fixed arguments
        [sys.executable, *PYTEST, *paths],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    elapsed = time.monotonic() - started
    # pytest: 0 all passed, 1 some failed, 2 interrupted (collection errors), 3 internal error,
    # 4 usage error (a path that does not exist), 5 nothing collected.
    if code == 0:
        return "passed", elapsed
    if code in (1, 2):
        return "failed", elapsed
    return "error", elapsed


@dataclass(frozen=True)
class Result:
    mutation: Mutation
    outcome: str  # killed | survived | error
    seconds: float

    @property
    def ok(self) -> bool:
        wanted = "survived" if self.mutation.equivalent else "killed"
        return self.outcome == wanted


def select(names: Sequence[str], start: str | None, skip: Sequence[str] = ()) -> list[Mutation]:
    known = {m.name for m in MUTATIONS}
    unknown = [n for n in [*names, *skip, *([start] if start else [])] if n not in known]
    if unknown:
        raise SystemExit(f"unknown mutation: {', '.join(unknown)} (see --list)")
    chosen = [m for m in MUTATIONS if (not names or m.name in names) and m.name not in skip]
    if start is not None:
        chosen = chosen[[m.name for m in chosen].index(start) :]
    return chosen


def check(mutations: Sequence[Mutation]) -> None:
    """Every snippet found once in the pristine file, every mutant compiles, every test path exists."""
    problems = []
    for m in mutations:
        for file in m.files:
            try:
                mutated_source(m, file, (ROOT / file).read_text())
            except ValueError as exc:
                problems.append(str(exc))
        for test in m.tests:
            if not (ROOT / test.split("::")[0]).exists():
                problems.append(f"{m.name}: no test file {test}")
    names = [m.name for m in MUTATIONS]
    problems += [f"duplicate name {n}" for n in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        raise SystemExit(2)


def print_table(results: Sequence[Result], markdown: bool) -> None:
    if markdown:
        print("| mutation | file | rule it removes or weakens | result |")
        print("| --- | --- | --- | --- |")
        for r in results:
            note = " (equivalent)" if r.mutation.equivalent else ""
            print(f"| `{r.mutation.name}` | `{r.mutation.file}` | {r.mutation.rule} | {r.outcome}{note} |")
        return
    width = max(len(r.mutation.name) for r in results)
    for r in results:
        flag = "" if r.ok else "   <-- " + ("listed as equivalent" if r.mutation.equivalent else "NOT KILLED")
        note = " (equivalent)" if r.mutation.equivalent else ""
        print(f"  {r.mutation.name:<{width}}  {r.outcome + note:<22} {r.seconds:6.1f} s  {r.mutation.file}{flag}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only NAME (repeatable)")
    parser.add_argument("--skip", action="append", default=[], metavar="NAME", help="leave NAME out (repeatable)")
    parser.add_argument("--from", dest="start", metavar="NAME", help="start at NAME (resume an interrupted run)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--check", action="store_true", help="check that every mutation applies, and exit")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run of the tests without mutations")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per test run (a hang counts as killed)")
    parser.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    args = parser.parse_args(argv)

    chosen = select(args.only, args.start, args.skip)
    if args.list:
        for m in chosen:
            print(f"{m.name:<46} {m.file:<28} {m.rule}{'  [equivalent]' if m.equivalent else ''}")
        return 0
    files = sorted({file for m in chosen for file in m.files})
    dirty = git_dirty(files)
    if dirty:
        print(
            "refusing to mutate files with uncommitted changes (commit or stash them; a file left mutated "
            "by a killed run is restored with `git checkout -- FILE`):\n  " + "\n  ".join(dirty),
            file=sys.stderr,
        )
        return 2
    check(chosen)
    if args.check:
        print(f"{len(chosen)} mutations apply cleanly")
        return 0
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        needing = [m.name for m in chosen if m.postgres]
        chosen = [m for m in chosen if not m.postgres]
        if needing:
            print(
                f"left out {len(needing)} mutations whose tests run on PostgreSQL only "
                f"(set DATABASE_URL=postgres://...): {', '.join(needing)}",
                file=sys.stderr,
            )
        if not chosen:
            return 0

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    started = time.monotonic()
    if not args.no_baseline:
        paths = list(dict.fromkeys(test for m in chosen for test in m.tests))
        outcome, seconds = run_tests(paths, args.timeout * 3)
        print(f"baseline: {len(paths)} test paths {outcome} without mutations ({seconds:.0f} s)", flush=True)
        if outcome != "passed":
            print("the tests must pass before anything is mutated", file=sys.stderr)
            return 2

    results: list[Result] = []
    current = chosen[0].name if chosen else ""
    try:
        for index, m in enumerate(chosen, 1):
            current = m.name
            with applied(m):
                outcome, seconds = run_tests(m.tests, args.timeout)
            verdict = {"passed": "survived", "failed": "killed", "timeout": "killed"}.get(outcome, "error")
            result = Result(m, verdict, seconds)
            results.append(result)
            note = " (timeout)" if outcome == "timeout" else ""
            equivalent = " (listed as equivalent)" if m.equivalent else ""
            print(f"[{index}/{len(chosen)}] {m.name}: {verdict}{note}{equivalent} ({seconds:.1f} s)", flush=True)
    except (KeyboardInterrupt, Interrupted) as exc:
        why = str(exc) or "Ctrl-C"
        print(f"\ninterrupted ({why}); every file restored. Resume with --from {current}", file=sys.stderr)
        return 130
    finally:
        left = git_dirty(files)
        if left:
            print("A TARGET FILE DIFFERS FROM GIT AFTER THE RUN:\n  " + "\n  ".join(left), file=sys.stderr)

    real = [r for r in results if not r.mutation.equivalent]
    killed = sum(1 for r in real if r.outcome == "killed")
    print(f"\n{len(results)} mutations in {time.monotonic() - started:.0f} s")
    print_table(results, args.markdown)
    print(f"\nkilled {killed} of {len(real)} mutations ({100 * killed / max(len(real), 1):.0f}%)", end="")
    print(f"; {len(results) - len(real)} listed as equivalent")
    bad = [r for r in results if not r.ok]
    for r in bad:
        if r.mutation.equivalent:
            print(f"{r.mutation.name}: listed as equivalent but {r.outcome}: update the list", file=sys.stderr)
        else:
            print(f"{r.mutation.name}: {r.outcome}: no test guards '{r.mutation.rule}'", file=sys.stderr)
    if any(r.outcome == "error" for r in results):
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
