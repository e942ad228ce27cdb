"""The SPOC sees and chooses the gateway and purpose of a share before confirming it, and the
recipient's side opening what was shared is their acknowledgement: once, never the sender's."""

import pytest
from django.urls import reverse

from agreements.models import Disclosure, Gateway
from incidents.models import Concern
from incidents.services import enquiry_reply, incident_send_summary

REASONS = "A knife was seen in a bag at break: the SSPO must know."


def _to_confirm(client, spoc, concern):
    client.force_login(spoc)
    data = {"decision": "shared", "rationale": REASONS, "version": concern.version}
    response = client.post(reverse("concern_triage", args=[concern.code]), data)
    assert response["Location"] == reverse("concern_share", args=[concern.code])
    return data


def test_the_spoc_sees_the_dsas_gateway_and_purpose_before_confirming(
    client, concern_a, spoc_a, sspo_a
):
    _to_confirm(client, spoc_a, concern_a)
    response = client.get(reverse("concern_share", args=[concern_a.code]))
    form = response.context["form"]
    gateway, purpose, clause = Disclosure.DEFAULTS[Disclosure.Kind.CONCERN_SHARED]
    assert form["gateway"].value() == gateway and form["purpose"].value() == purpose
    body = response.content.decode()
    assert "Legal gateway" in body and "Crime and Disorder Act 1998 s115" in body
    assert "Operation Encompass" not in body  # never a gateway for a share under the DSA
    assert clause in body and "DSA v" in body


def test_the_spoc_chooses_another_gateway_and_words_the_purpose(client, concern_a, spoc_a, sspo_a):
    data = _to_confirm(client, spoc_a, concern_a)
    chosen = {"gateway": Gateway.CRIME_AND_DISORDER_S115, "purpose": "Preventing a knife crime"}
    response = client.post(reverse("concern_share", args=[concern_a.code]), {**data, **chosen})
    assert response.status_code == 302
    row = Disclosure.objects.get(kind=Disclosure.Kind.CONCERN_SHARED)
    assert (row.gateway, row.purpose) == (chosen["gateway"], chosen["purpose"])
    assert row.disclosed_to == sspo_a and row.acknowledged_at is None


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({"gateway": "encompass"}, "gateway", "Choose the legal gateway"),
        ({"gateway": ""}, "gateway", "Choose the legal gateway"),
        ({"purpose": ""}, "purpose", "Say what the officer needs the concern for"),
    ],
)
def test_a_bad_gateway_or_purpose_shares_nothing_and_keeps_the_reasons(
    client, concern_a, spoc_a, sspo_a, bad, field, message
):
    data = _to_confirm(client, spoc_a, concern_a)
    posted = {**data, "gateway": Gateway.CHILDREN_ACT_2004_S11, "purpose": "Safeguarding", **bad}
    response = client.post(reverse("concern_share", args=[concern_a.code]), posted)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert REASONS in response.content.decode()
    concern_a.refresh_from_db()
    assert concern_a.status == Concern.Status.NEW and not Disclosure.objects.exists()


def _shared_row(concern):
    return Disclosure.objects.get(record_code=concern.code, kind=Disclosure.Kind.CONCERN_SHARED)


def test_the_officer_opening_the_shared_concern_acknowledges_it_once(
    client, shared_concern_a, spoc_a, head_a, sspo_a, sergeant
):
    url = reverse("concern_detail", args=[shared_concern_a.code])
    for reader in (spoc_a, head_a, sergeant):  # the sender's side; the supervisor
        client.force_login(reader)
        assert client.get(url).status_code == 200
    assert _shared_row(shared_concern_a).acknowledged_at is None
    client.force_login(sspo_a)
    assert client.get(url).status_code == 200
    row = _shared_row(shared_concern_a)
    assert row.acknowledged_by == sspo_a and row.acknowledged_at is not None
    first = row.acknowledged_at
    client.get(url)
    assert _shared_row(shared_concern_a).acknowledged_at == first


def test_another_schools_officer_gets_404_and_acknowledges_nothing(
    client, shared_concern_a, sspo_b
):
    client.force_login(sspo_b)
    assert client.get(reverse("concern_detail", args=[shared_concern_a.code])).status_code == 404
    assert _shared_row(shared_concern_a).acknowledged_at is None


def test_the_school_opening_an_incident_summary_acknowledges_it(
    client, incident_a, sspo_a, spoc_a, spoc_b
):
    summary = incident_send_summary(incident=incident_a, by=sspo_a, text="Knife seized.")
    url = reverse("incident_summary_detail", args=[summary.code])
    row = Disclosure.objects.get(record_code=summary.code)
    client.force_login(sspo_a)  # the sender reading what they sent
    client.get(url)
    client.force_login(spoc_b)  # another school's SPOC
    assert client.get(url).status_code == 404
    row.refresh_from_db()
    assert row.acknowledged_at is None
    client.force_login(spoc_a)
    assert client.get(url).status_code == 200
    row.refresh_from_db()
    assert row.acknowledged_by == spoc_a


def test_each_side_opening_an_enquiry_acknowledges_the_others_messages(
    client, enquiry_a, sspo_a, spoc_a
):
    asked = Disclosure.objects.get(kind=Disclosure.Kind.ENQUIRY_MESSAGE)
    answer = enquiry_reply(enquiry=enquiry_a, by=spoc_a, text="Yes, Tuesday.")
    answered = Disclosure.objects.get(record_code=answer.code)
    url = reverse("enquiry_detail", args=[enquiry_a.code])
    client.force_login(spoc_a)
    client.get(url)
    asked.refresh_from_db()
    answered.refresh_from_db()
    assert asked.acknowledged_by == spoc_a  # the police's question, opened by the school
    assert answered.acknowledged_at is None  # not the SPOC's own answer
    client.force_login(sspo_a)
    client.get(url)
    answered.refresh_from_db()
    asked.refresh_from_db()
    assert answered.acknowledged_by == sspo_a and asked.acknowledged_by == spoc_a
