from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedRedirect
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import is_local_link

PAGE_SIZE = 25


@login_required
def notifications(request):
    """The signed-in person's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    has_unread = any(n.read_at is None for n in page) or rows.filter(read_at=None).exists()
    return render(request, "ssp/notifications.html", {"page": page, "has_unread": has_unread})


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


def unread_notifications(request) -> dict:
    """The header's unread count: one small indexed count, and only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": lambda: Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
    }
