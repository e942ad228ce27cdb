from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

SESSION_STARTED_KEY = "ssp_signed_in_at"
SESSION_SEEN_KEY = "ssp_seen_at"
SESSION_REFRESH_SECONDS = 60
MFA_ENROLLED_KEY = "ssp_mfa_enrolled"

# While someone has no authenticator these, and nothing else, are open to them.
ENROLMENT_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        # Anyone may read how to report a problem, also someone stuck before enrolling.
        "accessibility",
        # Setting up an authenticator takes time too: "Stay signed in" works meanwhile.
        "session_keep_alive",
    }
)


def session_clock(request) -> dict:
    """When a signed-in session ends, for the page's warning (static/js/app.mjs): it ends
    `idle_seconds` after the last contact with the server, and at `ends_at` (seconds since
    the epoch) in any case."""
    started = request.session.get(SESSION_STARTED_KEY) or timezone.now().timestamp()
    return {
        "idle_seconds": settings.SESSION_COOKIE_AGE,
        "ends_at": int(started + settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()),
    }


class SessionLifetimeMiddleware:
    """Ends a signed-in session 8 hours after sign-in, however busy it has been.

    The 30-minute idle limit is the session's own expiry (SESSION_COOKIE_AGE), enforced by
    the server-side session store. Activity pushes it on, but at most once a minute: saving
    the session on every request would cost each page a database write for nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = timezone.now().timestamp()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                logout(request)
                return redirect(settings.LOGIN_URL)
            if now - request.session.get(SESSION_SEEN_KEY, 0) > SESSION_REFRESH_SECONDS:
                request.session[SESSION_SEEN_KEY] = now  # saved, with a new expiry
        response = self.get_response(request)
        # Signed in through the session (not an API client's token, which has none).
        signed_in = SESSION_KEY in request.session
        if (
            signed_in
            and request.user.is_authenticated
            and SESSION_STARTED_KEY not in request.session
        ):
            # Signed in by this very request: the clock starts now.
            request.session[SESSION_STARTED_KEY] = timezone.now().timestamp()
            request.session[SESSION_SEEN_KEY] = request.session[SESSION_STARTED_KEY]
        return response


class RequireMFAMiddleware:
    """Sends a signed-in person without an authenticator to enrolment, and nowhere else.

    allauth can ask for a second factor but has no setting that requires one; this is that
    requirement, for every role and for the Django admin alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or request.session.get(MFA_ENROLLED_KEY):
            return None
        from allauth.mfa.adapter import get_adapter

        if get_adapter().is_mfa_enabled(request.user):
            request.session[MFA_ENROLLED_KEY] = True
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ENROLMENT_URL_NAMES:
            return None
        return redirect("mfa_activate_totp")


class NoStoreMiddleware:
    """Pages for signed-in people carry personal data: no browser or proxy may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated or request.path.startswith("/accounts/"):
            add_never_cache_headers(response)
        return response
