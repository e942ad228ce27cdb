from rest_framework.throttling import SimpleRateThrottle

from .authentication import ClientPrincipal


class ClientRateThrottle(SimpleRateThrottle):
    """So many calls a minute per machine client, or per signed-in person.

    Counted in the shared cache (Redis, or the database table while Redis is down), so the
    limit holds across every web worker.
    """

    scope = "api"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ClientPrincipal):
            ident = f"client:{user.client.code}"
        elif user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
