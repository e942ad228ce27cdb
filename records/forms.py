from django import forms

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField


class KeepForm(forms.Form):
    reason = forms.CharField(
        label="Why is the record kept?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why the record is kept"},
    )
    next_review_on = GovukDateField(
        label="Next review date",
        help_text="For example, 1 9 2031. It must be in the future.",
        past=0,
        future=100,
    )
    once = SubmissionField()


class DisposeForm(forms.Form):
    once = SubmissionField()


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Why are the records held?",
        help_text="The inquiry or proceedings they are relevant to.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Enter why the records are held"},
    )
    reference = forms.CharField(
        label="Reference",
        help_text="The inquiry's or the proceedings' own reference, as its letter gives it.",
        max_length=120,
        required=False,
    )
    once = SubmissionField()


class LiftForm(forms.Form):
    reason = forms.CharField(
        label="Why is the hold lifted?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why the hold is lifted"},
    )


class LengthenForm(forms.Form):
    years = forms.IntegerField(
        label="Review after (years)",
        min_value=1,
        max_value=150,
        error_messages={
            "required": "Enter the number of years",
            "invalid": "The number of years must be a whole number",
        },
    )
