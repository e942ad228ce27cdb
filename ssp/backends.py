from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the signed-in person with their officer record and team.

    Every request works out the person's role (ssp.roles); fetching the officer with the
    user saves a query or two on every page. The header's count of unread notifications
    comes in the same query (a count on a small partial index), so pages pay nothing for it.
    """

    def get_user(self, user_id):
        from .models import Notification

        unread = (
            Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
            .values("recipient")
            .annotate(n=Count("pk"))
            .values("n")
        )
        users = (
            get_user_model()
            ._default_manager.select_related("officer__team")
            .annotate(
                unread_notifications=Coalesce(Subquery(unread, output_field=IntegerField()), 0)
            )
        )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
