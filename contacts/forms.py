"""Page forms: one thing per MARF page, the phone-contact form, the public report. Field names follow the API's."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .choices import (
    PUBLIC_RELATIONSHIPS,
    Channel,
    Consent,
    ConsentReason,
    Ethnicity,
    ParentsAware,
    PersonRole,
    ReferralSource,
    Sex,
)
from .models import CONCERNS_MAX, NAME_MAX, NOTES_MAX, TEXT_MAX
from .serializers import EARLIEST_BIRTH, EXPECTANT_PARENT, clean_postcode, expected_date_problem
from .submissions import ContactSubmission, SubmittedPerson


class DatePartsWidget(forms.MultiWidget):
    """GOV.UK date input: day, month, year boxes (rendered by contacts/partials/field.html)."""

    def __init__(self):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()])

    def decompress(self, value):
        if isinstance(value, str) and value:
            try:
                value = date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date from three boxes, with the GOV.UK pattern's messages."""

    widget = DatePartsWidget

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        self.noun = label
        part = {"invalid": f"{label} must be a real date", "incomplete": f"{label} must include a day, month and year"}
        fields = (
            forms.IntegerField(min_value=1, max_value=31, error_messages=part),
            forms.IntegerField(min_value=1, max_value=12, error_messages=part),
            forms.IntegerField(min_value=1000, max_value=9999, error_messages=part),
        )
        super().__init__(
            fields,
            label=label,
            required=required,
            require_all_fields=False,
            error_messages={"required": f"Enter {label.lower()}", "incomplete": part["incomplete"]},
            **kwargs,
        )

    def compress(self, values):
        if not values or all(v in (None, "") for v in values):
            return None
        if any(v in (None, "") for v in values):
            raise ValidationError(f"{self.noun} must include a day, month and year")
        day, month, year = values
        try:
            return date(year, month, day)
        except (ValueError, OverflowError):  # OverflowError: a part too large for the C date (10**23)
            raise ValidationError(f"{self.noun} must be a real date") from None

    def clean(self, value):
        # Django checks sub-fields first and its messages would be generic; check the parts as GOV.UK says.
        if isinstance(value, list | tuple) and all(str(v or "").strip() == "" for v in value):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return None
        if isinstance(value, list | tuple) and any(str(v or "").strip() == "" for v in value):
            raise ValidationError(f"{self.noun} must include a day, month and year")
        try:
            parts = [int(str(v).strip()) for v in value]
        except (TypeError, ValueError):
            raise ValidationError(f"{self.noun} must be a real date") from None
        return self.compress(parts)


def birth_date_errors(value: date | None) -> str | None:
    if value is None:
        return None
    if value > timezone.localdate():
        return "Date of birth must be today or in the past"
    if value < EARLIEST_BIRTH:
        return "Date of birth must be after 1 January 1900"
    return None


BORN_CHOICES = [("yes", "Yes"), ("no", "No, not yet (a pre-birth referral)")]


BORN_REQUIRED = "Select whether the child has been born"


def born_field(label="Has the child been born?"):
    """GOV.UK radios: "No" reveals the expected date of delivery (and the expectant mother), "Yes" the date of
    birth (templates: contacts/partials/birth_fields.html). Checked in ``clean_birth``: a page that sent only a
    date of birth (an older page, a bookmark) means "Yes"."""
    return forms.ChoiceField(label=label, choices=BORN_CHOICES, required=False, widget=forms.RadioSelect)


def expected_date_field(label="Expected date of delivery", **kwargs):
    return DateField(label=label, required=False, help_text="For example, 27 3 2027", **kwargs)


def clean_birth(form, *, born: str, date_of_birth: str, expected_date: str, birth_date_required: bool) -> bool:
    """One rule for the page forms (as the API's ``check_unborn``): an unborn child needs an expected date of
    delivery in range, and the date of birth boxes, hidden by the reveal, are ignored; a born child needs a date
    of birth when ``birth_date_required``. Adds field errors; returns whether the child is unborn."""
    data = form.cleaned_data
    if not data.get(born) and born not in form.errors:
        if data.get(date_of_birth) is not None or date_of_birth in form.errors:
            data[born] = "yes"
        elif data.get(expected_date) is not None:
            data[born] = "no"
        elif birth_date_required:
            form.add_error(born, BORN_REQUIRED)
    unborn = data.get(born) == "no"
    if unborn:
        data[date_of_birth] = None
        form.errors.pop(date_of_birth, None)
        if expected_date not in form.errors:
            problem = expected_date_problem(data.get(expected_date))
            if problem:
                form.add_error(expected_date, problem)
    else:
        data[expected_date] = None
        form.errors.pop(expected_date, None)
        if birth_date_required and data.get(born) == "yes" and date_of_birth not in form.errors:
            if data.get(date_of_birth) is None:
                form.add_error(date_of_birth, "Enter the child's date of birth")
    return unborn


