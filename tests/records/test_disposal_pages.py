"""The certificates' pages (ACCESS.md rows 40-41): the school's head and data-protection lead
read their school's, the team's sergeant theirs. Outside a person's school or team: 404;
inside it but not theirs to read: 403. A read is logged; no page names a record or a child."""

import pytest
from django.urls import reverse

from records import disposal
from schools.models import Membership
from ssp.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(make_concern, make_incident, school_a, staff_a, head_a, sergeant, pupil_a):
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    incident = make_incident(school=school_a, pupils=[pupil_a])
    school = disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule="DOB + 25")
    police = disposal.dispose(kind="incident", codes=[incident.code], by=sergeant, rule="MoPI 2")
    return {"school": school, "police": police, "words": [concern.reference, incident.reference]}


CASES = [
    ("school", "head_a", 200),
    ("school", "staff_a2", 200),  # named the data-protection lead below
    ("school", "spoc_a", 403),
    ("school", "staff_a", 403),
    ("school", "head_b", 404),
    ("school", "sergeant", 404),
    ("school", "sspo_a", 404),
    ("police", "sergeant", 200),
    ("police", "sspo_a", 403),
    ("police", "other_sergeant", 404),
    ("police", "head_a", 404),
]


@pytest.mark.parametrize(("whose", "who", "expected"), CASES)
def test_who_reads_a_certificate(request, certificates, signed_in, school_a, whose, who, expected):
    user = request.getfixturevalue(who)
    if who == "staff_a2":
        Membership.objects.filter(user=user, school=school_a).update(is_data_protection_lead=True)
    certificate = certificates[whose]
    response = signed_in(user).get(reverse("disposal_detail", args=[certificate.code]))
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert certificate.rule in body and certificate.label in body
        assert not any(word in body for word in certificates["words"])
        assert AccessLog.objects.filter(
            user=user, object_type="disposal_certificate", object_code=certificate.code
        ).exists()


@pytest.mark.parametrize(
    ("who", "sees", "expected"),
    [
        ("head_a", "school", 200),
        ("sergeant", "police", 200),
        ("head_b", None, 200),
        ("staff_a", None, 403),
        ("spoc_a", None, 403),
        ("sspo_a", None, 403),
    ],
)
def test_the_list_shows_each_owner_their_own_certificates_only(
    request, certificates, signed_in, who, sees, expected
):
    response = signed_in(request.getfixturevalue(who)).get(reverse("disposal_list"))
    assert response.status_code == expected
    if expected != 200:
        return
    body = response.content.decode()
    for whose in ("school", "police"):
        link = reverse("disposal_detail", args=[certificates[whose].code])
        assert (link in body) == (whose == sees), whose


def test_the_list_costs_the_same_queries_however_many_certificates(
    make_concern, school_a, staff_a, head_a, pupil_a, signed_in, django_assert_max_num_queries
):
    client = signed_in(head_a)

    def certify(n):
        for _ in range(n):
            concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
            disposal.dispose(kind="concern", codes=[concern.code], by=head_a, rule="R")

    certify(1)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("disposal_list"))
    certify(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("disposal_list")).content.decode()
    assert body.count('href="/records/disposals/') == 6
