from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model


class AuthenticationBackend(AllauthBackend):
    """allauth's backend, loading the signed-in person with their officer record and team.

    Every request works out the person's role (ssp.roles); fetching the officer with the
    user saves a query or two on every page. The header's count of unread notifications is
    not loaded here: it is counted only when a page draws the header (ssp.views), so a
    download, a redirect or a JSON answer pays nothing for it.
    """

    def get_user(self, user_id):
        user = (
            get_user_model()
            ._default_manager.select_related("officer__team")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
