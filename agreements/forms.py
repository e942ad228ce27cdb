from allauth.mfa.base.forms import ReauthenticateForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from schools.models import School
from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .models import Document, Partnership
from .services import kind_noun


class PartnershipCreateForm(forms.Form):
    once = SubmissionField()
    school = forms.ModelChoiceField(
        queryset=School.objects.none(),
        empty_label="Choose a school",
        error_messages={"required": "Choose the school", "invalid_choice": "Choose the school"},
        help_text="Schools of your force that have no partnership yet.",
    )
    reason = forms.CharField(
        label="Why this school",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter why this school should have a partnership"},
        help_text="For example, its need figures, or a request from the head teacher.",
    )

    def __init__(self, *args, force_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.filter(
            force_id=force_id, partnership__isnull=True
        ).order_by("name")


class PartnershipMoveForm(forms.Form):
    status = forms.ChoiceField(
        label="New status",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the new status",
            "invalid_choice": "Choose one of the statuses shown",
        },
    )
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter the reason for this change"},
        help_text="Everyone who reads the partnership sees this in its history.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status, Partnership.Status(status).label)
            for status in Partnership.MOVES[Partnership.Status(partnership.status)]
        ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter the reason for this change")
        return reason


DOCUMENT_FIELDS = (
    "title",
    "purpose",
    "lawful_bases",
    "what_may_be_shared",
    "summary",
    "body",
    "review_on",
    "expires_on",
)


class DocumentForm(forms.Form):
    """A draft version's content. The kind is chosen only when the draft is started."""

    kind = forms.ChoiceField(
        label="Which document",
        choices=Document.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which document this is a version of"},
    )
    title = forms.CharField(max_length=200, error_messages={"required": "Enter the title"})
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Enter the purpose"},
    )
    lawful_bases = forms.CharField(
        label="Lawful bases",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Enter the lawful bases"},
    )
    what_may_be_shared = forms.CharField(
        label="What may be shared",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Enter what may be shared"},
    )
    summary = forms.CharField(
        label="Summary for school staff",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="Plain English: every member of staff confirms they have read it.",
        error_messages={"required": "Enter the summary for school staff"},
    )
    body = forms.CharField(
        label="Full text",
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=100000,
        error_messages={"required": "Enter the full text"},
    )
    review_on = GovukDateField(label="Review date", help_text="For example, 1 9 2027.")
    expires_on = GovukDateField(
        label="Expiry date",
        help_text="The last day the agreement is in force, London time. For example, 31 8 2028.",
    )
    seen_hash = forms.CharField(widget=forms.HiddenInput, required=False)
    once = SubmissionField()

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
            del self.fields["once"]  # an edit creates nothing

    def clean_review_on(self):
        day = self.cleaned_data["review_on"]
        if day <= timezone.localdate():
            raise ValidationError("The review date must be in the future")
        return day

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day <= timezone.localdate():
            raise ValidationError("The expiry date must be in the future")
        return day

    def clean(self):
        data = super().clean()
        review_on, expires_on = data.get("review_on"), data.get("expires_on")
        if review_on and expires_on and review_on > expires_on:
            self.add_error("review_on", "The review date must be on or before the expiry date")
        return data

    def content(self) -> dict:
        return {name: self.cleaned_data[name] for name in DOCUMENT_FIELDS}


class SigningForm(ReauthenticateForm):
    """Sign a version, proving the second factor again at that moment.

    allauth's own code check (TOTP or a recovery code, each used once, with its rate limit).
    The code is checked only once the confirmation is given, so a missing tick does not
    spend a code or count as a failed attempt.
    """

    once = SubmissionField()
    confirm = forms.BooleanField(
        error_messages={"required": "Confirm that you have read this version and sign it"},
    )
    field_order = ["once", "confirm", "code"]

    def __init__(self, *args, document: Document, capacity: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = (
            f"I have read version {document.version} of the "
            f"{kind_noun(document)} and sign it as {capacity}"
        )
        code = self.fields["code"]
        code.label = "Code from your authenticator app"
        code.help_text = "The 6-digit code your app shows now, or one of your recovery codes."
        code.error_messages["required"] = "Enter the code from your authenticator app"
        code.widget.attrs.update({"class": "govuk-input--width-10", "spellcheck": "false"})

    def clean_code(self):
        if not self.cleaned_data.get("confirm"):
            return self.cleaned_data["code"]
        return super().clean_code()


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Why the agreement is being revoked",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter why the agreement is being revoked"},
        help_text="The SSPO, the SPOC, the head teacher and the sergeant are told.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Enter why the agreement is being revoked")
        return reason