def _sentence_start(noun: str) -> str:
    return noun[:1].upper() + noun[1:]


def text_field(
    label, max_length, *, required=False, textarea=False, help_text="", rows=5, required_message="", noun=""
):
    """A GOV.UK text input or textarea with the Design System's error wording (shared by every page form).

    Messages are written per field: ``required_message`` ("Enter what you are worried about") and ``noun``, what
    the field is called in a sentence ("The reason must be 500 characters or fewer"). A label that is a question
    cannot go inside a sentence, so a question needs both (a required one) or ``noun`` (an optional one)."""
    question = label.rstrip().endswith("?") or "," in label or "(" in label
    if question and not noun:
        raise ValueError(f"text_field({label!r}): a question needs noun=, what the field is called in a sentence")
    if question and required and not required_message:
        raise ValueError(f"text_field({label!r}): a required question needs required_message=")
    widget = forms.Textarea(attrs={"rows": rows}) if textarea else forms.TextInput()
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=widget,
        help_text=help_text,
        error_messages={
            "required": required_message or f"Enter {(noun or label)[0].lower() + (noun or label)[1:]}",
            "max_length": f"{_sentence_start(noun or label)} must be {max_length:,} characters or fewer",
        },
    )


def radios_field(label, choices, *, required=True, help_text="", required_message=""):
    """GOV.UK radios; the error says what to select, in words written for the question (``required_message``,
    "Select whether the parents know about this referral"): a question's label cannot be turned into one."""
    if label.rstrip().endswith("?") and required and not required_message:
        raise ValueError(f"radios_field({label!r}): a required question needs required_message=")
    messages = {}
    if required_message or not label.rstrip().endswith("?"):
        messages["required"] = required_message or f"Select {label[0].lower() + label[1:]}"
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages=messages,
    )


class DraftForm(forms.Form):
    """A MARF page: reads its initial values from the draft, writes its cleaned values back in API shape."""

    def to_draft(self) -> dict:
        out = {}
        for name, value in self.cleaned_data.items():
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out


class ChildForm(DraftForm):
    first_name = text_field(
        "First name", NAME_MAX, required=True, help_text="For an unborn child, write Unborn or the planned name"
    )
    last_name = text_field("Last name", NAME_MAX, required=True)
    born = born_field()
    date_of_birth = DateField(label="Date of birth", required=False, help_text="For example, 27 3 2015")
    expected_date = expected_date_field()
    sex = radios_field("Sex", Sex.choices)
    ethnicity = forms.ChoiceField(
        label="Ethnicity", choices=[("", "Choose ethnicity"), *Ethnicity.choices], required=False
    )
    disability = text_field(
        "Disability or special educational needs (if any)", TEXT_MAX, noun="disability or special educational needs"
    )
    postcode = text_field("Postcode, if different from the family's home", 16, noun="the child's postcode")

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        error = birth_date_errors(value)
        if error:
            raise ValidationError(error)
        return value

    def __init__(self, *args, initial=None, **kwargs):
        if initial is not None and "born" not in initial and ("unborn" in initial or initial.get("date_of_birth")):
            initial = {**initial, "born": "no" if initial.get("unborn") else "yes"}
        super().__init__(*args, initial=initial, **kwargs)

    def clean_postcode(self):
        return _postcode(self.cleaned_data["postcode"])

    def clean(self):
        data = super().clean()
        clean_birth(self, born="born", date_of_birth="date_of_birth", expected_date="expected_date",
                    birth_date_required=True)  # fmt: skip
        return data

    def to_draft(self) -> dict:
        out = super().to_draft()
        out["unborn"] = out.pop("born", "") == "no"
        return out


class HouseholdMemberForm(DraftForm):
    role = radios_field(
        "How are they connected to the child?", [c for c in PersonRole.choices if c[0] != "child"],
        required_message="Select how they are connected to the child",
    )  # fmt: skip
    relationship = text_field(
        "Relationship to the child",
        NAME_MAX,
        help_text="For example, mother, step-father, aunt. For an unborn child, add the mother or expectant parent",
    )
    first_name = text_field("First name", NAME_MAX, required=True)
    last_name = text_field("Last name", NAME_MAX, required=True)
    date_of_birth = DateField(label="Date of birth", required=False, help_text="Leave blank if you do not know it")
    phone = text_field("Phone number", 30)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        error = birth_date_errors(value)
        if error:
            raise ValidationError(error)
        return value


