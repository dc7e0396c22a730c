"""The web UI's forms: what a person types, checked for shape only. The rules are the services'
(cases, consent, referrals, accounts): a form never decides what is allowed, it only hands the
values on and shows the service's refusal beside the field it names (web.pages.attempt)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent, Verdict
from cases.models import AgencyKind, CaseOutcome, Custody, MeetingKind, NoteCategory, PresentRole, Track
from consent.models import Giver, Method
from referrals.models import ReferralStatus

MSG_YEAR_RANGE = _("Give a date between the years 1900 and 2100.")
MSG_YEAR_NOT_BEGUN = _("Choose a year that has begun.")
MSG_PASSWORDS_DIFFER = _("The two new passwords differ.")
CATEGORY_CHOICES = [
    ("identity", _("Identity")),
    ("meetings", _("Meetings")),
    ("visits", _("Visits")),
    ("notes", _("Notes")),
]


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time from the browser's picker, between 1900 and 2100 (as the API's)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs)

    def clean(self, value: Any) -> datetime | None:
        cleaned: datetime | None = super().clean(value)
        if cleaned is not None and not 1900 <= cleaned.year <= 2100:
            raise ValidationError(MSG_YEAR_RANGE, code="invalid")
        return cleaned


class BoundedDateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def clean(self, value: Any) -> date | None:
        cleaned: date | None = super().clean(value)
        if cleaned is not None and not 1900 <= cleaned.year <= 2100:
            raise ValidationError(MSG_YEAR_RANGE, code="invalid")
        return cleaned


class Form(forms.Form):
    """The UI's forms: labels without Django's trailing colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NoInput(Form):
    """A button with nothing to fill in (approve a closure, verify a form, remove a member): a
    bound, valid form whose only use is to carry a service's refusal to the page."""

    def __init__(self) -> None:
        super().__init__(data={})
        self.is_valid()


def text(label: Any, *, required: bool = True, max_length: int = 10_000, rows: int = 3) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, widget=forms.Textarea({"rows": rows}))


# --- signing in --------------------------------------------------------------------------------


