"""The access log's client address comes from the deployment's trusted proxies, never from a
header the client writes (issue 10, hole 6)."""

import pytest
from django.urls import reverse

from ssp.models import AccessLog


@pytest.fixture
def chronology(pupil_a):
    return reverse("pupil_chronology", args=[pupil_a.code])


def _read(client, url, **headers):
    client.raise_request_exception = False  # a 500 must show as a 500, not as an exception
    return client.get(url, REMOTE_ADDR="10.0.0.5", **headers)


def test_with_no_trusted_proxy_a_forwarded_header_is_ignored(
    client, settings, spoc_a, pupil_a, chronology
):
    settings.TRUSTED_PROXY_COUNT = 0
    client.force_login(spoc_a)
    response = _read(client, chronology, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert response.status_code == 200
    assert AccessLog.objects.get(user=spoc_a).ip_address == "10.0.0.5"


def test_behind_one_proxy_the_right_most_address_is_the_client(
    client, settings, spoc_a, chronology
):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(spoc_a)
    # The client wrote the first address itself; the proxy appended the one it saw.
    _read(client, chronology, HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7")
    assert AccessLog.objects.get(user=spoc_a).ip_address == "198.51.100.7"


def test_behind_two_proxies_the_second_from_the_right_is_the_client(
    client, settings, spoc_a, chronology
):
    settings.TRUSTED_PROXY_COUNT = 2
    client.force_login(spoc_a)
    _read(client, chronology, HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7, 10.0.0.2")
    assert AccessLog.objects.get(user=spoc_a).ip_address == "198.51.100.7"


@pytest.mark.parametrize(
    "header",
    [
        "not-an-address",
        "<script>, <script>",
        "999.1.1.1",
        "198.51.100.7:4433",
        "\x00",
        " , ",
        "",
    ],
)
@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_a_malformed_forwarded_header_logs_the_peer_and_never_answers_500(
    client, settings, spoc_a, chronology, header, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    client.force_login(spoc_a)
    response = _read(client, chronology, HTTP_X_FORWARDED_FOR=header)
    assert response.status_code == 200
    assert AccessLog.objects.get(user=spoc_a).ip_address == "10.0.0.5"


def test_a_refused_attempt_is_logged_from_the_real_address_too(
    client, settings, spoc_b, chronology
):
    settings.TRUSTED_PROXY_COUNT = 0
    client.force_login(spoc_b)
    response = _read(client, chronology, HTTP_X_FORWARDED_FOR="203.0.113.66")
    assert response.status_code == 404
    row = AccessLog.objects.get(user=spoc_b)
    assert (row.outcome, row.ip_address) == (AccessLog.Outcome.NOT_FOUND, "10.0.0.5")