class AddAnotherForm(forms.Form):
    add_another = radios_field(
        "Do you need to add another?", [("yes", "Yes"), ("no", "No")],
        required_message="Select whether you need to add another person",
    )  # fmt: skip


def _postcode(value):
    try:
        return clean_postcode(value)
    except Exception as exc:
        raise ValidationError("Enter a real UK postcode, like CB1 2AB") from exc


class FamilyForm(DraftForm):
    address = text_field("Home address", 300, textarea=True, rows=3)
    postcode = text_field("Postcode", 16)
    school = text_field("School, nursery or college", TEXT_MAX, noun="the school, nursery or college")
    gp = text_field("GP practice", TEXT_MAX)
    language = text_field("Main language spoken at home", NAME_MAX)
    interpreter_needed = forms.BooleanField(label="The family needs an interpreter", required=False)

    def clean_postcode(self):
        return _postcode(self.cleaned_data["postcode"])


PROFESSIONAL_SOURCES = [c for c in ReferralSource.choices if c[0] not in ("1A", "1B", "1C", "1D", "9", "10")]


class ReferrerForm(DraftForm):
    source = forms.ChoiceField(
        label="Which service are you referring from?",
        choices=[("", "Choose a service"), *PROFESSIONAL_SOURCES],
        error_messages={"required": "Select which service you are referring from"},
    )
    referrer_name = text_field("Your name", TEXT_MAX, required=True)
    referrer_role = text_field("Your job title", TEXT_MAX, required=True)
    referrer_organisation = text_field("Your organisation", TEXT_MAX, required=True)
    referrer_email = forms.EmailField(
        label="Email address",
        max_length=254,
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.org"},
    )
    referrer_phone = text_field("Phone number", 30, help_text="So the MASH can call you back today")


class ConcernsForm(DraftForm):
    concerns = text_field(
        "What are you worried about?",
        CONCERNS_MAX,
        required=True,
        textarea=True,
        rows=10,
        help_text="Say what has happened, how you found out, what the child has said, and what worries you most.",
        required_message="Enter what you are worried about",
        noun="what you are worried about",
    )
    support_provided = text_field(
        "What support has your service given, or will it give?", NOTES_MAX, textarea=True, rows=4,
        noun="the support your service has given",
    )  # fmt: skip
    urgent = forms.BooleanField(
        label="I believe the child is at immediate risk of significant harm",
        required=False,
        help_text="If a child is in immediate danger, call 999 or the police first. Ticking this puts the "
        "referral at the top of the MASH queue and alerts the managers on duty at once.",
    )


class ConsentForm(DraftForm):
    parents_aware = radios_field(
        "Do the parents or carers know you are making this referral?", ParentsAware.choices,
        required_message="Select whether the parents or carers know about this referral",
    )  # fmt: skip
    consent_to_referral = radios_field(
        "Have they agreed to the referral?", Consent.choices,
        required_message="Select whether they have agreed to the referral",
    )  # fmt: skip
    consent_to_sharing = radios_field(
        "Have they agreed to information about them being shared?", Consent.choices,
        required_message="Select whether they have agreed to information about them being shared",
    )  # fmt: skip
    consent_reason = radios_field(
        "If they have not agreed, or you did not ask, why?",
        ConsentReason.choices,
        required=False,
        help_text="You can share without consent when asking would put the child or someone else at risk.",
    )
    consent_decided_by = text_field(
        "Who decided to refer without consent?", TEXT_MAX, help_text="Name and job title",
        noun="the name of who decided to refer without consent",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        given = data.get("consent_to_referral") == Consent.GIVEN and data.get("consent_to_sharing") == Consent.GIVEN
        if not given and data.get("consent_to_referral") and data.get("consent_to_sharing"):
            if not data.get("consent_reason"):
                self.add_error("consent_reason", "Select why consent was not given or not sought")
            if not data.get("consent_decided_by"):
                self.add_error("consent_decided_by", "Enter who decided to refer without consent")
        elif given:
            data["consent_reason"] = ""
        return data


class ThresholdForm(DraftForm):
    threshold_level = forms.ChoiceField(
        label="Which level of need do you think applies?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the level of need you think applies, or 'I am not sure'"},
    )

    def __init__(self, *args, levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threshold_level"].choices = [
            *[(str(level.number), f"Level {level.number}: {level.name}") for level in levels],
            ("", "I am not sure"),
        ]
        self.fields["threshold_level"].required = False

    def to_draft(self):
        value = self.cleaned_data.get("threshold_level")
        return {"threshold_level": int(value) if value else None}


