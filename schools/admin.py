"""Accounts and configuration only: pupils and case records are not administered here."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Assignment, Force, Invitation, Membership, Officer, School, Team


@admin.register(Force)
class ForceAdmin(SimpleHistoryAdmin):
    list_display = ["name"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "force", "kind"]


@admin.register(Officer)
class OfficerAdmin(SimpleHistoryAdmin):
    list_display = ["user", "collar_number", "rank", "team", "left_on"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user"]


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["name", "urn", "local_authority", "meets_sspo_criteria"]
    search_fields = ["name", "urn"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "school", "position", "is_slt", "designation", "left_on"]
    list_select_related = ["user", "school"]
    autocomplete_fields = ["user", "school"]


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["officer", "school", "starts_on", "ends_on"]

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]
        before = self.instance.ends_on if self.instance.pk else None
        if self.instance.pk and (ends_on is None or (before is not None and ends_on > before)):
            # Lengthening could break the two-school limit: end it and assign anew instead.
            raise forms.ValidationError("An assignment can be ended or shortened, not extended.")
        return ends_on


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    form = AssignmentForm
    list_display = ["officer", "school", "starts_on", "ends_on"]
    list_select_related = ["officer__user", "school"]

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
