import base64
import os
import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "aesgcm1:"
# How long after signing in authenticators may be managed without stepping up again.
AUTHENTICATOR_GRACE_SECONDS = 5 * 60


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # People join by invitation only (schools.services), never by signing themselves up.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Managing authenticators straight after signing in needs no second prompt: the
        # sign-in itself is the recent proof (for a first authenticator, the password just
        # given). Five minutes on, any change to authenticators asks again.
        request = self.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            if not Authenticator.objects.filter(user=request.user).exists():
                # Enrolment: there is no second factor yet to step up with, and the
                # password is not accepted for a step-up (ACCOUNT_REAUTHENTICATION_METHODS).
                return False
            records = get_authentication_records(request, request.user)
            if records and time.time() - records[-1]["at"] < AUTHENTICATOR_GRACE_SECONDS:
                return False
        return super().is_reauthentication_required(app=app, **kwargs)


class MFAAdapter(DefaultMFAAdapter):
    """Keeps TOTP secrets and recovery-code seeds encrypted at rest (AES-256-GCM)."""

    def encrypt(self, text: str) -> str:
        nonce = os.urandom(12)
        sealed = AESGCM(settings.MFA_ENCRYPTION_KEY).encrypt(nonce, text.encode(), None)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_PREFIX):
            raise ValueError("An MFA secret is stored unencrypted; refusing to use it.")
        raw = base64.urlsafe_b64decode(encrypted_text.removeprefix(_PREFIX))
        return AESGCM(settings.MFA_ENCRYPTION_KEY).decrypt(raw[:12], raw[12:], None).decode()

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # MFA is mandatory: the last way to prove a second factor cannot be removed.
        others = (
            Authenticator.objects.filter(user=authenticator.user)
            .exclude(pk=authenticator.pk)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
        )
        return others.exists()