class PhoneContactForm(DraftForm):
    """A call to the advice line, recorded by a MASH social worker (it may have come in earlier today)."""

    received_date = DateField(label="Date of the call")
    received_time = forms.TimeField(
        label="Time of the call",
        help_text="24-hour clock, for example 09:30",
        error_messages={"required": "Enter the time of the call", "invalid": "Enter a real time, like 09:30"},
    )
    referrer_name = text_field("Caller's name", TEXT_MAX, required=True, noun="the caller's name")
    referrer_role = text_field(
        "Caller's job title or relationship to the child", TEXT_MAX,
        noun="the caller's job title or relationship to the child",
    )  # fmt: skip
    referrer_organisation = text_field("Caller's organisation", TEXT_MAX, noun="the caller's organisation")
    referrer_phone = text_field("Caller's phone number", 30, noun="the caller's phone number")
    source = forms.ChoiceField(
        label="Source of the contact",
        choices=[("", "Choose a source"), *ReferralSource.choices],
        error_messages={"required": "Select the source of the contact"},
    )
    child_first_name = text_field("Child's first name", NAME_MAX, required=True, noun="the child's first name")
    child_last_name = text_field("Child's last name", NAME_MAX, required=True, noun="the child's last name")
    child_born = born_field()
    child_date_of_birth = DateField(label="Child's date of birth", required=False)
    child_expected_date = expected_date_field()
    mother_first_name = text_field(
        "Mother's or expectant parent's first name", NAME_MAX, noun="the mother's or expectant parent's first name"
    )
    mother_last_name = text_field(
        "Mother's or expectant parent's last name", NAME_MAX, noun="the mother's or expectant parent's last name"
    )
    postcode = text_field("Postcode of the child's home", 16)
    concerns = text_field("What the caller is worried about", CONCERNS_MAX, required=True, textarea=True, rows=6)
    call_notes = text_field("Call details", NOTES_MAX, textarea=True, rows=4, help_text="Advice given, agreed actions")
    urgent = forms.BooleanField(
        label="The caller believes the child is at immediate risk",
        required=False,
        help_text="Puts the contact at the top of the queue and alerts the managers on duty at once.",
    )
    parents_aware = radios_field(
        "Do the parents or carers know about this call?", ParentsAware.choices,
        required_message="Select whether the parents or carers know about this call",
    )  # fmt: skip
    consent_to_referral = radios_field(
        "Consent to the referral",
        Consent.choices,
        required_message="Select whether the family consented to the referral",
    )
    consent_to_sharing = radios_field(
        "Consent to sharing information", Consent.choices,
        required_message="Select whether the family consented to sharing information",
    )  # fmt: skip
    consent_reason = radios_field("If consent was not given or not sought, why?", ConsentReason.choices, required=False)
    consent_decided_by = text_field(
        "Who decided to proceed without consent?", TEXT_MAX, noun="the name of who decided to proceed without consent"
    )

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean_child_date_of_birth(self):
        value = self.cleaned_data["child_date_of_birth"]
        error = birth_date_errors(value)
        if error:
            raise ValidationError(error)
        return value

    def clean_postcode(self):
        return _postcode(self.cleaned_data["postcode"])

    def clean(self):
        data = super().clean()
        day, at = data.get("received_date"), data.get("received_time")
        if day and at:
            zone = ZoneInfo(self.tenant.time_zone if self.tenant else "Europe/London")
            received = datetime.combine(day, time(at.hour, at.minute), tzinfo=zone)
            if received > timezone.now():
                self.add_error("received_time", "The call must be now or in the past")
            data["received_at"] = received
        given = data.get("consent_to_referral") == Consent.GIVEN and data.get("consent_to_sharing") == Consent.GIVEN
        if not given and data.get("consent_to_referral") and data.get("consent_to_sharing"):
            if not data.get("consent_reason"):
                self.add_error("consent_reason", "Select why consent was not given or not sought")
            if not data.get("consent_decided_by"):
                self.add_error("consent_decided_by", "Enter who decided to proceed without consent")
        unborn = clean_birth(self, born="child_born", date_of_birth="child_date_of_birth",
                             expected_date="child_expected_date", birth_date_required=True)  # fmt: skip
        if unborn and not data.get("mother_first_name"):
            self.add_error("mother_first_name", "Enter the first name of the mother or expectant parent")
        return data

    def to_submission(self) -> ContactSubmission:
        d = self.cleaned_data
        unborn = d["child_born"] == "no"
        return ContactSubmission(
            channel=Channel.PHONE,
            received_at=d["received_at"],
            children=(
                SubmittedPerson(
                    first_name=d["child_first_name"],
                    last_name=d["child_last_name"],
                    date_of_birth=None if unborn else d["child_date_of_birth"],
                    unborn=unborn,
                    expected_date=d["child_expected_date"] if unborn else None,
                    postcode=d["postcode"],
                ),
            ),
            household=_expectant_parent(d["mother_first_name"], d["mother_last_name"] or d["child_last_name"])
            if unborn
            else (),
            **{
                f: d[f]
                for f in (
                    "referrer_name",
                    "referrer_role",
                    "referrer_organisation",
                    "referrer_phone",
                    "source",
                    "postcode",
                    "concerns",
                    "call_notes",
                    "urgent",
                    "parents_aware",
                    "consent_to_referral",
                    "consent_to_sharing",
                    "consent_reason",
                    "consent_decided_by",
                )
            },
        )


