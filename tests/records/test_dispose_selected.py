"""Disposing of several records at once from the review list (issue 13): select, see them
all with the warning, decide. Each record is decided as its own page decides it: one on legal
hold is left and named, a repeated post decides nothing twice, and the gate is each record's
own (outside reach 404, in reach but not theirs 403)."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from incidents.models import Concern
from records import tasks
from records.models import DisposalCertificate, LegalHold, Review, ReviewDecision
from ssp.models import AccessLog

pytestmark = pytest.mark.django_db

LIST = reverse("records:review_list")
SELECTED = reverse("records:review_dispose_selected")


@pytest.fixture
def three(make_concern, school_a, staff_a, pupil_a, sspo_a):
    """Three of Ashdown's concerns due for review; Ashdown's officer (sspo_a) is assigned, so
    the team's sergeant sees the school without owning its records (403)."""
    reviews = []
    for _ in range(3):
        concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
        reviews.append(
            Review.objects.create(
                kind="concern",
                record_code=concern.code,
                controller="school",
                school=school_a,
                due_on=dt.date(2026, 1, 1),
                rule="Safeguarding concerns: reviewed 25 years after the pupil's date of birth",
            )
        )
    return reviews


def _codes(reviews):
    return [str(r.code) for r in reviews]


def test_select_see_them_all_then_dispose_of_them_in_one_decision(signed_in, head_a, three):
    client = signed_in(head_a)
    listed = client.get(LIST).content.decode()
    for review in three:
        assert f'id="select-{review.code}"' in listed
    assert "Dispose of the selected records" in listed

    chosen = three[:2]
    shown = client.get(SELECTED, {"review": _codes(chosen)})
    page = shown.content.decode()
    assert shown.status_code == 200 and "Dispose of 2 records" in page
    references = Concern.objects.filter(code__in=[r.record_code for r in three])
    by_code = {c.code: c.reference for c in references}
    assert all(by_code[r.record_code] in page for r in chosen)
    assert by_code[three[2].record_code] not in page
    assert "This cannot be undone" in page
    # Looking decides nothing.
    assert not ReviewDecision.objects.exists()

    done = client.post(SELECTED, {"review": _codes(chosen)}, follow=True)
    assert "The decision is recorded for 2 records" in done.content.decode()
    assert set(Review.objects.filter(state="disposing").values_list("pk", flat=True)) == {
        r.pk for r in chosen
    }
    decisions = ReviewDecision.objects.filter(decision="dispose")
    assert {(d.review_id, d.by_id) for d in decisions} == {(r.pk, head_a.pk) for r in chosen}
    assert (
        AccessLog.objects.filter(
            action="records review dispose", object_code__in=[r.code for r in chosen]
        ).count()
        == 4
    )  # the page seen, then the decision

    tasks.dispose_decided(list(decisions.values_list("pk", flat=True)))
    assert set(Concern.objects.values_list("code", flat=True)) == {three[2].record_code}
    assert DisposalCertificate.objects.filter(kind="concern").count() >= 1


def test_a_record_on_hold_is_left_and_named_and_the_rest_go_ahead(signed_in, head_a, three):
    held = three[0]
    LegalHold.objects.create(
        kind="concern",
        record_code=held.record_code,
        school=held.school,
        reason="Civil claim",
        placed_by=head_a,
    )
    client = signed_in(head_a)
    # A record on hold offers no box on the list, but a crafted request may still name it.
    assert f'id="select-{held.code}"' not in client.get(LIST).content.decode()
    page = client.get(SELECTED, {"review": _codes(three)}).content.decode()
    assert "On legal hold: it will be left" in page

    done = client.post(SELECTED, {"review": _codes(three)}, follow=True).content.decode()
    reference = Concern.objects.get(code=held.record_code).reference
    assert "The decision is recorded for 2 records" in done
    assert f"Left as they were: {reference} (it is on legal hold)" in done
    held.refresh_from_db()
    assert held.state == Review.State.DUE
    assert ReviewDecision.objects.count() == 2


def test_a_repeated_post_decides_nothing_twice(signed_in, head_a, three):
    client = signed_in(head_a)
    client.post(SELECTED, {"review": _codes(three)})
    again = client.post(SELECTED, {"review": _codes(three)}, follow=True).content.decode()
    assert ReviewDecision.objects.count() == 3
    assert "it is no longer due for review" in again


