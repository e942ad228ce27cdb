"""The force's retention rules, edited by its administrator (configuration, ACCESS.md): never
below the law's floor. A school's own rules are the school's, made on its rules page."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import rules
from .models import DisposalCertificate, RetentionRule


class RetentionRuleForm(forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ["years", "keep_until_age"]

    def clean_years(self):
        years = self.cleaned_data["years"]
        floor = rules.floor_years(self.instance)
        if years < floor:
            raise forms.ValidationError(f"The law's floor for these records is {floor} years.")
        return years

    def clean_keep_until_age(self):
        age = self.cleaned_data["keep_until_age"]
        law = rules.law_for(rules.controller_of(self.instance), self.instance.group)
        floor = law.keep_until_age if law else None
        if floor and (age or 0) < floor:
            raise forms.ValidationError(
                f"MoPI group 1 records are kept until the subject is {floor}."
            )
        return age


@admin.register(RetentionRule)
class RetentionRuleAdmin(SimpleHistoryAdmin):
    form = RetentionRuleForm
    list_display = ["kind", "group", "basis", "years", "keep_until_age"]
    readonly_fields = ["kind", "group", "basis"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(school=None)

    def has_add_permission(self, request):
        return False  # the kinds come with the apps (records/migrations)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DisposalCertificate)
class LogCertificateAdmin(admin.ModelAdmin):
    """The certificates of the logs' removal by age (the access log, notifications): the
    administrator set the rule the daily job follows, and reads what it did here. Read only.
    A school's or team's certificates are theirs, on the records pages (ACCESS.md)."""

    list_display = ["label", "disposed", "finished_at", "done_by"]
    fields = [
        "label",
        "rule",
        "done_by",
        "disposed",
        "parts",
        "batches",
        "started_at",
        "finished_at",
        "code",
    ]
    readonly_fields = fields

    @admin.display(description="By")
    def done_by(self, certificate):
        return certificate.by or "the daily job"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(controller="portal")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
