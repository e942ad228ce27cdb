"""The force's administrator imports the schools register from GIAS in the browser: uploads
the extract, watches it being read, checks the preview and applies it."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from schools import tasks
from schools.models import Intake, School
from ssp.models import Notification
from tests.factories import PartnershipFactory
from tests.gias_files import gias_bytes, school_row

from .test_concern_flow import look, sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as_admin(page, user):
    sign_in(page, user, lands_on=r"/admin/$")


def test_the_administrator_imports_the_schools_register_from_gias(
    page, admin_user, force, sergeant, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the live server reads settings in this process
    partnered = PartnershipFactory(school__force=force, school__urn="137003",
                                   school__name="Closing Lane School").school  # fmt: skip
    extract = gias_bytes(
        [
            school_row(137001, number="4001", name="Wymondham High Academy", fsm="14.2"),
            school_row(137002, number="4002", name="Thorpe St Andrew School"),
            school_row(137003, number="4003", name="Closing Lane School", status="Closed",
                       closed="31-08-2026"),
            school_row(121001, number="2001", name="Little Melton Primary", phase="Primary"),
        ]
    )  # fmt: skip

    sign_in_as_admin(page, admin_user)
    page.get_by_role("link", name="Schools from GIAS").click()
    expect(page.locator("h1")).to_have_text("Schools from GIAS")
    look(page, "gias-imports")

    page.get_by_role("link", name="Import the register").click()
    page.get_by_role("button", name="Upload and preview").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the GIAS extract file")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the force's local authorities"
    )
    look(page, "gias-upload-error")
    page.get_by_label("Local authorities").fill("926")
    expect(page.get_by_label("Secondary", exact=True)).to_be_checked()
    page.get_by_label("The GIAS extract").set_input_files(
        files=[{"name": "edubasealldata20261201.csv", "mimeType": "text/csv", "buffer": extract}]
    )
    page.get_by_role("button", name="Upload and preview").click()

    # The worker has not read it yet: the page shows the bar and polls.
    expect(page.locator("progress")).to_be_visible()
    look(page, "gias-progress")
    intake = Intake.objects.get()
    assert not School.objects.filter(urn="137001").exists()
    tasks.gias_preview(intake.pk)  # what the Celery worker runs
    # The page notices by itself and shows the preview.
    expect(page.get_by_role("heading", name="What applying would change")).to_be_visible(
        timeout=10_000
    )
    expect(page.locator("[data-counts]")).to_contain_text("2 new")
    expect(page.locator("[data-new]")).to_contain_text("Wymondham High Academy")
    expect(page.locator("[data-closed]")).to_contain_text("Has a partnership")
    expect(page.locator("main")).not_to_contain_text("Little Melton Primary")
    look(page, "gias-preview")

    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Applied: 2 new, 0 changed and 1 closed schools."
    )
    look(page, "gias-applied")
    assert set(School.objects.filter(force=force).values_list("urn", flat=True)) >= {
        "137001",
        "137002",
        "137003",
    }
    partnered.refresh_from_db()
    assert partnered.status == School.Status.CLOSED
    assert Notification.objects.filter(recipient=sergeant).count() == 1
    intake.refresh_from_db()
    assert intake.status == Intake.Status.APPLIED and intake.file_name == ""

    # The sergeant reads the force's register, figures marked with the extract's date.
    sign_out(page)
    sign_in(page, sergeant)
    page.get_by_role("link", name=re.compile("Schools register")).click()
    expect(page.locator("h1")).to_have_text("Schools register")
    row = page.locator("tr", has_text="Wymondham High Academy")
    expect(row).to_contain_text("14.2%")
    expect(row).to_contain_text("from GIAS, extract of 1 Dec 2026")
    look(page, "gias-register")
    assert page.csp_violations == []
