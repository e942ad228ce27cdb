"""The lawful basis of every share: each disclosure records the DSA version and clause it was
made under, its legal gateway, its purpose and its recipient, and when the recipient's side
first opened it. Operation Encompass is the one gateway outside the DSA."""

import csv
import io
import threading
import uuid
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from agreements.models import Disclosure, Document, Gateway
from agreements.services import disclosure_defaults, disclosure_record, disclosures_acknowledge
from tests.factories import revoke_dsa, step_up

LOG = reverse("sharing_log")
CSV = reverse("sharing_log_csv")


def share(school, by, to, **fields):
    return disclosure_record(
        school=school,
        direction=fields.pop("direction", Disclosure.Direction.TO_POLICE),
        kind=fields.pop("kind", Disclosure.Kind.CONCERN_SHARED),
        record_code=fields.pop("record_code", None) or uuid.uuid4(),
        by=by,
        to=to,
        **fields,
    )


def test_a_disclosure_records_the_dsa_version_clause_gateway_purpose_and_recipient(
    school_a, spoc_a, sspo_a
):
    row = share(school_a, spoc_a, sspo_a, purpose="Knife seen in a bag at break")
    dsa = Document.objects.current_of(school_a.partnership.force_id, Document.Kind.DSA).get()
    assert row.document == dsa and row.partnership == school_a.partnership
    assert row.clause.startswith(f"DSA v{dsa.version}, What may be shared")
    assert row.gateway == Gateway.CHILDREN_ACT_2004_S11  # the kind's default
    assert row.purpose == "Knife seen in a bag at break"
    assert sspo_a.get_full_name() in row.recipient and "Safer Schools" in row.recipient
    assert row.acknowledged_at is None and not row.recorded_before_basis
    assert row.history.get().history_user == spoc_a


def test_without_a_gateway_or_purpose_the_kinds_defaults_are_recorded(school_a, spoc_a, sspo_a):
    row = share(school_a, spoc_a, sspo_a, kind=Disclosure.Kind.ENQUIRY_ANSWER)
    gateway, purpose, _ = Disclosure.DEFAULTS[Disclosure.Kind.ENQUIRY_ANSWER]
    assert (row.gateway, row.purpose) == (gateway, purpose)
    assert row.gateway == Gateway.CRIME_AND_DISORDER_S115


def test_the_default_gateway_follows_what_the_dsa_names(school_a, publish_new_version):
    dsa = Document(version=7, lawful_bases="Crime and Disorder Act 1998 s115; UK GDPR 6(1)(e).")
    gateway, _, clause = disclosure_defaults(Disclosure.Kind.CONCERN_SHARED, dsa)
    assert gateway == Gateway.CRIME_AND_DISORDER_S115  # the DSA does not name s11
    assert clause.startswith("DSA v7, ")
    dsa.lawful_bases = "Children Act 2004 s.11 and the Crime and Disorder Act 1998 s115"
    gateway, _, _ = disclosure_defaults(Disclosure.Kind.CONCERN_SHARED, dsa)
    assert gateway == Gateway.CHILDREN_ACT_2004_S11  # named: the kind's usual one stays
    dsa.lawful_bases = "Education Act 2002 s.175; the common-law policing purposes."
    gateway, _, _ = disclosure_defaults(Disclosure.Kind.CONCERN_SHARED, dsa)
    assert gateway == Gateway.EDUCATION_ACT_2002_S175  # not the Children Act 1989 s17
    dsa.lawful_bases = "UK GDPR Art. 6(1)(e); Art. 9(2)(g)."  # names no gateway
    gateway, _, _ = disclosure_defaults(Disclosure.Kind.CONCERN_SHARED, dsa)
    assert gateway == Gateway.CHILDREN_ACT_2004_S11


def test_operation_encompass_is_refused_for_a_share_under_the_dsa(school_a, spoc_a, sspo_a):
    with pytest.raises(ValidationError) as error:
        share(school_a, spoc_a, sspo_a, gateway=Gateway.OPERATION_ENCOMPASS)
    assert "gateway" in error.value.message_dict
    assert not Disclosure.objects.exists()


