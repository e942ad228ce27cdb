"""What one person may reach, worked out at most once per request: the per-request scope.

The access rules themselves stay where they are written (`School.objects.visible_to`,
`Partnership.objects.in_force`, the school leads' memberships); the scope only remembers
their answers for the length of one request, so a page that asks five times queries once.

Nothing is ever kept on the user object. `ScopeMiddleware` makes a new `Scope` for every
request and forgets it when the response is made, so a revocation, a lapse or an ended place
takes effect on the next request. Code that only has a user (a queryset method, a predicate)
reaches the request's scope with `scope_of(user)`; for any other user object, or outside a
request (Celery tasks, management commands), it gets a fresh scope that remembers nothing
beyond its caller.

The scope names the rules of the apps below `ssp` (imported where used, as the URLs name
every app): it is wiring, not a rule of its own.
"""

from contextvars import ContextVar
from functools import cached_property

from .roles import POLICE_ROLES, SCHOOL_LEADS, SCHOOL_ROLES, Role

_current: ContextVar["Scope | None"] = ContextVar("ssp_scope", default=None)


class Scope:
    """One person's reach during one request. Each fact is worked out when first asked."""

    def __init__(self, user):
        self.user = user

    def __repr__(self):
        return f"<Scope of user {getattr(self.user, 'pk', None)}>"

    @property
    def role(self) -> Role | None:
        return getattr(self.user, "role", None)

    @property
    def is_police(self) -> bool:
        return self.role in POLICE_ROLES

    @cached_property
    def visible_school_ids(self) -> list[int]:
        """The schools the person may see anything of (School.objects.visible_to).

        Kept as constants: records filtered by them plan in well under a millisecond, where
        the same filter as a subquery nested in other subqueries costs ~10 ms to plan.
        """
        from schools.models import School

        return list(School.objects.visible_to(self.user).values_list("pk", flat=True))

    def visible_schools(self, *, select_related=(), prefetch=()) -> list:
        """The visible schools as rows, with what a page shows of them; one query, which
        also answers visible_school_ids for the rest of the request. The page may only say
        what to load with them, never narrow or widen the rule."""
        from django.db.models import Exists, OuterRef

        from schools.models import Membership, School

        queryset = School.objects.visible_to(self.user)
        school_person = self.role in SCHOOL_ROLES
        if school_person:
            # Which of them the person leads, in the same query: the rule of led_school_ids
            # (School.objects.held_as), asked of each row. Every school someone leads is a
            # school they may see, so the rows answer led_school_ids too.
            held = Membership.objects.current().holding(self.user, *SCHOOL_LEADS)
            queryset = queryset.annotate(led_by_viewer=Exists(held.filter(school=OuterRef("pk"))))
        schools = list(queryset.select_related(*select_related).prefetch_related(*prefetch))
        self.__dict__.setdefault("visible_school_ids", [school.pk for school in schools])
        if school_person:
            led = frozenset(school.pk for school in schools if school.led_by_viewer)
            self.__dict__.setdefault("led_school_ids", led)
        return schools

    @cached_property
    def led_school_ids(self) -> frozenset[int]:
        """The schools where the person is the head, the SPOC or the deputy SPOC now."""
        from schools.models import School

        held = School.objects.held_as(self.user, *SCHOOL_LEADS)
        return frozenset(held.values_list("pk", flat=True))

    @cached_property
    def in_force_school_ids(self) -> list[int]:
        """Of the schools the person may see, those whose DSA is in force now
        (Partnership.objects.in_force(), the one place that decides it)."""
        from agreements.models import Partnership

        return list(
            Partnership.objects.filter(school_id__in=self.visible_school_ids)
            .in_force()
            .values_list("school_id", flat=True)
        )


def scope_of(user) -> Scope:
    """The current request's scope when `user` is that request's user, else a fresh one."""
    scope = _current.get()
    if scope is not None and scope.user is user:
        return scope
    return Scope(user)


class ScopeMiddleware:
    """Gives each request its own scope (`request.scope`), forgotten when it ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = Scope(request.user)
        token = _current.set(request.scope)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
