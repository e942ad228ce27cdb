from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedRedirect
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .models import Notification
from .notifications import is_local_link

PAGE_SIZE = 25


@login_required
def notifications(request):
    """The signed-in person's own notifications, newest first."""
    rows = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ssp/notifications.html", {"page": page})


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
