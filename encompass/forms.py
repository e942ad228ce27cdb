import datetime

from django import forms
from django.utils import timezone

from schools.models import Pupil, School
from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .models import Notification, TermDate
from .services import FIELDS


class AcknowledgeForm(forms.Form):
    support_plan = forms.CharField(
        label="Support planned",
        help_text="What the school will do to support the child, quietly, today.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class MatchForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), label="Which pupil is it?")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, left_on__isnull=True)


# A child of school age; an incident the police have just attended (a late notification of
# an older one is still sent, so a year is allowed).
CHILD_AGE_YEARS = 25
INCIDENT_WITHIN_YEARS = 1


class SendForm(forms.Form):
    """What the force's Encompass team tells the school: every field the API takes."""

    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        label="School",
        empty_label="Choose",
        error_messages={"required": "Choose the child's school"},
    )
    child_first_name = forms.CharField(
        label="Child's first name",
        max_length=100,
        error_messages={"required": "Enter the child's first name"},
    )
    child_last_name = forms.CharField(
        label="Child's last name",
        max_length=100,
        error_messages={"required": "Enter the child's last name"},
    )
    child_date_of_birth = GovukDateField(
        label="Child's date of birth",
        help_text="For example, 2 4 2013.",
        past=CHILD_AGE_YEARS,
        future=0,
    )
    police_reference = forms.CharField(
        label="Police reference",
        max_length=50,
        error_messages={"required": "Enter the police reference"},
    )
    incident_on = GovukDateField(
        label="Date of the incident",
        help_text="For example, 6 10 2026.",
        past=INCIDENT_WITHIN_YEARS,
        future=0,
    )
    incident_time = forms.TimeField(
        label="Time of the incident",
        help_text="For example, 21:30.",
        widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={
            "required": "Enter the time of the incident",
            "invalid": "Enter the time as hours and minutes, like 21:30",
        },
    )
    incident_location = forms.CharField(
        label="Where the incident happened",
        max_length=300,
        error_messages={"required": "Say where the incident happened"},
    )
    child_presence = forms.ChoiceField(
        label="Was the child present?",
        choices=Notification.Presence.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the child was present"},
    )
    child_whereabouts = forms.CharField(
        label="Where the child was", max_length=300, required=False
    )
    voice_of_child = forms.CharField(
        label="Voice of the child",
        help_text="What the child said or showed, in their words where you can.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    circumstances = forms.CharField(
        label="Circumstances",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={"required": "Describe the circumstances"},
    )
    other_information = forms.CharField(
        label="Other safeguarding information",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
    )

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        day, at = data.get("incident_on"), data.get("incident_time")
        if day and at:
            moment = timezone.make_aware(datetime.datetime.combine(day, at))
            if moment > timezone.now():
                self.add_error("incident_time", "The incident cannot be in the future")
            data["incident_at"] = moment
        return data

    def details(self) -> dict:
        """The notification's fields, as `services.receive` takes them."""
        data = self.cleaned_data
        return {name: data[name] for name in FIELDS}


class TermDateForm(forms.Form):
    once = SubmissionField()
    kind = forms.ChoiceField(
        label="Term or holiday",
        choices=TermDate.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a term or a holiday"},
    )
    label = forms.CharField(
        label="Name",
        help_text="For example, Autumn term or Half-term.",
        max_length=100,
        required=False,
    )
    starts_on = GovukDateField(
        label="First day", help_text="For example, 2 9 2026.", past=5, future=5
    )
    ends_on = GovukDateField(
        label="Last day", help_text="For example, 18 12 2026.", past=5, future=5
    )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day must be on or after the first day")
        return data
