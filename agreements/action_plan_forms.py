from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .models import ActionPlanItem


class ActionPlanItemForm(forms.Form):
    once = SubmissionField()
    problem = forms.CharField(
        label="The problem",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the school and the officer want to change. Do not name pupils.",
        error_messages={"required": "Describe the problem"},
    )
    action = forms.CharField(
        label="What will be done",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what will be done"},
    )
    owner = forms.CharField(
        label="Owner",
        max_length=200,
        help_text="Who does it: a name or a role, for example the SSPO or the head of year 9.",
        error_messages={"required": "Enter who owns this action"},
    )
    due_on = GovukDateField(label="Due date", help_text="For example, 27 3 2027.")

    def clean_due_on(self):
        day = self.cleaned_data["due_on"]
        if day < timezone.localdate():
            raise ValidationError("The due date must be today or later")
        return day


class ActionPlanItemUpdateForm(ActionPlanItemForm):
    once = None  # a correction is not a create
    status = forms.ChoiceField(
        label="Status",
        choices=ActionPlanItem.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the item's status"},
    )
    seen = forms.IntegerField(widget=forms.HiddenInput)

    def clean_due_on(self):
        return self.cleaned_data["due_on"]  # an existing item may keep a date now past
