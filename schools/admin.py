"""Accounts and configuration only: pupils and case records are not administered here.

Who can see what (memberships, officer records, assignments, a user's flags) is guarded:
nobody changes their own, new places are made by invitation, and every change goes through
schools.services.access_record_update, which logs it and tells the heads and sergeants.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from ssp.admin import UserAdmin as BaseUserAdmin
from ssp.models import User

from . import services
from .models import Assignment, Force, Invitation, Membership, Officer, School, Team


class AccessRecordForm(forms.ModelForm):
    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        try:
            services.refuse_reopening(before=self.instance.left_on, after=left_on)
        except ValidationError as error:
            raise forms.ValidationError(services.REOPENING_REFUSAL) from error
        return left_on


class AccessRecordAdmin(SimpleHistoryAdmin):
    """A record that says who can see what. Nobody changes their own; changes are told."""

    form = AccessRecordForm

    def owner_pk(self, obj) -> int:
        return obj.user_id

    def has_add_permission(self, request):
        return False  # a place at a school or in a team comes by invitation

    def has_delete_permission(self, request, obj=None):
        return False  # end it instead (left_on), so its history stays

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.owner_pk(obj) == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        editable = services.ADMIN_EDITABLE[self.model._meta.model_name]
        return [
            f.name for f in self.model._meta.fields if f.name not in editable and not f.primary_key
        ]

    def save_model(self, request, obj, form, change):
        if not change:
            raise PermissionDenied
        changes = {f: form.cleaned_data[f] for f in form.cleaned_data}
        services.access_record_update(record=obj, by=request.user, changes=changes)


@admin.register(Force)
class ForceAdmin(SimpleHistoryAdmin):
    list_display = ["name"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "force", "kind"]


@admin.register(Officer)
class OfficerAdmin(AccessRecordAdmin):
    list_display = ["user", "collar_number", "rank", "team", "left_on"]
    list_select_related = ["user", "team"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["name", "urn", "local_authority", "meets_sspo_criteria"]
    search_fields = ["name", "urn"]


@admin.register(Membership)
class MembershipAdmin(AccessRecordAdmin):
    list_display = ["user", "school", "position", "is_slt", "designation", "left_on"]
    list_select_related = ["user", "school"]


class AssignmentForm(forms.ModelForm):
    acting_user = None  # set by AssignmentAdmin.get_form

    class Meta:
        model = Assignment
        fields = ["officer", "school", "starts_on", "ends_on"]

    def clean_officer(self):
        officer = self.cleaned_data["officer"]
        if self.acting_user is not None and officer.user_id == self.acting_user.pk:
            raise forms.ValidationError(services.OWN_RECORD_REFUSAL)
        return officer

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        before = self.instance.ends_on if self.instance.pk else None
        if self.instance.pk and (ends_on is None or (before is not None and ends_on > before)):
            # Lengthening could break the two-school limit: end it and assign anew instead.
            raise forms.ValidationError("An assignment can be ended or shortened, not extended.")
        return ends_on


@admin.register(Assignment)
class AssignmentAdmin(AccessRecordAdmin):
    form = AssignmentForm
    list_display = ["officer", "school", "starts_on", "ends_on"]
    list_select_related = ["officer__user", "school"]

    def owner_pk(self, obj) -> int:
        return obj.officer.user_id

    def has_add_permission(self, request):
        # Assigning officers is configuration the force may ask of the administrator;
        # the service refuses their own officer record and tells the school and sergeant.
        return super(AccessRecordAdmin, self).has_add_permission(request)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.acting_user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        return ["officer", "school", "starts_on"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # New assignments go through the service, which enforces the two-school limit.
        created = services.assignment_create(
            officer=obj.officer,
            school=obj.school,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            by=request.user,
        )
        obj.pk = created.pk


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = ["email", "role", "school", "team", "created_at", "accepted_at"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False  # invitations are sent from the portal's invite page


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """ssp's user admin, with its flags guarded like every other grant of access.

    It is registered again here because telling the heads and sergeants needs schools.
    """

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            readonly += ["is_active", "is_staff", "is_superuser"]
        return readonly

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        flags = {"is_active", "is_staff", "is_superuser"}
        if flags & set(form.changed_data):
            changes = {f: form.cleaned_data[f] for f in form.cleaned_data}
            services.access_record_update(record=obj, by=request.user, changes=changes)
        else:
            super().save_model(request, obj, form, change)
