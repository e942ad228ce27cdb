import pytest

from api.models import Scope
from api.services import client_approve, client_register
from schools.models import Officer
from tests.factories import OfficerFactory, PupilFactory, TeamFactory
from tests.incidents.conftest import incident_a, make_incident  # noqa: F401
from tests.referrals.conftest import make_referral, referral_a, scheme  # noqa: F401

ALL_SCOPES = list(Scope.values)


def sergeant_of(team):
    """A sergeant of the team (one is made if it has none), who approves its clients."""
    officer = team.officers.filter(rank=Officer.Rank.SERGEANT).select_related("user").first()
    if officer is None:
        officer = OfficerFactory(team=team, rank=Officer.Rank.SERGEANT)
    return officer.user


@pytest.fixture
def register(admin_user):
    """Register a machine client as the force's administrator; returns (client, token)."""

    def make(*, team, name="Records system", scopes=ALL_SCOPES, purpose=None, approved=True):
        client, token = client_register(
            by=admin_user,
            force=team.force,
            team=team,
            name=name,
            purpose=purpose or "Recording police-relevant incidents in the force's system",
            scopes=scopes,
        )
        if approved:
            client_approve(client=client, by=sergeant_of(team))
        return client, token

    return make


@pytest.fixture
def force_client(register, safer_team):
    """The force's records system, reading as the Safer Schools team's sergeant does."""
    return register(team=safer_team)


@pytest.fixture
def other_force_client(register, other_sergeant):
    return register(team=other_sergeant.officer.team, name="Southshire records")


@pytest.fixture
def bearer(client):
    """The test client calling as a machine client: bearer(token).get(url)."""

    class Caller:
        def __init__(self, token):
            self.token = token

        def get(self, url, **extra):
            return client.get(url, HTTP_AUTHORIZATION=f"Bearer {self.token}", **extra)

    return Caller


@pytest.fixture
def pupil_b(school_b):
    return PupilFactory(school=school_b, first_name="Bella", last_name="Brown")


@pytest.fixture
def second_safer_team(force):
    return TeamFactory(force=force, name="Second Safer Schools Team")
