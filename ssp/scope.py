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

from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import cached_property

from .roles import POLICE_ROLES, SCHOOL_LEADS, Role

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
    def today(self):
        """The day the request's rules decide for (London): read from the clock once, so a
        rule that asks for it can also be built for a stand-in day (ssp.statements)."""
        from django.utils import timezone

        return timezone.localdate()

    @cached_property
    def visible_school_ids(self) -> list[int]:
        """The schools the person may see anything of (School.objects.visible_to).

        Kept as constants: records filtered by them plan in well under a millisecond, where
        the same filter as a subquery nested in other subqueries costs ~10 ms to plan.
        """
        from schools.models import visible_school_ids

        return visible_school_ids(self.user)

    def visible_schools(self, *, select_related=(), annotate=None) -> list:
        """The visible schools as rows, with what a page shows of them; one query, which
        also answers visible_school_ids for the rest of the request. The page may only say
        what to load with them (related rows, counts), never narrow or widen the rule."""
        from schools.models import School

        queryset = School.objects.visible_to(self.user).annotate(**(annotate or {}))
        if select_related:
            queryset = queryset.select_related(*select_related)
        schools = list(queryset)
        self.__dict__.setdefault("visible_school_ids", [school.pk for school in schools])
        return schools

    @cached_property
    def memberships(self) -> list:
        """The person's current places at schools (role_of reads them too): one query."""
        if not getattr(self.user, "is_authenticated", False):
            return []
        return list(self.user.memberships.current())

    def held_school_ids(self, *roles: Role) -> frozenset[int]:
        """The schools where the person holds one of these school roles now
        (School.objects.held_as, read from the memberships already loaded)."""
        return frozenset(
            m.school_id for m in self.memberships if any(m.holds(role) for role in roles)
        )

    @cached_property
    def led_school_ids(self) -> frozenset[int]:
        """The schools where the person is the head, the SPOC or the deputy SPOC now."""
        return self.held_school_ids(*SCHOOL_LEADS)

    @cached_property
    def in_force_school_ids(self) -> list[int]:
        """Of the schools the person may see, those whose DSA is in force now
        (Partnership.objects.in_force(), the one place that decides it): one query, whose
        statement is built once per process (agreements.models.in_force_among)."""
        from agreements.models import in_force_among

        return in_force_among(self.visible_school_ids, self.today)

    def forget(self) -> None:
        """Drop every answer worked out so far, and the role worked out on the user, so the
        next question reads the database again."""
        # Every answer is kept in the instance's dict (cached properties, visible_schools):
        # all of it goes, so an answer added later cannot be left behind.
        for name in [name for name in self.__dict__ if name != "user"]:
            del self.__dict__[name]
        forget_role(self.user)


def forget_role(user) -> None:
    """The role is worked out once per user object (`User.role`) from its officer record and
    memberships, which Django keeps on the object once read: drop them, so it is read again."""
    with suppress(AttributeError):  # not worked out yet
        del user.role  # through attributes: request.user is a lazy object around the user
    meta = getattr(user, "_meta", None)
    if meta is None:
        return
    for relation in meta.related_objects:
        if relation.one_to_one and relation.is_cached(user):
            relation.delete_cached_value(user)
    getattr(user, "_prefetched_objects_cache", {}).pop("memberships", None)


def scope_of(user) -> Scope:
    """The current request's scope when `user` is that request's user, else a fresh one."""
    scope = _current.get()
    # The request's user is a lazy object; code handed the user itself (User.role) is the same.
    if scope is not None and (scope.user is user or getattr(scope.user, "_wrapped", None) is user):
        return scope
    return Scope(user)


def fresh_scope(user) -> Scope:
    """The person's scope read again from the database: for a write re-checking its predicate
    once it holds its lock. The page that posted has usually asked already in this request
    (to fetch the record, to list the form's choices), before the lock was taken; a revocation,
    lapse or ended place committed since must refuse the write, not pass on that answer.

    The request's scope is the one refreshed, so whatever the request shows after the write
    agrees with what the write was allowed to do."""
    scope = scope_of(user)
    scope.forget()
    return scope


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


@contextmanager
def stand_in_scope(user, **facts):
    """The current scope, while a statement is built with stand-ins (ssp.statements): the
    stand-in person's, holding the given facts (`visible_school_ids=[...]`, say) instead of
    working them out."""
    scope = Scope(user)
    scope.__dict__.update(facts)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
