"""The fixed cast every test shares, and the guarantee that tests run on the real services.

Two partnered schools (A and B) in one force, each with an SSPO, and a third school (C)
that does not meet the SSPO criteria and is served by the Youth Engagement Team. Another
force's sergeant stands outside everything.
"""

import datetime

import pytest
from django.conf import settings
from django.db import connection

from schools.models import Membership, Officer, Team
from schools.services import assignment_create

from .factories import (
    ForceFactory,
    MembershipFactory,
    OfficerFactory,
    PartnershipFactory,
    PupilFactory,
    SchoolFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture(autouse=True, scope="session")
def _real_services(django_db_setup, django_db_blocker):
    """Tests talk to PostgreSQL and Redis, never silently to SQLite or local memory."""
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", "Set DATABASE_URL to a PostgreSQL database"
    backend = settings.CACHES["default"]["BACKEND"]
    assert backend.endswith("RedisCache"), "Set REDIS_URL to a Redis server"
    assert not settings.CELERY_BROKER_URL.startswith("memory"), "Celery must use Redis"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; the cast's many passwords need not be.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttling and used TOTP codes live in the shared Redis cache; each test starts clean.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def force(db):
    return ForceFactory(name="Northshire Police")


@pytest.fixture
def safer_team(force):
    return TeamFactory(force=force, name="Safer Schools Team")


@pytest.fixture
def yet_team(force):
    return TeamFactory(force=force, name="Youth Engagement Team", kind=Team.Kind.YOUTH_ENGAGEMENT)


@pytest.fixture
def school_a(force):
    return PartnershipFactory(school__force=force, school__name="Ashdown Academy").school


@pytest.fixture
def school_b(force):
    return PartnershipFactory(school__force=force, school__name="Brookfield School").school


@pytest.fixture
def school_c(force):
    return SchoolFactory(force=force, name="Coldharbour School", meets_sspo_criteria=False)


def _member(school, *, position=Membership.Position.STAFF, slt=False, designation="", **user):
    return MembershipFactory(
        school=school,
        position=position,
        is_slt=slt,
        designation=designation,
        user=UserFactory(**user),
    ).user


@pytest.fixture
def head_a(school_a):
    return _member(
        school_a,
        position=Membership.Position.HEAD,
        slt=True,
        email="head.a@example.org",
        first_name="Hannah",
        last_name="Ashdown",
    )


@pytest.fixture
def deputy_a(school_a):
    return _member(
        school_a,
        slt=True,
        designation=Membership.Designation.DEPUTY,
        email="deputy.a@example.org",
        first_name="Dee",
        last_name="Puty",
    )


@pytest.fixture
def spoc_a(school_a):
    return _member(
        school_a,
        slt=True,
        designation=Membership.Designation.SPOC,
        email="spoc.a@example.org",
        first_name="Simon",
        last_name="Archer",
    )


@pytest.fixture
def staff_a(school_a):
    return _member(school_a, email="staff.a@example.org", first_name="Stella", last_name="Abbott")


@pytest.fixture
def staff_a2(school_a):
    return _member(school_a, email="staff.a2@example.org", first_name="Sean", last_name="Atkins")


@pytest.fixture
def head_b(school_b):
    return _member(
        school_b,
        position=Membership.Position.HEAD,
        slt=True,
        email="head.b@example.org",
        first_name="Harriet",
        last_name="Brook",
    )


@pytest.fixture
def spoc_b(school_b):
    return _member(
        school_b,
        slt=True,
        designation=Membership.Designation.SPOC,
        email="spoc.b@example.org",
        first_name="Sophie",
        last_name="Barnes",
    )


@pytest.fixture
def head_c(school_c):
    return _member(
        school_c,
        position=Membership.Position.HEAD,
        slt=True,
        email="head.c@example.org",
        first_name="Henry",
        last_name="Cole",
    )


def _officer(team, rank=Officer.Rank.CONSTABLE, **user):
    return OfficerFactory(team=team, rank=rank, user=UserFactory(**user)).user


@pytest.fixture
def sergeant(safer_team):
    return _officer(
        safer_team,
        Officer.Rank.SERGEANT,
        email="sergeant@example.org",
        first_name="Priya",
        last_name="Shah",
    )


@pytest.fixture
def sspo_a(safer_team, school_a, sergeant):
    user = _officer(safer_team, email="sspo.a@example.org", first_name="Dan", last_name="Okafor")
    assignment_create(
        officer=user.officer, school=school_a, starts_on=datetime.date(2026, 9, 1), by=sergeant
    )
    return user


@pytest.fixture
def sspo_b(safer_team, school_b, sergeant):
    user = _officer(
        safer_team, email="sspo.b@example.org", first_name="Claire", last_name="Hughes"
    )
    assignment_create(
        officer=user.officer, school=school_b, starts_on=datetime.date(2026, 9, 1), by=sergeant
    )
    return user


@pytest.fixture
def yet_officer(yet_team):
    return _officer(yet_team, email="yet@example.org", first_name="Amy", last_name="Lewis")


@pytest.fixture
def other_sergeant(db):
    team = TeamFactory(force=ForceFactory(name="Southshire Police"))
    return _officer(
        team,
        Officer.Rank.SERGEANT,
        email="sergeant@south.example.org",
        first_name="Oliver",
        last_name="Other",
    )


@pytest.fixture
def admin_user(db):
    return UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def pupil_a(school_a):
    return PupilFactory(school=school_a, first_name="Amelia", last_name="Ashby")


@pytest.fixture
def signed_in(client):
    """Sign a person in as the portal would after both factors, and return the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def retention_rules(db):
    """The force's default retention rules as records/migrations/0002 seeds them
    (get_or_create): a database a transactional test (a browser test) has emptied loses the
    migration's rows, so a test that needs the rules asks for them."""
    from importlib import import_module

    from django.apps import apps

    import_module("records.migrations.0002_retention_review").seed(apps, None)


@pytest.fixture
def tasks_run_eagerly():
    """As in the demo, which has no broker or worker: tasks run eagerly, the broker is
    kombu's in-memory transport (ssp/settings.py without REDIS_URL)."""
    from ssp.celery import app

    broker = app.conf.broker_url
    app.conf.update(task_always_eager=True, broker_url="memory://")
    app._pool = app.amqp._producer_pool = None
    yield
    app.conf.update(task_always_eager=False, broker_url=broker)
    app._pool = app.amqp._producer_pool = None