def test_an_unknown_gateway_is_refused(school_a, spoc_a, sspo_a):
    with pytest.raises(ValidationError):
        share(school_a, spoc_a, sspo_a, gateway="gdpr_whatever")
    assert not Disclosure.objects.exists()


def test_only_operation_encompass_goes_without_a_dsa(school_a, sergeant, spoc_a, sspo_a):
    revoke_dsa(school_a.partnership)
    for gateway in Gateway.values:
        if gateway == Gateway.OPERATION_ENCOMPASS:
            continue
        with pytest.raises(ValidationError):
            share(school_a, spoc_a, sspo_a, gateway=gateway)
    assert not Disclosure.objects.exists()
    row = share(
        school_a,
        sergeant,
        spoc_a,
        direction=Disclosure.Direction.TO_SCHOOL,
        kind=Disclosure.Kind.ENCOMPASS,
        gateway=Gateway.OPERATION_ENCOMPASS,
    )
    assert row.document is None and row.partnership is None
    assert row.agreement == "Not under the DSA: Operation Encompass"


def test_operation_encompass_goes_only_from_police_to_school(school_a, spoc_a, sspo_a):
    with pytest.raises(ValidationError):
        share(school_a, spoc_a, sspo_a, kind=Disclosure.Kind.ENCOMPASS)
    assert not Disclosure.objects.exists()


