"""Records in the browser: the daily job has put a concern past its review date on the head's
review list; the head tries to keep it without a date (the message is beside the field and
the reason stays), then disposes of it from its own confirmation page; the worker runs and
the concern is gone. Each page is checked with axe at both widths."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from incidents.models import Concern
from records import services, tasks
from records.models import Review, ReviewDecision
from tests.factories import PupilFactory
from tests.incidents.conftest import make_concern  # noqa: F401 (a fixture)

from .test_concern_flow import look
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_reviews_and_disposes_of_a_record(
    retention_rules,
    page,
    make_concern,  # noqa: F811
    head_a,
    staff_a,
    school_a,
):
    # A pupil who left long ago: born in 1995, her records passed DoB + 25 years in 2020.
    pupil = PupilFactory(school=school_a, first_name="Beth", last_name="Old",
                         date_of_birth=dt.date(1995, 3, 1))  # fmt: skip
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil])
    services.retention_sweep()
    review = Review.objects.get(kind="concern", record_code=concern.code)

    sign_in(page, head_a)
    page.goto("/records/review/")
    row = page.locator(f"#review-{review.code}")
    expect(row).to_contain_text(concern.reference)
    expect(row).to_contain_text("BO")
    expect(page.locator("main")).not_to_contain_text("Beth")
    page.set_viewport_size({"width": 320, "height": 800})
    look(page, "records-review-list")

    row.get_by_role("link", name=f"Keep {concern.reference}").click()
    page.get_by_label("Why is the record kept?").fill("Her sister's case is open")
    page.get_by_role("button", name="Keep the record").click()
    expect(page.locator(".govuk-error-message")).to_contain_text("Enter the next review date")
    expect(page.get_by_label("Why is the record kept?")).to_have_value("Her sister's case is open")
    look(page, "records-review-keep")

    page.get_by_role("link", name="Back").click()
    page.locator(f"#review-{review.code}").get_by_role(
        "link", name=f"Dispose of {concern.reference}"
    ).click()
    expect(page.locator("main")).to_contain_text("This cannot be undone")
    look(page, "records-review-dispose")
    page.get_by_role("button", name="Dispose of the record").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("decision is recorded")
    expect(page.locator(f"#review-{review.code}")).to_contain_text("Being disposed of")

    decision = ReviewDecision.objects.get(review=review)
    assert decision.by == head_a
    assert tasks.dispose_decided([decision.pk]) == 1  # what the worker does with the task
    assert not Concern.objects.filter(code=concern.code).exists()
    page.reload()
    expect(page.locator(f"#review-{review.code}")).to_have_count(0)


def test_the_head_places_a_legal_hold_on_a_record(
    retention_rules,
    page,
    make_concern,  # noqa: F811
    head_a,
    staff_a,
    school_a,
):
    pupil = PupilFactory(school=school_a, date_of_birth=dt.date(1995, 3, 1))
    concern = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil])
    services.retention_sweep()
    review = Review.objects.get(kind="concern", record_code=concern.code)

    sign_in(page, head_a)
    page.goto("/records/review/")
    page.locator(f"#review-{review.code}").get_by_role(
        "link", name=f"Place a legal hold on {concern.reference}"
    ).click()
    page.get_by_role("button", name="Place the hold").click()
    expect(page.locator(".govuk-error-message")).to_contain_text("Enter why the records are held")
    page.get_by_label("Why are the records held?").fill("Civil claim against the school")
    page.get_by_label("Reference").fill("QB-2026-001")
    look(page, "records-hold-record")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.locator("#holds")).to_contain_text("QB-2026-001")
    page.goto("/records/review/")
    expect(page.locator(f"#review-{review.code}")).to_contain_text("On legal hold")


def test_the_head_disposes_of_several_records_at_once(
    retention_rules,
    page,
    make_concern,  # noqa: F811
    head_a,
    staff_a,
    school_a,
):
    pupil = PupilFactory(school=school_a, date_of_birth=dt.date(1995, 3, 1))
    concerns = [make_concern(school=school_a, reported_by=staff_a, pupils=[pupil]) for _ in "abc"]
    services.retention_sweep()
    reviews = {c.code: Review.objects.get(kind="concern", record_code=c.code) for c in concerns}

    sign_in(page, head_a)
    page.goto("/records/review/")
    # Nothing selected: told beside the list, and the summary's link reaches the first box.
    page.get_by_role("button", name="Dispose of the selected records").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the records to dispose")
    look(page, "records-dispose-selected-none")
    label = "Safeguarding concerns and early intervention identifications"
    for concern in concerns[:2]:
        page.get_by_label(f"Select {label} {concern.reference} to dispose of").check()
    page.get_by_role("button", name="Dispose of the selected records").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dispose of 2 records")
    table = page.locator("#selected")
    expect(table).to_contain_text(concerns[0].reference)
    expect(table).to_contain_text(concerns[1].reference)
    expect(table).not_to_contain_text(concerns[2].reference)
    look(page, "records-dispose-selected")
    page.get_by_role("button", name="Dispose of 2 records").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The decision is recorded for 2 records"
    )
    for concern in concerns[:2]:
        expect(page.locator(f"#review-{reviews[concern.code].code}")).to_contain_text(
            "Being disposed of"
        )

    pending = ReviewDecision.objects.filter(decision="dispose", certificate_code__isnull=True)
    tasks.dispose_decided(list(pending.values_list("pk", flat=True)))
    assert list(Concern.objects.values_list("code", flat=True)) == [concerns[2].code]
