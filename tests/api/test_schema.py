"""schemathesis against the schema the portal publishes: with a client of each kind and
people of each side, no answer is a 500 and every answer is what the schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.specs.openapi.checks import positive_data_acceptance

from ssp.wsgi import application

# A body the schema refuses is to be refused. A body over the API's size limit (64 KiB) is
# refused before it is read, with 413, which schemathesis does not count as a refusal.
REFUSED = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REFUSED}}}
)
# The schema as the portal publishes it (read through the WSGI app; it touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@pytest.fixture(autouse=True)
def _same_transaction():
    # The WSGI handler closes "old" connections around each request, which would end the
    # test's transaction; Django's test client switches that off in the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CALLERS = ["force_client", "other_force_client", "sspo_a", "head_a", "staff_a", "nobody"]


@pytest.fixture
def callers(request, client, incident_a, referral_a, sspo_b, spoc_b):
    """Each caller's headers: a machine client's token or a person's session cookie."""
    headers = {"nobody": {}}
    for who in CALLERS[:-1]:
        if who.endswith("_client"):
            headers[who] = {"Authorization": f"Bearer {request.getfixturevalue(who)[1]}"}
        else:
            client.force_login(request.getfixturevalue(who))
            headers[who] = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
            client.cookies.clear()  # the next force_login makes a new session
    return headers


@schema.parametrize()
@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_the_promises_of_its_published_schema(case, callers):
    for headers in callers.values():
        # Every other check runs. This one expects any string the schema allows as a cursor
        # to be taken; a cursor is opaque, and one the API did not give is a 400.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def test_the_schema_and_its_docs_are_served_from_the_portal(client):
    schema_response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema_response.status_code == 200
    paths = schema_response.json()["paths"]
    assert "/api/v1/incidents/changes/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "swagger-ui" in page
    # Nothing from a CDN: every script and stylesheet is the portal's own.
    assert "http://" not in page and "https://" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
