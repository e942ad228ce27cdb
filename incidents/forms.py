import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from agreements.models import DSA_GATEWAYS
from schools.models import Pupil
from ssp.forms import GovukDateField, needed_when_shown
from ssp.submissions import SubmissionField

from .models import (
    IMAGE_CATEGORIES,
    POLICE_RELEVANT,
    WEAPON_CATEGORIES,
    Category,
    Concern,
    ConcernPupil,
    Enquiry,
    Incident,
    PoliceOutcome,
    police_reference_validator,
)
from .uploads import ALLOWED_DESCRIPTION, MAX_FILES, clean_upload, original_name, scan_unavailable

CATEGORY_CHOICES = [
    ("", "Choose a category"),
    (
        "Police should be involved, and it must be recorded",
        [(c.value, c.label) for c in Category if c in POLICE_RELEVANT],
    ),
    ("Other concerns", [(c.value, c.label) for c in Category if c not in POLICE_RELEVANT]),
]


# A pupil may disclose, years later, something that happened in early childhood: the date it
# happened is bounded by a childhood, not by the school year.
HAPPENED_WITHIN_YEARS = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the pattern from Django's documentation)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


IMAGE_FACTS_NEEDED = {
    "image_description": "Describe the images, without copying, saving or forwarding them",
    "device_location": "Say where the device is now",
    "who_has_been_told": "Say who has been told about the images",
}


