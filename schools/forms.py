from django import forms
from django.contrib.auth.password_validation import validate_password

from ssp.models import User
from ssp.roles import INVITABLE_ROLES, SCHOOL_ROLES
from ssp.submissions import SubmissionField

from .models import Membership, School, Team


class _InviteBase(forms.Form):
    once = SubmissionField()
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email address", help_text="The invitation link is sent here. It works once."
    )

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Someone with this email address already has an account.")
        return email


class InviteStaffForm(_InviteBase):
    """A head teacher invites a member of their school's staff."""

    job_title = forms.CharField(max_length=120, required=False)
    is_slt = forms.BooleanField(
        label="Member of the senior leadership team",
        required=False,
        help_text="Only members of the SLT can be named SPOC or deputy.",
    )


class InviteOfficerForm(_InviteBase):
    """A sergeant invites an officer into their team."""

    collar_number = forms.RegexField(
        regex=r"^[A-Za-z]{0,2}\d{1,6}\Z",
        max_length=10,
        error_messages={"invalid": "Enter a collar number, like 1234."},
    )

    def clean_collar_number(self):
        return self.cleaned_data["collar_number"].upper()


class InviteAnyoneForm(_InviteBase):
    """An administrator invites anyone: a school's head or staff, or an officer."""

    ROLE_CHOICES = [(r.value, r.label) for r in INVITABLE_ROLES]
    role = forms.ChoiceField(choices=ROLE_CHOICES, widget=forms.RadioSelect)
    school = forms.ModelChoiceField(
        queryset=School.objects.all(),
        required=False,
        to_field_name="code",
        help_text="For head teachers and staff.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("force"),
        required=False,
        to_field_name="code",
        help_text="For officers.",
    )
    job_title = forms.CharField(max_length=120, required=False)
    is_slt = forms.BooleanField(label="Member of the senior leadership team", required=False)
    collar_number = forms.RegexField(
        regex=r"^[A-Za-z]{0,2}\d{1,6}\Z",
        max_length=10,
        required=False,
        error_messages={"invalid": "Enter a collar number, like 1234."},
        help_text="For officers.",
    )

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in SCHOOL_ROLES:
            if not data.get("school"):
                self.add_error("school", "Choose the school this person works at.")
            data["team"] = None
        elif role:
            if not data.get("team"):
                self.add_error("team", "Choose the team this officer belongs to.")
            if not data.get("collar_number"):
                self.add_error("collar_number", "Enter the officer's collar number.")
            data["school"] = None
        return data


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A long passphrase of several words is good.",
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation, **kwargs):
        self.invitation = invitation
        super().__init__(*args, **kwargs)

    def clean_password1(self):
        password = self.cleaned_data["password1"]
        candidate = User(
            email=self.invitation.email,
            first_name=self.invitation.first_name,
            last_name=self.invitation.last_name,
        )
        validate_password(password, user=candidate)
        return password

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The passwords do not match.")
        return data


class NameSpocForm(forms.Form):
    spoc = forms.ModelChoiceField(
        label="SPOC",
        queryset=Membership.objects.none(),
        to_field_name="code",
        empty_label="Choose a member of the SLT",
    )
    deputy = forms.ModelChoiceField(
        label="Deputy SPOC",
        queryset=Membership.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="No deputy",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        slt = (
            Membership.objects.current()
            .filter(school=school, is_slt=True)
            .select_related("user")
            .order_by("user__last_name")
        )
        for name in ("spoc", "deputy"):
            self.fields[name].queryset = slt
            self.fields[name].label_from_instance = lambda m: (
                f"{m.user.get_full_name()} ({m.job_title})"
                if m.job_title
                else m.user.get_full_name()
            )

    def clean(self):
        data = super().clean()
        if data.get("spoc") and data.get("spoc") == data.get("deputy"):
            self.add_error("deputy", "The deputy must be someone other than the SPOC.")
        return data


class NameDataProtectionLeadForm(forms.Form):
    lead = forms.ModelChoiceField(
        label="Data-protection lead",
        queryset=Membership.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="No data-protection lead (the head alone)",
    )

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = (
            Membership.objects.current()
            .filter(school=school, user__is_active=True)
            .select_related("user")
            .order_by("user__last_name")
        )
        self.fields["lead"].label_from_instance = lambda m: (
            f"{m.user.get_full_name()} ({m.job_title})" if m.job_title else m.user.get_full_name()
        )