def test_the_database_refuses_a_new_row_without_gateway_or_dsa(school_a, spoc_a, sspo_a):
    row = share(school_a, spoc_a, sspo_a)
    for change in ({"gateway": ""}, {"purpose": ""}, {"document": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Disclosure.objects.filter(pk=row.pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=row.pk).update(acknowledged_at=row.at)  # by no one


def test_acknowledging_counts_only_the_receiving_side_and_only_once(
    school_a, spoc_a, head_a, sspo_a, sergeant
):
    row = share(school_a, spoc_a, sspo_a)
    kinds = [Disclosure.Kind.CONCERN_SHARED]
    # The sender's own side, and the supervising sergeant, acknowledge nothing.
    for reader in (spoc_a, head_a, sergeant):
        assert disclosures_acknowledge(by=reader, record_codes=[row.record_code], kinds=kinds) == 0
    row.refresh_from_db()
    assert row.acknowledged_at is None
    assert disclosures_acknowledge(by=sspo_a, record_codes=[row.record_code], kinds=kinds) == 1
    row.refresh_from_db()
    first = row.acknowledged_at
    assert first is not None and row.acknowledged_by == sspo_a
    latest = row.history.first()  # history keeps who acknowledged, and when
    assert latest.history_user == sspo_a and latest.acknowledged_at == first
    assert disclosures_acknowledge(by=sspo_a, record_codes=[row.record_code], kinds=kinds) == 0
    row.refresh_from_db()
    assert row.acknowledged_at == first


@pytest.mark.django_db(transaction=True)
def test_two_first_openings_at_once_acknowledge_once(school_a, spoc_a, head_a, sspo_a):
    sent = share(
        school_a,
        sspo_a,
        spoc_a,
        direction=Disclosure.Direction.TO_SCHOOL,
        kind=Disclosure.Kind.INCIDENT_SUMMARY,
    )
    barrier = threading.Barrier(2)
    counts = {}

    def open_it(user):
        try:
            barrier.wait()
            counts[user.pk] = disclosures_acknowledge(
                by=user, record_codes=[sent.record_code], kinds=[sent.kind]
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=open_it, args=(user,)) for user in (spoc_a, head_a)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts.values()) == [0, 1]
    sent.refresh_from_db()
    winner = spoc_a if counts[spoc_a.pk] else head_a
    assert sent.acknowledged_by == winner
    assert sent.history.filter(acknowledged_by__isnull=False).count() == 1


def test_the_migration_marks_earlier_rows_and_keeps_their_basis(school_a, spoc_a, sspo_a):
    row = share(school_a, spoc_a, sspo_a)
    Disclosure.objects.filter(pk=row.pk).update(lawful_basis="The old fixed basis")
    migration = import_module("agreements.migrations.0010_disclosure_basis")
    migration.mark_rows_recorded_before(django_apps, None)
    row.refresh_from_db()
    assert row.recorded_before_basis and row.lawful_basis == "The old fixed basis"
    assert row.history.get().recorded_before_basis


# --- The page and its CSV -----------------------------------------------------------


@pytest.fixture
def logged(school_a, school_b, spoc_a, spoc_b, sspo_a, sspo_b, sergeant):
    a = share(school_a, spoc_a, sspo_a, purpose="Knife seen in a bag at break")
    b = share(school_b, spoc_b, sspo_b, purpose="Brookfield's own concern")
    old = share(school_a, spoc_a, sspo_a)
    Disclosure.objects.filter(pk=old.pk).update(
        recorded_before_basis=True, gateway="", purpose="", clause="", recipient=""
    )
    disclosures_acknowledge(
        by=sspo_a, record_codes=[a.record_code], kinds=[Disclosure.Kind.CONCERN_SHARED]
    )
    return a, b, old


def test_the_log_shows_gateway_purpose_clause_recipient_and_when_opened(
    client, logged, head_a, sspo_a
):
    client.force_login(head_a)
    body = client.get(LOG).content.decode()
    assert "Children Act 2004 s11" in body
    assert "Knife seen in a bag at break" in body
    assert "What may be shared" in body
    assert "Opened by the recipient" in body
    assert sspo_a.get_full_name() in body
    assert "Recorded before gateways and purposes were kept" in body
    assert "Brookfield" not in body  # another school's row


@pytest.mark.parametrize("who", ["spoc_b", "head_b"])
def test_another_schools_leads_see_none_of_it(request, client, logged, who):
    client.force_login(request.getfixturevalue(who))
    body = client.get(LOG).content.decode()
    assert "Knife seen in a bag at break" not in body
    assert "Brookfield&#x27;s own concern" in body


def test_the_csv_carries_the_new_columns(client, logged, head_a, sspo_a):
    a, _, old = logged
    client.force_login(head_a)
    step_up(client)
    rows = list(csv.DictReader(io.StringIO(client.get(CSV).content.decode())))
    assert len(rows) == 2
    by_record = {row["record"]: row for row in rows}
    new, before = by_record[str(a.record_code)], by_record[str(old.record_code)]
    assert new["legal gateway"] == "Children Act 2004 s11"
    assert new["purpose"] == "Knife seen in a bag at break"
    assert new["dsa version"] == f"v{a.document.version}"
    assert new["clause"].startswith(f"DSA v{a.document.version}")
    assert new["opened by"] == sspo_a.get_full_name() and new["opened by the recipient at"]
    assert new["recorded before gateways were kept"] == "no"
    assert sspo_a.get_full_name() in new["to"]
    assert before["recorded before gateways were kept"] == "yes"
    assert before["legal gateway"] == "" and before["lawful basis"] == old.lawful_basis
    assert before["to"] == sspo_a.get_full_name()  # named as they are now


@pytest.mark.parametrize("who", ["staff_a", "yet_officer", "admin_user"])
def test_those_without_the_log_see_none_of_it(request, client, logged, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LOG)
    assert response.status_code == 403
    assert b"Knife seen" not in response.content


def test_the_log_reads_in_constant_queries(
    client, django_assert_max_num_queries, logged, sergeant
):
    client.force_login(sergeant)
    client.get(LOG)  # warm the per-request caches a first page fills
    with django_assert_max_num_queries(20) as few:
        client.get(LOG)
    for _ in range(5):
        share(logged[0].school, logged[0].disclosed_by, logged[0].disclosed_to)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LOG)
