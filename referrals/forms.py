from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Concern
from ssp.submissions import SubmissionField

from .models import Conference, Consent, Purpose, Referral, Scheme

# Browsers accept only ISO dates in a date input, whatever the page language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SchemeForm(forms.ModelForm):
    once = SubmissionField()

    class Meta:
        model = Scheme
        fields = ["name", "provider", "purpose", "criteria", "contact", "active"]
        widgets = {
            "purpose": forms.RadioSelect,
            "criteria": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "name": {"required": "Enter the scheme's name"},
            "provider": {"required": "Enter who provides the scheme"},
            "purpose": {"required": "Choose what the scheme is for"},
            "criteria": {"required": "Say who the scheme is for"},
            "contact": {"required": "Enter how to contact the provider"},
        }

    def validate_unique(self):
        pass  # the force is set by the service, which checks the name is unique in it


def _consent_field(who):
    return forms.ChoiceField(
        label=f"Consent of {who}",
        choices=Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose whether {who} consented"},
    )


class ReferralForm(forms.Form):
    once = SubmissionField()
    scheme = forms.ModelChoiceField(
        queryset=Scheme.objects.none(),
        to_field_name="code",
        empty_label="Choose a scheme",
        error_messages={
            "required": "Choose a scheme",
            "invalid_choice": "Choose an open scheme of your force",
        },
    )
    purpose = forms.ChoiceField(
        choices=Purpose.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the purpose of the referral"},
    )
    reason = forms.CharField(
        label="Why you are referring",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text="Police information: the school sees only the scheme, status and dates.",
        error_messages={"required": "Say why you are making this referral"},
    )
    young_person_consent = _consent_field("the young person")
    young_person_consent_note = forms.CharField(
        label="About the young person's consent", required=False, max_length=500
    )
    parent_consent = _consent_field("the parent or guardian")
    parent_consent_note = forms.CharField(
        label="About the parent or guardian's consent", required=False, max_length=500
    )
    follow_up_on = forms.DateField(
        label="Follow-up date",
        required=False,
        widget=DATE,
        help_text="You will be reminded on this date.",
        error_messages={"invalid": "Enter the follow-up date as a real date"},
    )
    concern = forms.ModelChoiceField(
        label="The concern it came from",
        queryset=Concern.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose a concern about this pupil shared with you"},
    )

    def __init__(self, *args, schemes, concerns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes
        self.fields["concern"].queryset = concerns

    def clean_follow_up_on(self):
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < timezone.localdate():
            raise ValidationError("The follow-up date must be today or later")
        return day


class MoveForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        widget=forms.RadioSelect,
        choices=Referral.Status.choices,
        error_messages={"required": "Choose the new status"},
    )
    outcome = forms.CharField(
        label="Outcome",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text="Needed when the referral is declined, completed or withdrawn.",
    )
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )
    follow_up_on = forms.DateField(
        label="New follow-up date",
        required=False,
        widget=DATE,
        error_messages={"invalid": "Enter the follow-up date as a real date"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = Referral.MOVES[Referral.Status(referral.status)]
        self.fields["status"].choices = [
            (value, label) for value, label in Referral.Status.choices if value in allowed
        ]

    def clean_follow_up_on(self):
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < timezone.localdate():
            raise ValidationError("The follow-up date must be today or later")
        return day

    def clean(self):
        data = super().clean()
        if data.get("status") in Referral.NEEDS_OUTCOME and not data.get("outcome", "").strip():
            self.add_error("outcome", "Say what the outcome was")
        return data


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), ("open", "Open"), *Referral.Status.choices]
    )


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Pupil's name", max_length=100, required=False)


class ConferenceForm(forms.ModelForm):
    once = SubmissionField()
    pupils = forms.ModelMultipleChoiceField(
        label="Pupils discussed",
        queryset=None,
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one pupil",
            "invalid_choice": "Choose pupils of the same school",
        },
    )

    class Meta:
        model = Conference
        fields = ["held_on", "pupils", "agencies", "attendees", "decisions", "rationale"]
        widgets = {
            "held_on": DATE,
            "agencies": forms.Textarea(attrs={"rows": 2}),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "decisions": forms.Textarea(attrs={"rows": 5}),
            "rationale": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "held_on": {
                "required": "Enter the date the conference was held",
                "invalid": "Enter the date as a real date",
            },
            "agencies": {"required": "Enter the agencies present"},
            "attendees": {"required": "Enter who attended"},
            "decisions": {"required": "Enter what was decided"},
            "rationale": {"required": "Enter why it was decided"},
        }

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].label_from_instance = lambda p: (
            f"{p.first_name} {p.last_name} ({p.get_year_group_display()})"
        )

    def clean_held_on(self):
        day = self.cleaned_data["held_on"]
        if day > timezone.localdate():
            raise ValidationError("The date must be today or in the past")
        return day


class ActionForm(forms.Form):
    once = SubmissionField()
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say what is to be done"},
    )
    owner = forms.CharField(
        label="Owner",
        max_length=200,
        help_text="A person or agency.",
        error_messages={"required": "Enter who owns the action"},
    )
    due_on = forms.DateField(
        label="Due date",
        widget=DATE,
        error_messages={
            "required": "Enter the due date",
            "invalid": "Enter the due date as a real date",
        },
    )