class SignInForm(Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput({"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )
    otp = forms.RegexField(
        label=_("Code from the authenticator app"),
        regex=r"^\d{6}$",
        max_length=6,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class EnrolStartForm(Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput({"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("The password you were given"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )
    enrolment_code = forms.CharField(label=_("Enrolment code"), max_length=64, widget=forms.PasswordInput())


class EnrolConfirmForm(Form):
    otp = forms.RegexField(
        label=_("Code from the authenticator app"),
        regex=r"^\d{6}$",
        max_length=6,
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", MSG_PASSWORDS_DIFFER)
        return cleaned


# --- cases -------------------------------------------------------------------------------------


class CaseFilterForm(Form):
    track = forms.ChoiceField(label=_("Track"), choices=[("", _("All"))] + list(Track.choices), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), ("open", _("Open")), ("closed", _("Closed"))], required=False
    )
    district = forms.CharField(label=_("District"), max_length=100, required=False)


class LookupForm(Form):
    personal_number = forms.CharField(
        label=_("Personal identity number"), max_length=20, widget=forms.TextInput({"autocomplete": "off"})
    )


class CaseOpenForm(Form):
    track = forms.ChoiceField(label=_("Track"), choices=Track.choices)
    district = forms.CharField(label=_("District"), max_length=100)
    youth_personal_number = forms.CharField(label=_("Personal identity number"), max_length=20)
    youth_given_name = forms.CharField(label=_("Given name"), max_length=200)
    youth_family_name = forms.CharField(label=_("Family name"), max_length=200)
    youth_address = forms.CharField(label=_("Address"), max_length=500, required=False)
    youth_protected_identity = forms.BooleanField(label=_("Protected identity"), required=False)
    custody = forms.ChoiceField(label=_("Custody"), choices=Custody.choices, initial=Custody.UNKNOWN)
    summary = text(_("Summary"), required=False, max_length=100_000, rows=4)

    def youth(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "personal_number": data["youth_personal_number"],
            "given_name": data["youth_given_name"],
            "family_name": data["youth_family_name"],
            "address": data["youth_address"],
            "protected_identity": data["youth_protected_identity"],
        }


class GuardianForm(Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    personal_number = forms.CharField(label=_("Personal identity number"), max_length=20, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    custodian = forms.BooleanField(label=_("Custodian (vårdnadshavare)"), required=False, initial=True)
    protected_identity = forms.BooleanField(label=_("Protected identity"), required=False)


class CustodyForm(Form):
    custody = forms.ChoiceField(label=_("Custody"), choices=Custody.choices)
    version = forms.IntegerField(widget=forms.HiddenInput())


class MemberAddForm(Form):
    username = forms.CharField(label=_("Username"), max_length=150)


class CloseForm(Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CaseOutcome.choices)
    reason = text(_("Reason"))


class RejectForm(Form):
    reason = text(_("Reason"))


class EmergencyForm(Form):
    number = forms.CharField(label=_("Case number"), max_length=30)
    reason = forms.CharField(label=_("Reason"), min_length=10, max_length=10_000, widget=forms.Textarea({"rows": 3}))


# --- consents ----------------------------------------------------------------------------------


class ConsentForm(Form):
    giver = forms.ChoiceField(label=_("Who gives the consent"), choices=[])
    parties = forms.MultipleChoiceField(
        label=_("Shared with"), choices=[], widget=forms.CheckboxSelectMultiple, required=False
    )
    categories = forms.MultipleChoiceField(
        label=_("What is shared"), choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    valid_from = BoundedDateTimeField(label=_("Valid from"))
    valid_until = BoundedDateTimeField(label=_("Valid until"))
    method = forms.ChoiceField(label=_("How it was given"), choices=Method.choices)
    document_reference = forms.CharField(label=_("Document reference"), max_length=500, required=False)
    scan = forms.FileField(label=_("Signed form (PDF, JPEG or PNG)"), required=False)

    def __init__(self, *args: Any, givers: list[tuple[str, str]], agencies: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["giver"].choices = givers  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["parties"].choices = agencies  # type: ignore[attr-defined]

    def giver_values(self) -> dict[str, Any]:
        """``giver`` is ``youth`` or ``guardian:<id>``: the service's giver and guardian."""
        value = self.cleaned_data["giver"]
        if value == Giver.YOUTH:
            return {"giver": Giver.YOUTH, "guardian": None}
        return {"giver": Giver.GUARDIAN, "guardian": value.split(":", 1)[1]}


class WithdrawForm(Form):
    reason = text(_("Reason for the withdrawal"))


# --- records -----------------------------------------------------------------------------------


class VisitForm(Form):
    occurred_at = BoundedDateTimeField(label=_("When the visit took place"))
    participants = forms.MultipleChoiceField(
        label=_("Participants from the team"), choices=[], widget=forms.CheckboxSelectMultiple
    )
    present = forms.MultipleChoiceField(
        label=_("Who of the family was present"),
        choices=PresentRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    source = text(_("Source of the concern"), required=False)
    basis = text(_("Basis for the visit"))
    family_told = text(_("What the family was told"), required=False)
    notes = text(_("What was said"), required=False, max_length=100_000, rows=5)
    outcome = text(_("Outcome"))
    informed_voluntary = forms.BooleanField(label=_("The family was told the visit is voluntary"), required=False)
    screening_offered = forms.BooleanField(label=_("Drug screening offered"), required=False)
    screening_accepted = forms.ChoiceField(
        label=_("Screening accepted"),
        choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
    )
    screening_result = forms.CharField(label=_("Screening result"), max_length=2000, required=False)
    support_offered = text(_("Support offered"), required=False)
    follow_up_at = BoundedDateField(label=_("Follow-up date"), required=False)

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = members  # type: ignore[attr-defined]  # a ChoiceField

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        offered = data.pop("screening_offered")
        accepted = {"yes": True, "no": False}.get(data.pop("screening_accepted"))
        result = data.pop("screening_result")
        data["screening"] = {"offered": offered, "accepted": accepted, "result": result} if offered else None
        if data["screening"] is None:
            data.pop("screening")
        return data


class MeetingForm(Form):
    held_at = BoundedDateTimeField(label=_("When the meeting was held"))
    kind = forms.ChoiceField(
        label=_("Kind of meeting"),
        choices=[("", _("Chosen from the case"))] + list(MeetingKind.choices),
        required=False,
    )
    attendees = forms.MultipleChoiceField(
        label=_("Team members present"), choices=[], widget=forms.CheckboxSelectMultiple, required=False
    )
    present = forms.MultipleChoiceField(
        label=_("Who of the family was present"),
        choices=PresentRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    notes = text(_("Notes from the meeting"), required=False, max_length=100_000, rows=5)

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = members  # type: ignore[attr-defined]  # a ChoiceField


class ActionForm(Form):
    """One action-plan item (a formset of them goes with a meeting)."""

    agency = forms.ChoiceField(label=_("Agency"), choices=[("", "—")] + list(AgencyKind.choices), required=False)
    responsible = forms.CharField(label=_("Responsible"), max_length=200, required=False)
    action = forms.CharField(label=_("Action"), max_length=10_000, required=False)
    due_at = BoundedDateField(label=_("Due"), required=False)


ActionFormSet = forms.formset_factory(ActionForm, extra=3, max_num=50, absolute_max=50)


class NoteForm(Form):
    category = forms.ChoiceField(label=_("Category"), choices=NoteCategory.choices, initial=NoteCategory.NOTES)
    text = text(_("Note"), max_length=100_000, rows=5)


class PoliceLinkForm(Form):
    reference = forms.CharField(label=_("Police case reference"), max_length=100)


# --- referrals ---------------------------------------------------------------------------------


class ReferralForm(Form):
    youth_personal_number = forms.CharField(label=_("Personal identity number"), max_length=20)
    youth_given_name = forms.CharField(label=_("Given name"), max_length=200)
    youth_family_name = forms.CharField(label=_("Family name"), max_length=200)
    concern = text(_("What worries you"), max_length=20_000, rows=5)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)


class DecisionForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(v, label) for v, label in ReferralStatus.choices if v != ReferralStatus.RECEIVED]
    )
    reason = text(_("Reason"))
    track = forms.ChoiceField(
        label=_("Track (when a case is opened)"), choices=[("", "—")] + list(Track.choices), required=False
    )
    district = forms.CharField(label=_("District (when a case is opened)"), max_length=100, required=False)


class ReportForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000)
    district = forms.CharField(label=_("District"), max_length=100, required=False)

    def clean_year(self) -> int:
        year: int = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise ValidationError(MSG_YEAR_NOT_BEGUN, code="invalid")
        return year


# --- the auditor -------------------------------------------------------------------------------


class LogSearchForm(Form):
    actor = forms.CharField(label=_("User (username)"), max_length=150, required=False)
    case = forms.RegexField(
        label=_("Case number"),
        regex=r"^[A-Za-z]{1,10}-\d{4}-\d{4,7}$",
        max_length=40,
        required=False,
        error_messages={"invalid": _("Give a case number such as SSPF-2026-0001.")},
    )
    action = forms.ChoiceField(label=_("Kind of event"), choices=[("", _("All")), *AuditEvent.choices], required=False)
    since = BoundedDateField(label=_("From (date)"), required=False)
    until = BoundedDateField(label=_("To (date, inclusive)"), required=False)


class PeriodForm(Form):
    since = BoundedDateField(label=_("From (date)"))
    until = BoundedDateField(label=_("To (date, inclusive)"))


class ReviewStartForm(PeriodForm):
    sample_size = forms.IntegerField(label=_("Random sample (entries)"), min_value=0, max_value=500, initial=20)


class ReviewMarkForm(Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False)


class SignOffForm(Form):
    conclusion = text(_("Conclusion"), max_length=20_000, rows=4)