class PublicReportForm(forms.Form):
    """Plain words for anyone worried about a child. Nothing is required but the worry and a first name."""

    concerns = text_field(
        "What are you worried about?",
        CONCERNS_MAX,
        required=True,
        textarea=True,
        rows=8,
        help_text="Tell us what you have seen or heard, when it happened, and who was there.",
        required_message="Enter what you are worried about",
        noun="what you are worried about",
    )
    child_first_name = text_field(
        "The child's first name", NAME_MAX, required=True, required_message="Enter the child's first name"
    )
    child_last_name = text_field("The child's last name, if you know it", NAME_MAX, noun="the child's last name")
    child_born = born_field("Has the child been born?")
    child_date_of_birth = DateField(label="The child's date of birth, if you know it", required=False)
    child_expected_date = expected_date_field("When is the baby due?")
    mother_first_name = text_field("The mother's first name, if you know it", NAME_MAX, noun="the mother's first name")
    mother_last_name = text_field("The mother's last name, if you know it", NAME_MAX, noun="the mother's last name")
    address = text_field(
        "Where does the child live, if you know?", 300, textarea=True, rows=3, noun="the child's address"
    )
    postcode = text_field("Postcode, if you know it", 16, noun="the postcode")
    relationship = radios_field(
        "How do you know the child?",
        [(k, label) for k, (label, _s) in PUBLIC_RELATIONSHIPS.items()],
        required=False,
    )
    urgent = forms.BooleanField(
        label="I think the child is at risk of serious harm right now",
        required=False,
        help_text="If a child is in immediate danger, call 999 now. Ticking this means we look at your report first.",
    )
    reporter_name = text_field("Your name", TEXT_MAX, help_text="Leave this blank if you do not want to give your name")
    reporter_phone = text_field("Your phone number", 30, help_text="So we can call you if we need to know more")
    reporter_email = forms.EmailField(
        label="Your email address",
        max_length=254,
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )

    def clean_child_date_of_birth(self):
        value = self.cleaned_data["child_date_of_birth"]
        error = birth_date_errors(value)
        if error:
            raise ValidationError(error)
        return value

    def clean_postcode(self):
        return _postcode(self.cleaned_data["postcode"])

    def clean(self):
        data = super().clean()
        clean_birth(self, born="child_born", date_of_birth="child_date_of_birth", expected_date="child_expected_date",
                    birth_date_required=False)  # fmt: skip
        return data

    def to_api_data(self) -> dict:
        d = self.cleaned_data
        child = {"first_name": d["child_first_name"], "last_name": d["child_last_name"]}
        if d.get("child_born") == "no":
            child["unborn"] = True
            child["expected_date"] = d["child_expected_date"].isoformat() if d.get("child_expected_date") else None
        elif d["child_date_of_birth"]:
            child["date_of_birth"] = d["child_date_of_birth"].isoformat()
        mother = {}
        if child.get("unborn") and (d.get("mother_first_name") or d.get("mother_last_name")):
            mother = {"mother_first_name": d["mother_first_name"], "mother_last_name": d["mother_last_name"]}
        return {
            **mother,
            "children": [child],
            **{k: d[k] for k in ("concerns", "address", "postcode", "relationship", "reporter_name",
                                 "reporter_phone", "reporter_email", "urgent")},
        }  # fmt: skip


def _expectant_parent(first_name: str, last_name: str) -> tuple[SubmittedPerson, ...]:
    """The mother (or expectant parent) of an unborn child, as a household member of the contact."""
    if not first_name:
        return ()
    return (
        SubmittedPerson(
            first_name=first_name, last_name=last_name, role=PersonRole.PARENT, relationship=EXPECTANT_PARENT
        ),
    )
