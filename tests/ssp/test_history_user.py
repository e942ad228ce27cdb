"""A history row names the person who made the change, or no one (ssp.history).

simple-history takes the acting user from the request when a write does not name one. A
request may carry something that is not a person (a machine client's principal, or nobody
signed in): every model's history must then name no one, never fail on it. The getter is
configured once, so this is asked of every history-tracked model in the project.
"""

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from simple_history.models import HistoricalRecords as SimpleHistoricalRecords

from api.authentication import ClientPrincipal
from api.models import ApiClient
from incidents.models import CorrectionNote
from incidents.services import concern_add_note
from ssp.history import history_user
from tests.incidents.conftest import (  # noqa: F401  (fixtures shared with the concern tests)
    concern_a,
    make_concern,
    shared_concern_a,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def principal(sergeant):
    """A machine client of the sergeant's team, as the API's authentication hands it on."""
    return ClientPrincipal(ApiClient(team=sergeant.officer.team))


def tracked_models():
    return [m for m in apps.get_models() if hasattr(m._meta, "simple_history_manager_attribute")]


@contextmanager
def request_of(user):
    """What HistoryRequestMiddleware does for a request of `user`."""
    request = RequestFactory().post("/")
    request.user = user
    SimpleHistoricalRecords.context.request = request
    try:
        yield request
    finally:
        del SimpleHistoricalRecords.context.request


def named_by_history(model):
    """Whom the model's history would name for a change that does not say."""
    historical = getattr(model, model._meta.simple_history_manager_attribute).model
    return historical.get_default_history_user(model())


def test_every_tracked_model_names_a_person_and_only_a_person(principal, sergeant):
    models = tracked_models()
    assert len(models) > 40  # the scan reaches the project's models
    for who, named in ((principal, None), (AnonymousUser(), None), (sergeant, sergeant)):
        with request_of(who):
            wrong = [m._meta.label for m in models if named_by_history(m) != named]
        assert wrong == [], f"{who}: {wrong}"


def test_the_getter_names_a_user_and_nothing_else(sergeant, principal):
    assert history_user(request=RequestFactory().get("/")) is None  # no user on it
    assert history_user(request=None) is None
    for user, named in (
        (sergeant, sergeant),
        (principal, None),
        (AnonymousUser(), None),
    ):
        request = RequestFactory().get("/")
        request.user = user
        assert history_user(request=request) == named


def test_a_service_that_names_the_person_still_does(shared_concern_a, sspo_a, principal):  # noqa: F811
    """`_history_user` on the record is read before the request: a service naming `by` is
    recorded as them, whoever the request carries."""
    with request_of(principal):
        note = concern_add_note(concern=shared_concern_a, by=sspo_a, text="Seen again.")
    assert note.history.get().history_user == sspo_a
    assert CorrectionNote.objects.get().author == sspo_a


def test_a_history_user_getter_cannot_be_given_per_model():
    from ssp.history import HistoricalRecords

    with pytest.raises(TypeError):
        HistoricalRecords(get_user=lambda **kwargs: None)
