import csv
import io

import pytest
from django.urls import reverse

from agreements.models import Disclosure
from agreements.services import disclosure_record
from ssp.exports import csv_safe
from ssp.models import AccessLog
from tests.factories import step_up

LOG = reverse("sharing_log")
CSV = reverse("sharing_log_csv")


@pytest.fixture
def disclosures(school_a, school_b, spoc_a, spoc_b, sspo_a, sspo_b):
    import uuid

    a = disclosure_record(
        school=school_a,
        direction="to_police",
        kind="concern_shared",
        record_code=uuid.uuid4(),
        by=spoc_a,
        to=sspo_a,
    )
    b = disclosure_record(
        school=school_b,
        direction="to_police",
        kind="concern_shared",
        record_code=uuid.uuid4(),
        by=spoc_b,
        to=sspo_b,
    )
    return a, b


@pytest.mark.parametrize(
    "who, status, sees_a, sees_b",
    [
        ("head_a", 200, True, False),
        ("head_b", 200, False, True),
        ("sspo_a", 200, True, False),
        ("sergeant", 200, True, True),
        ("other_sergeant", 200, False, False),
        ("spoc_a", 200, True, False),  # the SPOC makes every share (ACCESS.md)
        ("staff_a", 403, False, False),
        ("yet_officer", 403, False, False),
        ("admin_user", 403, False, False),
    ],
)
def test_each_side_reads_its_own_log(request, client, disclosures, who, status, sees_a, sees_b):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LOG)
    assert response.status_code == status
    body = response.content.decode()
    assert ("Ashdown Academy" in body) == sees_a
    assert ("Brookfield School" in body) == sees_b


def test_nothing_is_logged_as_disclosed_without_an_agreement(school_a, spoc_a, sspo_a):
    import uuid

    from django.core.exceptions import ValidationError

    partnership = school_a.partnership
    partnership.status = "suspended"
    partnership.save()
    with pytest.raises(ValidationError):
        disclosure_record(
            school=school_a,
            direction="to_police",
            kind="concern_shared",
            record_code=uuid.uuid4(),
            by=spoc_a,
            to=sspo_a,
        )
    assert not Disclosure.objects.exists()


def test_the_csv_export_asks_to_reauthenticate_first(client, disclosures, head_a):
    client.force_login(head_a)
    response = client.get(CSV)
    assert response.status_code == 302 and "reauthenticate" in response["Location"]


def test_the_csv_export_after_reauthenticating(client, disclosures, head_a, spoc_a):
    client.force_login(head_a)
    step_up(client)
    response = client.get(CSV)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="information-')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["when", "school", "urn"]
    assert len(rows) == 2 and rows[1][1] == "Ashdown Academy"
    assert rows[1][6] == spoc_a.get_full_name()
    assert AccessLog.objects.filter(action="export_csv", user=head_a).exists()


@pytest.mark.parametrize(
    "cell, safe",
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("Ashdown", "Ashdown"),
        (None, ""),
    ],
)
def test_csv_cells_cannot_become_formulas(cell, safe):
    assert csv_safe(cell) == safe


@pytest.mark.parametrize("who", ["staff_a", "yet_officer", "admin_user"])
def test_the_csv_export_is_refused_to_those_without_the_log(request, client, disclosures, who):
    client.force_login(request.getfixturevalue(who))
    step_up(client)
    assert client.get(CSV).status_code == 403
    assert not AccessLog.objects.filter(action="export_csv").exists()
