"""Forms for the activity log and session requests.

Recording is two steps that work without JavaScript: choose the kind of activity, then a
form with only the fields that kind has, each required or optional as the kind needs.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .models import YEAR_GROUP_CHOICES, Activity

Kind = Activity.Kind
SESSION_KIND_CHOICES = [(kind.value, kind.label) for kind in Activity.SESSION_KINDS]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NO_NAMES = "Do not write pupils' names here."

# For each kind: the fields it has, and which of them must be filled in (with the message).
_TIMES = ("starts_at", "ends_at")
_SESSION = {
    "fields": (*_TIMES, "theme", "year_groups", "pupils_count", "notes"),
    "required": {
        "theme": "Enter the theme of the session",
        "year_groups": "Choose the year groups",
        "pupils_count": "Enter the number of pupils",
    },
}
KIND_FIELDS = {
    Kind.PATROL: {
        "fields": (*_TIMES, "area", "partners", "addressed", "notes"),
        "required": {
            "starts_at": "Enter the start time",
            "ends_at": "Enter the end time",
            "area": "Enter the area patrolled",
            "addressed": "Choose what the patrol addressed",
        },
    },
    Kind.ADVICE: {
        "fields": (*_TIMES, "theme", "notes"),
        "required": {"theme": "Say what the advice was about"},
    },
    Kind.ASSEMBLY: _SESSION,
    Kind.GROUP_WORK: _SESSION,
    Kind.ONE_TO_ONE: _SESSION,
    Kind.RSHE: _SESSION,
    Kind.INITIATIVE: {
        "fields": (*_TIMES, "initiative", "theme", "pupils_count", "notes"),
        "required": {"initiative": "Choose the joint initiative"},
    },
}
THEME_LABELS = {
    Kind.ADVICE: "What the advice was about",
    Kind.INITIATIVE: "Name of the initiative",
}


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you recording?",
        choices=Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what you are recording",
            "invalid_choice": "Choose what you are recording",
        },
    )


class ActivityForm(forms.Form):
    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=None,
        to_field_name="code",
        empty_label="Choose the school",
        error_messages={
            "required": "Choose the school",
            "invalid_choice": "Choose one of the schools you record for",
        },
    )
    on = GovukDateField(label="Date", help_text="For example, 27 11 2026.")
    starts_at = forms.TimeField(label="Start time", required=False, widget=TIME)
    ends_at = forms.TimeField(label="End time", required=False, widget=TIME)
    area = forms.CharField(
        label="Area patrolled",
        required=False,
        max_length=200,
        help_text="For example: the bus station and Mill Lane.",
    )
    partners = forms.MultipleChoiceField(
        label="With",
        required=False,
        choices=Activity.Partner.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave both unticked if you patrolled alone.",
    )
    addressed = forms.MultipleChoiceField(
        label="What the patrol addressed",
        required=False,
        choices=Activity.Addressed.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    initiative = forms.ChoiceField(
        label="Joint initiative",
        required=False,
        choices=Activity.Initiative.choices,
        widget=forms.RadioSelect,
    )
    theme = forms.CharField(label="Theme", required=False, max_length=200)
    year_groups = forms.MultipleChoiceField(
        label="Year groups",
        required=False,
        choices=YEAR_GROUP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    pupils_count = forms.IntegerField(
        label="Number of pupils",
        required=False,
        min_value=1,
        max_value=3000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "invalid": "The number of pupils must be a whole number, like 30",
            "min_value": "The number of pupils must be 1 or more",
            "max_value": "The number of pupils must be 3000 or fewer",
        },
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=NO_NAMES,
    )

    def __init__(
        self, *args, kind: str, schools=None, status=Activity.Status.DELIVERED, seen=None, **kw
    ):
        super().__init__(*args, **kw)
        self.kind = Kind(kind)
        self.status = status
        spec = KIND_FIELDS[self.kind]
        keep = {"once", "school", "on", *spec["fields"]}
        if schools is None:
            keep -= {"once", "school"}  # a correction keeps the school, and creates nothing
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.only_school = None
        if schools is not None:
            self.fields["school"].queryset = schools
            first_two = list(schools[:2])
            if len(first_two) == 1:
                self.only_school = first_two[0]
                del self.fields["school"]  # one school: nothing to choose, no question to ask
        self.required = dict(spec["required"])
        if status == Activity.Status.SCHEDULED:
            self.required.pop("pupils_count", None)  # known once it is delivered
        for name in self.required:
            self.fields[name].required = True  # shown without "(optional)"
            self.fields[name].error_messages["required"] = self.required[name]
        if "theme" in self.fields:
            self.fields["theme"].label = THEME_LABELS.get(self.kind, "Theme")
        if self.kind == Kind.INITIATIVE:
            self.fields["theme"].help_text = "Needed when the initiative is “Other”."
        if seen is not None:
            # A correction carries the version it was made from (see latest_change).
            self.fields["seen"] = forms.IntegerField(widget=forms.HiddenInput, initial=seen)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if self.status == Activity.Status.DELIVERED and day > timezone.localdate():
            raise ValidationError("The date must be today or in the past")
        return day

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The end time must be after the start time")
        if (
            self.kind == Kind.INITIATIVE
            and data.get("initiative") == Activity.Initiative.OTHER
            and not data.get("theme", "").strip()
        ):
            self.add_error("theme", "Enter the name of the initiative")
        return data

    def chosen_school(self):
        return self.cleaned_data.get("school") or self.only_school

    def details(self) -> dict:
        """The cleaned values for the model, without the school and the date."""
        data = dict(self.cleaned_data)
        for name in ("school", "on", "seen", "once"):
            data.pop(name, None)
        return data


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *Kind.choices]
    )
    school = forms.ModelChoiceField(
        label="School",
        queryset=None,
        to_field_name="code",
        required=False,
        empty_label="All your schools",
    )
    since = GovukDateField(label="From date", required=False)
    until = GovukDateField(label="To date", required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The to date must be the same as or after the from date")
        return data


class CloseActivityForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened?",
        choices=[
            (Activity.Status.DELIVERED.value, "It was delivered"),
            (Activity.Status.CANCELLED.value, "It was cancelled"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether it was delivered or cancelled"},
    )
    pupils_count = forms.IntegerField(
        label="Number of pupils",
        required=False,
        min_value=1,
        max_value=3000,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        help_text="If it was delivered.",
        error_messages={
            "invalid": "The number of pupils must be a whole number, like 30",
            "min_value": "The number of pupils must be 1 or more",
            "max_value": "The number of pupils must be 3000 or fewer",
        },
    )
    reason = forms.CharField(
        label="Why it was cancelled",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="If it was cancelled. The school sees this.",
    )

    def clean(self):
        data = super().clean()
        status = data.get("status")
        counted = data.get("pupils_count") or "pupils_count" in self.errors
        if status == Activity.Status.DELIVERED and not counted:
            self.add_error("pupils_count", "Enter the number of pupils")
        if status == Activity.Status.CANCELLED and not data.get("reason", "").strip():
            self.add_error("reason", "Say why the session was cancelled")
        return data


# Session requests -------------------------------------------------------------------------


class SessionRequestForm(forms.Form):
    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=None,
        to_field_name="code",
        empty_label="Choose the school",
        error_messages={
            "required": "Choose the school",
            "invalid_choice": "Choose a school where you are the SPOC or deputy",
        },
    )
    topic = forms.CharField(
        label="Topic",
        max_length=200,
        help_text="For example: online safety, knife crime, county lines.",
        error_messages={"required": "Enter the topic of the session"},
    )
    year_groups = forms.MultipleChoiceField(
        label="Year groups",
        choices=YEAR_GROUP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the year groups"},
    )
    preferred_dates = forms.CharField(
        label="Preferred dates",
        max_length=300,
        help_text="For example: any Tuesday in May.",
        error_messages={"required": "Enter the dates that would suit the school"},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=NO_NAMES,
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        first_two = list(schools[:2])
        self.only_school = first_two[0] if len(first_two) == 1 else None
        if self.only_school is not None:
            del self.fields["school"]  # one school: nothing to choose, no question to ask

    def request_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("school", self.only_school)
        return data


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScheduleForm(VersionForm):
    kind = forms.ChoiceField(
        label="Kind of session",
        choices=SESSION_KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of session"},
    )
    on = GovukDateField(label="Date of the session", help_text="For example, 27 11 2026.")
    starts_at = forms.TimeField(
        label="Start time", widget=TIME, error_messages={"required": "Enter the start time"}
    )
    ends_at = forms.TimeField(label="End time", required=False, widget=TIME)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day < timezone.localdate():
            raise ValidationError("The date of the session must be today or later")
        return day

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "The end time must be after the start time")
        return data


class DeclineForm(VersionForm):
    reason = forms.CharField(
        label="Why you are declining",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The school sees this.",
        error_messages={"required": "Say why you are declining the request"},
    )