def test_nothing_selected_is_told_on_the_list(signed_in, head_a, three):
    response = signed_in(head_a).get(SELECTED)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Select the records to dispose of" in page
    first = min(three, key=lambda r: r.pk)
    assert f'href="#select-{first.code}"' in page
    assert not ReviewDecision.objects.exists()


@pytest.mark.parametrize(
    "who, status",
    [("head_b", 404), ("other_sergeant", 404), ("sergeant", 403), ("spoc_a", 403),
     ("staff_a", 403), ("sspo_a", 403)],
)  # fmt: skip
def test_only_the_records_owners_decide_and_outsiders_find_nothing(
    request, signed_in, three, who, status
):
    client = signed_in(request.getfixturevalue(who))
    assert client.get(SELECTED, {"review": _codes(three)}).status_code == status
    assert client.post(SELECTED, {"review": _codes(three)}).status_code == status
    assert not ReviewDecision.objects.exists()
    assert not Review.objects.exclude(state="due").exists()
    # The refused attempts are logged, as on each record's own page.
    logged = AccessLog.objects.filter(action="records review dispose")
    outcome = {404: "not_found", 403: "denied"}[status]
    assert sorted(logged.values_list("outcome", flat=True)) == [outcome] * 2


def test_one_code_not_theirs_refuses_the_lot(signed_in, head_a, head_b, three, school_b):
    theirs = Review.objects.create(
        kind="concern",
        record_code=uuid.uuid4(),
        controller="school",
        school=school_b,
        due_on=dt.date(2026, 1, 1),
        rule="R",
    )
    client = signed_in(head_a)
    codes = [*_codes(three), str(theirs.code)]
    assert client.post(SELECTED, {"review": codes}).status_code == 404
    assert client.post(SELECTED, {"review": ["not-a-code"]}).status_code == 404
    assert not ReviewDecision.objects.exists()


def test_with_tasks_run_eagerly_the_disposal_runs_at_once(
    signed_in, head_a, three, tasks_run_eagerly, django_capture_on_commit_callbacks
):
    """The demo's disposals used to wait for a daily job that never ran there."""
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(head_a).post(SELECTED, {"review": _codes(three[:2])})
    assert set(Concern.objects.values_list("code", flat=True)) == {three[2].record_code}
    assert not ReviewDecision.objects.filter(certificate_code__isnull=True).exists()


def test_a_former_pupils_own_review_closes_when_their_last_record_goes(
    signed_in, head_a, make_concern, school_a, staff_a, sspo_a
):
    from records import services
    from schools.models import Pupil
    from tests.factories import PupilFactory

    left = PupilFactory(
        school=school_a, date_of_birth=dt.date(1990, 1, 1), left_on=dt.date(2008, 7, 20)
    )
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[left])
    # Another former pupil, with a record still about them: their own review stays.
    other = PupilFactory(
        school=school_a, date_of_birth=dt.date(1990, 2, 1), left_on=dt.date(2008, 7, 20)
    )
    make_concern(school=school_a, reported_by=staff_a, pupils=[other])
    services.retention_sweep()
    own = Review.objects.get(kind="pupil", record_code=left.code)
    others = Review.objects.get(kind="pupil", record_code=other.code)
    about = Review.objects.get(kind="concern", record_code=concern.code)

    signed_in(head_a).post(SELECTED, {"review": [str(about.code)]})
    tasks.dispose_decided(list(ReviewDecision.objects.values_list("pk", flat=True)))

    assert not Pupil.objects.filter(pk=left.pk).exists()  # went with their last record
    own.refresh_from_db()
    assert own.state == Review.State.DISPOSED
    closing = ReviewDecision.objects.get(review=own)
    certificate = DisposalCertificate.objects.get(kind="concern")
    assert (closing.certificate_code, closing.by) == (certificate.code, head_a)
    assert f"review-{own.code}" not in signed_in(head_a).get(LIST).content.decode()
    others.refresh_from_db()
    assert others.state == Review.State.DUE and not ReviewDecision.objects.filter(review=others)
