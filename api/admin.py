"""The force's administrator registers, rotates and revokes machine clients here.

Nothing about a client is edited in place: registering, rotating and revoking are the
services, each logged and told to the force's sergeants. A secret is shown on the page that
made it, once, and never again (only its hash is kept).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from schools.models import Force, Team

from . import services
from .models import ApiClient, Scope


class RegisterForm(forms.Form):
    force = forms.ModelChoiceField(queryset=Force.objects.order_by("name"))
    team = forms.ModelChoiceField(
        queryset=Team.objects.filter(kind=Team.Kind.SAFER_SCHOOLS).select_related("force"),
        help_text="The client reads what this team's sergeant reads, no more.",
    )
    name = forms.CharField(max_length=120, help_text="The calling system, as the force knows it.")
    purpose = forms.CharField(
        max_length=200,
        help_text="Why it reads these records: logged with every read (DPA 2018 s.62).",
    )
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "force", "team", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["force"]
    actions = ["rotate_secret", "revoke"]
    readonly_fields = [
        "code",
        "force",
        "team",
        "name",
        "purpose",
        "scopes",
        "key",
        "created_by",
        "created_at",
        "secret_set_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["secret_hash"]

    def has_add_permission(self, request):
        return False  # registered through register/ below, which shows the secret once

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the client's history and the log's rows stay

    def get_urls(self):
        register = path(
            "register/",
            self.admin_site.admin_view(self.register_view),
            name="api_apiclient_register",
        )
        return [register, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "register_url": "register/"}
        return super().changelist_view(request, extra_context)

    def register_view(self, request):
        form = RegisterForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                client, token = services.client_register(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                return self._secret_page(request, client, token, "registered")
        context = {
            **self.admin_site.each_context(request),
            "title": "Register an API client",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/api/apiclient/register.html", context)

    @admin.action(description="Give the selected client a new secret (the old one stops)")
    def rotate_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose one client at a time.", messages.ERROR)
            return None
        client = queryset.get()
        try:
            token = services.client_rotate(client=client, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        return self._secret_page(request, client, token, "given a new secret")

    @admin.action(description="Revoke the selected clients (their next call is refused)")
    def revoke(self, request, queryset):
        for client in queryset:
            services.client_revoke(client=client, by=request.user)
        self.message_user(request, f"Revoked {queryset.count()} client(s).")

    def _secret_page(self, request, client, token, done):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{client.name}: {done}",
            "client": client,
            "token": token,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/api/apiclient/secret.html", context)
