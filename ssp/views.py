from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedRedirect
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import Notification
from .notifications import is_local_link, unread_count

PAGE_SIZE = 25


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
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    # One query counts the rows for the pages and the unread ones for the button.
    counts = rows.aggregate(total=Count("pk"), unread=Count("pk", filter=Q(read_at=None)))
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request, "ssp/notifications.html", {"page": page, "has_unread": counts["unread"] > 0}
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


def unread_notifications(request) -> dict:
    """The header's unread count (see unread_count)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
