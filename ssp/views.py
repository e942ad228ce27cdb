from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedRedirect
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .keyset import Sort, keyset_page
from .middleware import SESSION_SEEN_KEY, session_clock
from .models import Notification
from .notifications import is_local_link, unread_count

PAGE_SIZE = 25
# Pages by cursor (ssp/keyset.py): a deep page costs what the first does, and nothing counts.
NEWEST = {"newest": Sort("Newest first", ("created_at", "pk"))}


def accessibility(request):
    """The accessibility statement the 2018 regulations ask for, open to everyone."""
    return render(
        request,
        "ssp/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL},
    )


@login_required
def notifications(request):
    """The signed-in person's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=request.user)
    page = keyset_page(request, rows, sorts=NEWEST, default="newest", per_page=PAGE_SIZE)
    # The header's unread count came with the user (ssp.backends): no query of its own.
    return render(
        request,
        "ssp/notifications.html",
        {"page": page, "has_unread": unread_count(request.user) > 0},
    )


@login_required
def notification_open(request, code):
    """Mark one's own notification read and go to what it is about. Others' answer 404."""
    notification = get_object_or_404(Notification, code=code, recipient=request.user)
    if not is_local_link(notification.link):
        raise DisallowedRedirect("A notification may only lead to a page of the portal.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification._history_user = request.user
        notification.save(update_fields=["read_at"])
    return redirect(notification.link)


@require_POST
@login_required
def notifications_read_all(request):
    """Mark every one of one's own unread notifications read, each with its history row."""
    now = timezone.now()
    with transaction.atomic():
        unread = Notification.objects.select_for_update().filter(
            recipient=request.user, read_at__isnull=True
        )
        count = 0
        for notification in unread:  # not .update(): simple-history would record nothing
            notification.read_at = now
            notification._history_user = request.user
            notification.save(update_fields=["read_at"])
            count += 1
    if count:
        plural = "" if count == 1 else "s"
        messages.success(request, f"{count} notification{plural} marked as read.")
    return redirect("notifications")


@require_POST
def session_keep_alive(request):
    """ "Stay signed in" on the warning before the idle limit, and typing on a page: the
    session's idle limit starts again from now. The 8-hour limit stays where it is (the
    middleware in front of this has already ended a session past it)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    request.session[SESSION_SEEN_KEY] = timezone.now().timestamp()  # saved: a new expiry
    return JsonResponse({"signed_in": True, **session_clock(request)})


def session_clock_context(request) -> dict:
    """The warning's clock (see session_clock), on every page drawn for a signed-in person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {"session_clock": session_clock(request)}


def unread_notifications(request) -> dict:
    """The header's unread count (see unread_count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