class ConcernForm(forms.Form):
    """A concern in the reporter's words. Pupils are added by name (see PupilPicker)."""

    category = forms.ChoiceField(
        choices=CATEGORY_CHOICES,
        help_text="The first group, “Police should be involved”, are incidents that must be "
        "recorded. Your SPOC decides what happens next.",
        error_messages={"required": "Choose the category that fits best"},
    )
    narrative = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="In your own words: what you saw or were told, by whom, and what was said. "
        "Use the pupils' own words where you can.",
        max_length=20000,
        error_messages={"required": "Say what happened, in your own words"},
    )
    happened_on = GovukDateField(
        label="Date it happened",
        help_text="For example, 27 11 2026. The portal records when you logged this; give "
        "the date it happened, which may be earlier.",
        past=HAPPENED_WITHIN_YEARS,
        future=0,
    )
    happened_time = forms.TimeField(
        label="Time it happened",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    location = forms.ChoiceField(
        label="Where it happened",
        choices=Concern.Location.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where it happened"},
    )
    immediate_risk = forms.TypedChoiceField(
        label="Do you believe a child is at immediate risk of harm?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        help_text="If a child is in immediate danger, call 999 first.",
        error_messages={
            "required": "Choose yes if you believe a child is at immediate risk of harm"
        },
    )
    # Needed for the three image categories only (see clean()), and shown only for them.
    image_description = needed_when_shown(
        forms.CharField(
            label="Describe the images (do not copy, save or forward them)",
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    )
    device_location = needed_when_shown(
        forms.CharField(label="Where is the device now?", required=False, max_length=300)
    )
    who_has_been_told = needed_when_shown(
        forms.CharField(label="Who has been told?", required=False, max_length=300)
    )
    once = SubmissionField()
    attachments = MultipleFileField(
        label="Attachments",
        required=False,
        help_text=f"{ALLOWED_DESCRIPTION}. Never attach images of the three image categories.",
    )

    def __init__(self, *args, too_large=(), uploader=None, **kwargs):
        self.too_large = list(too_large)
        self.uploader = uploader
        super().__init__(*args, **kwargs)

    def clean_attachments(self):
        files = self.cleaned_data["attachments"]
        errors = [f"“{name}” is larger than 10 MB." for name in self.too_large]
        if len(files) > MAX_FILES:
            errors.append(f"Attach at most {MAX_FILES} files.")
        cleaned = []
        scanner_silent = False
        for upload in files:
            if scanner_silent:
                # One wait for a silent clamd is enough: five would outlast the web worker.
                errors.extend(scan_unavailable(original_name(upload)).messages)
                continue
            try:
                cleaned.append(clean_upload(upload, uploader=self.uploader))
            except ValidationError as error:
                errors.extend(error.messages)
                scanner_silent = any(e.code == "scan_unavailable" for e in error.error_list)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category in IMAGE_CATEGORIES:
            if self.files.getlist("attachments") or self.too_large:
                self.add_error(
                    "attachments",
                    "Do not attach any file for this category. "
                    "Describe the images instead, and say where the device is.",
                )
            # One message per problem: the error summary lists each, so each must say which.
            for name, message in IMAGE_FACTS_NEEDED.items():
                if not data.get(name, "").strip():
                    self.add_error(name, message)
        happened_on, at = data.get("happened_on"), data.get("happened_time")
        if happened_on:
            moment = timezone.make_aware(
                datetime.datetime.combine(happened_on, at or datetime.time(0, 0))
            )
            if moment > timezone.now():
                self.add_error("happened_time", "The time it happened must be in the past.")
            data["happened_at"] = moment
        return data


class EarlyInterventionForm(forms.Form):
    once = SubmissionField()
    narrative = forms.CharField(
        label="What have you noticed, and why might they need early help?",
        error_messages={"required": "Say what you have noticed and why"},
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        help_text="For example changes in behaviour, attendance, friendships, or signs of "
        "exploitation. Your SPOC decides whether to refer.",
    )


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


class PupilPicker:
    """The pupils added to a concern so far, each with their own role.

    Kept in the form as hidden pupil codes and one role field each, so search, add and
    remove are plain form posts and nothing typed is lost between them.
    """

    def __init__(self, data, pupils_qs, roles=ConcernPupil.Role):
        self.data = data
        self.roles = roles
        self.pupils_qs = pupils_qs
        codes = [c for c in (data.getlist("pupils") if data else []) if _is_uuid(c)]
        self.pupils = list(pupils_qs.filter(code__in=codes)) if codes else []
        self.rejected = len(set(data.getlist("pupils") if data else [])) != len(self.pupils)
        self.errors: list[str] = []

    def add(self, code: str) -> None:
        pupil = self.pupils_qs.filter(code=code).first() if _is_uuid(code) else None
        if pupil is not None and pupil not in self.pupils:
            self.pupils.append(pupil)

    def remove(self, code: str) -> None:
        self.pupils = [p for p in self.pupils if str(p.code) != code]

    def role_of(self, pupil) -> str:
        return self.data.get(f"role_{pupil.code}", "") if self.data else ""

    def rows(self):
        return [(p, self.role_of(p)) for p in self.pupils]

    def is_valid(self) -> bool:
        if self.rejected:
            self.errors.append("Choose pupils from your own school.")
        if not self.pupils:
            self.errors.append("Add at least one pupil.")
        valid_roles = set(self.roles.values)
        for pupil in self.pupils:
            if self.role_of(pupil) not in valid_roles:
                self.errors.append(f"Choose {pupil}'s role.")
        return not self.errors


def search_pupils(pupils_qs, query: str):
    # No name holds a NUL, and PostgreSQL refuses one in a query: it separates words.
    words = query.replace("\x00", " ").split()[:3]
    if not words:
        return Pupil.objects.none()
    found = pupils_qs
    for word in words:
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return found.order_by("last_name", "first_name")[:20]


def _reasons(help_text: str) -> forms.CharField:
    """The SPOC's reasons for a triage decision, on the concern's page and on the share's."""
    return forms.CharField(
        label="Why you decided this",
        error_messages={"required": "Explain why you made this decision"},
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=help_text,
    )


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        error_messages={"required": "Choose a decision"},
        widget=forms.RadioSelect,
        choices=[
            (Concern.Status.IN_SCHOOL, "Handle within school"),
            (Concern.Status.SHARED, "Share with the Safer Schools Police Officer"),
            (Concern.Status.EARLY_INTERVENTION, "Refer for early intervention"),
            (Concern.Status.NO_FURTHER_ACTION, "No further action"),
        ],
    )
    rationale = _reasons(
        "Record your reasons, including why you are or are not sharing with the police."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, concern: Concern, share_block: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        allowed = Concern.MOVES[Concern.Status(concern.status)]
        self.fields["decision"].choices = [
            (
                value,
                label
                + (
                    f" (not possible: {share_block})"
                    if value == Concern.Status.SHARED and share_block
                    else ""
                ),
            )
            for value, label in self.fields["decision"].choices
            if value in allowed
        ]


class ShareForm(forms.Form):
    """The confirmation of a decision that shares a concern with the SSPO."""

    decision = forms.ChoiceField(
        widget=forms.HiddenInput,
        choices=[
            (Concern.Status.SHARED, "Share with the Safer Schools Police Officer"),
            (Concern.Status.EARLY_INTERVENTION, "Refer for early intervention"),
        ],
    )
    gateway = forms.ChoiceField(
        label="Legal gateway",
        choices=DSA_GATEWAYS,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the legal gateway the concern is shared through",
            "invalid_choice": "Choose the legal gateway the concern is shared through",
        },
        help_text="The law that lets the school give the police this information. The data "
        "sharing agreement's usual one is chosen.",
    )
    purpose = forms.CharField(
        label="Purpose of the share",
        max_length=300,
        error_messages={"required": "Say what the officer needs the concern for"},
        help_text="What the officer needs it for, as the sharing log will record it.",
    )
    rationale = _reasons("The officer reads your reasons with the concern.")
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteForm(forms.Form):
    once = SubmissionField()
    text = forms.CharField(
        error_messages={"required": "Enter the correction or further information"},
        label="Add a correction or further information",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="The original entry is never changed; your note appears beside it.",
    )


# Browsers accept only ISO dates in a date input, whatever the page's language.
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Concern.Status.choices]
    )
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *Category.choices])
    date_from = forms.DateField(
        label="Logged from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label="Logged to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pupil = forms.CharField(label="Pupil name", required=False, max_length=100)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What did the police do?",
        choices=PoliceOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the police did"},
    )
    rationale = forms.CharField(
        label="Details",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Required for “No police action”: say why. The school's SPOC sees this.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("outcome") == PoliceOutcome.NO_ACTION
            and not data.get("rationale", "").strip()
        ):
            self.add_error("rationale", "Explain why there is no police action")
        return data


