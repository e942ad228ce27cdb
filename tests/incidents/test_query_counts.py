"""List pages answer in a fixed number of queries, however many concerns there are."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Concern, ConcernPupil, Share
from tests.factories import PupilFactory
from tests.reads import columns_among, page_and_statements, queries_for

MAX_QUERIES = 8  # issue 11: every list page in at most 8, flat as rows grow


def bulk_concerns(school, reporter, count, pupils, sspo):
    # bulk_create is for building test data only; the portal itself never writes this way.
    now = timezone.now()
    made = Concern.objects.bulk_create(
        Concern(
            reference=f"Q-{count}-{n}",
            school=school,
            reported_by=reporter,
            category="welfare" if n % 3 else "weapons",
            narrative="Bulk",
            happened_at=now - datetime.timedelta(days=1),
            recorded_at=now - datetime.timedelta(minutes=n),
            location="in_school",
            immediate_risk=n % 17 == 0,
            status="shared" if n % 5 == 0 else "new" if n % 2 else "in_school",
            shared_at=now if n % 5 == 0 else None,
        )
        for n in range(count)
    )
    ConcernPupil.objects.bulk_create(
        ConcernPupil(concern=c, pupil=pupils[i % len(pupils)], role="victim")
        for i, c in enumerate(made)
    )
    Share.objects.bulk_create(
        Share(
            concern=c,
            shared_by=reporter,
            shared_with=sspo,
            partnership=school.partnership,
            agreement="Test DSA",
        )
        for c in made
        if c.status == "shared"
    )


@pytest.mark.parametrize(
    "who, page",
    [
        ("spoc_a", "triage_queue"),
        ("staff_a", "my_concerns"),
        ("sspo_a", "shared_with_me"),
    ],
)
def test_list_pages_stay_flat_from_10_to_10000_concerns(
    request, client, school_a, staff_a, spoc_a, sspo_a, who, page
):
    user = request.getfixturevalue(who)
    pupils = PupilFactory.create_batch(3, school=school_a)
    bulk_concerns(school_a, staff_a, 10, pupils, sspo_a)
    client.force_login(user)
    client.get(reverse(page))  # the first request after sign-in also starts the session clock
    few = queries_for(client, reverse(page))
    bulk_concerns(school_a, staff_a, 10_000, pupils, sspo_a)
    many = queries_for(client, reverse(page))
    filtered = (
        queries_for(
            client, reverse(page) + "?status=new&category=weapons&pupil=a&date_from=2020-01-01"
        )
        if page == "triage_queue"
        else many
    )
    assert "Q-" in client.get(reverse(page)).content.decode()  # rows are really listed
    assert few <= MAX_QUERIES
    assert many == few
    assert filtered <= MAX_QUERIES


@pytest.mark.parametrize(
    "who, page",
    [
        ("spoc_a", "triage_queue"),
        ("staff_a", "my_concerns"),
        ("sspo_a", "shared_with_me"),
    ],
)
def test_a_list_reads_what_its_rows_show_and_no_more(
    request, client, school_a, staff_a, spoc_a, sspo_a, who, page
):
    # incidents.table_rows.for_rows: not a concern's narrative, nor a pupil's record.
    pupils = PupilFactory.create_batch(3, school=school_a)
    bulk_concerns(school_a, staff_a, 30, pupils, sspo_a)
    client.force_login(request.getfixturevalue(who))
    body, statements = page_and_statements(client, reverse(page))
    assert pupils[0].last_name in body  # the pupils are listed
    assert columns_among(statements, "incidents_concern.reference")
    unshown = (
        "incidents_concern.narrative",
        "incidents_concern.device_location",
        "schools_pupil.date_of_birth",
        "schools_pupil.upn",
    )
    assert columns_among(statements, *unshown) == []
