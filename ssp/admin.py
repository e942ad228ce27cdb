from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "first_name", "last_name"]})]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # An address the administrator controls would let them reset the password and
            # take the account over: people change their own address, with a step-up.
            readonly.append("email")
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Nobody sets another person's password: they reset it from their own mailbox.
        raise PermissionDenied


def _read_only(base):
    """allauth's admin for sign-in records, without the means to take an account over."""

    class ReadOnly(base):
        def has_add_permission(self, request):
            return False

        def has_change_permission(self, request, obj=None):
            return False

    return ReadOnly


# Adding an address (or an authenticator) to someone's account in the admin would let the
# administrator sign in as them; people manage their own, after stepping up.
admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, _read_only(BaseEmailAddressAdmin))
admin.site.unregister(Authenticator)
admin.site.register(Authenticator, _read_only(BaseAuthenticatorAdmin))