# The facts each incident category asks for, in the form's order (services.IncidentFacts
# keeps the same ones for each category).
FACT_GROUPS = (
    (
        "weapons",
        "Weapons and blades",
        WEAPON_CATEGORIES,
        ("item_kind", "item_seized", "item_handed_to"),
    ),
    ("drugs", "Drugs", frozenset({Category.DRUGS}), ("drugs_description", "drugs_quantity")),
    (
        "injuries",
        "Serious visible injuries",
        frozenset({Category.SERIOUS_INJURY}),
        ("injury_nature",),
    ),
    ("images", "Images", IMAGE_CATEGORIES, ("device_status", "device_reference")),
)


class IncidentForm(forms.Form):
    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose the school"}, empty_label="Choose"
    )
    category = forms.ChoiceField(
        choices=CATEGORY_CHOICES, error_messages={"required": "Choose the category"}
    )
    narrative = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={"required": "Say what happened"},
    )
    happened_on = GovukDateField(
        label="Date it happened",
        help_text="For example, 27 11 2026.",
        past=HAPPENED_WITHIN_YEARS,
        future=0,
    )
    happened_time = forms.TimeField(
        label="Time it happened", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    location = forms.ChoiceField(
        label="Where it happened",
        choices=Incident.Location.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where it happened"},
    )
    place = forms.CharField(label="Where exactly", required=False, max_length=300)
    # The facts of each category (FACT_GROUPS): the page shows the chosen category's group
    # only, and clean() judges and keeps that group only.
    item_kind = needed_when_shown(
        forms.CharField(label="Kind of item", required=False, max_length=200)
    )
    item_seized = needed_when_shown(
        forms.TypedChoiceField(
            label="Was the item seized?",
            required=False,
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect,
            coerce=lambda v: v == "yes",
            empty_value=None,
        )
    )
    item_handed_to = forms.CharField(label="Handed over to", required=False, max_length=200)
    drugs_description = needed_when_shown(
        forms.CharField(label="What was found", required=False, max_length=300)
    )
    drugs_quantity = forms.CharField(label="How much", required=False, max_length=100)
    injury_nature = needed_when_shown(
        forms.CharField(
            label="Nature of the injuries",
            required=False,
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
    )
    device_status = needed_when_shown(
        forms.ChoiceField(
            label="The device's status",
            required=False,
            choices=[("", "Choose"), *Incident.DeviceStatus.choices],
            help_text="Never copy, store or upload the images themselves.",
        )
    )
    device_reference = forms.CharField(label="Device reference", required=False, max_length=100)
    police_reference = forms.CharField(
        label="Police reference number",
        required=False,
        max_length=30,
        validators=[police_reference_validator],
        help_text="From the force's records system, if it has one yet. Letters, digits, "
        "slashes and hyphens.",
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def fact_categories(self) -> str:
        """Every category that has facts of its own, for the page's data-shown-when."""
        return ",".join(sorted(c for _k, _h, categories, _n in FACT_GROUPS for c in categories))

    def fact_groups(self):
        """(key, heading, categories, bound fields) of each category's facts, for the page."""
        return [
            (key, heading, ",".join(sorted(categories)), [self[name] for name in names])
            for key, heading, categories, names in FACT_GROUPS
        ]

    def clean(self):
        data = super().clean()
        category = data.get("category")
        # Another category's facts are not kept, so they are not judged either: what is
        # typed there (or was, before the category changed) never stops the form.
        for _key, _heading, categories, names in FACT_GROUPS:
            if category not in categories:
                for name in names:
                    self.errors.pop(name, None)
                    data[name] = getattr(self.fields[name], "empty_value", "")
        if category in WEAPON_CATEGORIES:
            if not data.get("item_kind", "").strip():
                self.add_error("item_kind", "Say what kind of item it was")
            if data.get("item_seized") is None:
                self.add_error("item_seized", "Say whether the item was seized")
        if category == Category.DRUGS and not data.get("drugs_description", "").strip():
            self.add_error("drugs_description", "Say what was found")
        if category == Category.SERIOUS_INJURY and not data.get("injury_nature", "").strip():
            self.add_error("injury_nature", "Describe the injuries")
        if category in IMAGE_CATEGORIES and not data.get("device_status"):
            self.add_error("device_status", "Choose the device's status")
        happened_on, at = data.get("happened_on"), data.get("happened_time")
        if happened_on:
            moment = timezone.make_aware(
                datetime.datetime.combine(happened_on, at or datetime.time(0, 0))
            )
            if moment > timezone.now():
                self.add_error("happened_time", "The time it happened must be in the past.")
            data["happened_at"] = moment
        return data


class IncidentUpdateForm(forms.Form):
    police_reference = forms.CharField(
        label="Police reference number",
        required=False,
        max_length=30,
        validators=[police_reference_validator],
    )
    outcome = forms.CharField(
        label="Outcome", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    close = forms.BooleanField(label="Close the incident (final)", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("close") and not data.get("outcome", "").strip():
            self.add_error("outcome", "Record the outcome before closing the incident")
        return data


class SummaryForm(forms.Form):
    once = SubmissionField()
    text = forms.CharField(
        label="Summary for the school",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Write the summary for the school"},
        help_text="Only what the school needs to know to keep pupils safe. The SPOC receives "
        "it, and the disclosure is logged.",
    )


class EnquiryForm(forms.Form):
    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose the school"}, empty_label="Choose"
    )
    about = forms.ChoiceField(
        label="What is it about?",
        choices=Enquiry.About.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the enquiry is about"},
    )
    concern = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="code",
        empty_label="Choose",
        label="Concern",
    )
    pupil = forms.ModelChoiceField(
        queryset=None, required=False, to_field_name="code", empty_label="Choose", label="Pupil"
    )
    subject = forms.CharField(
        max_length=150,
        error_messages={"required": "Enter a subject"},
        help_text="Shown in lists. Do not put a child's name here.",
    )
    text = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={"required": "Write your message"},
    )

    def __init__(self, *args, schools, concerns, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["concern"].queryset = concerns
        self.fields["concern"].label_from_instance = lambda c: c.reference
        self.fields["pupil"].queryset = pupils

    def clean(self):
        data = super().clean()
        about, school = data.get("about"), data.get("school")
        concern, pupil = data.get("concern"), data.get("pupil")
        if about == Enquiry.About.CONCERN and (
            concern is None or (school and concern.school_id != school.pk)
        ):
            self.add_error("concern", "Choose a concern at this school")
        if about == Enquiry.About.PUPIL and (
            pupil is None or (school and pupil.school_id != school.pk)
        ):
            self.add_error("pupil", "Choose a pupil at this school")
        return data


class MessageForm(forms.Form):
    once = SubmissionField()
    text = forms.CharField(
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10000,
        error_messages={"required": "Write your message"},
        help_text="Messages are kept as sent; they cannot be edited.",
    )


def typed_so_far(form_class, data):
    """What the person has typed, as initial values, so nothing is lost or judged yet."""
    if data is None:
        return None
    typed = {
        name: field.widget.value_from_datadict(data, {}, name)
        for name, field in form_class.base_fields.items()
        if not isinstance(field.widget, forms.FileInput)
    }
    # The form's one-time token stays the same while pupils are added; a page without one
    # gets one now.
    return {
        name: value
        for name, value in typed.items()
        if value or not isinstance(form_class.base_fields[name], SubmissionField)
    }
