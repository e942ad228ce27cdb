"""The information-sharing log in the browser: its gateway, purpose and acknowledgement
columns are read with axe at desktop and phone widths, a row of each sort on the page."""

import uuid

from django.urls import reverse
from playwright.sync_api import expect

from agreements.models import Disclosure
from agreements.services import disclosure_record, disclosures_acknowledge
from encompass import services as encompass
from tests.encompass.test_notifications import details

from .test_concern_flow import look
from .test_overview import sign_in


def test_the_head_reads_each_disclosures_basis(page, school_a, head_a, spoc_a, sspo_a, sergeant):
    shared = disclosure_record(
        school=school_a,
        direction=Disclosure.Direction.TO_POLICE,
        kind=Disclosure.Kind.CONCERN_SHARED,
        record_code=uuid.uuid4(),
        by=spoc_a,
        to=sspo_a,
        purpose="A knife was seen in a bag at break",
    )
    disclosures_acknowledge(
        by=sspo_a, record_codes=[shared.record_code], kinds=[Disclosure.Kind.CONCERN_SHARED]
    )
    before = disclosure_record(
        school=school_a,
        direction=Disclosure.Direction.TO_POLICE,
        kind=Disclosure.Kind.ENQUIRY_ANSWER,
        record_code=uuid.uuid4(),
        by=spoc_a,
        to=sspo_a,
    )
    Disclosure.objects.filter(pk=before.pk).update(
        recorded_before_basis=True, gateway="", purpose="", clause="", recipient=""
    )
    encompass.receive(school=school_a, details=details(), sender=sergeant)

    sign_in(page, head_a)
    page.goto(reverse("sharing_log"))
    table = page.get_by_role("region", name="Disclosures, newest first")
    expect(table).to_contain_text("Children Act 2004 s11")
    expect(table).to_contain_text("A knife was seen in a bag at break")
    expect(table).to_contain_text("Operation Encompass (police to school, not under the DSA)")
    expect(table).to_contain_text("Recorded before gateways and purposes were kept")
    expect(table).to_contain_text("Not yet")
    look(page, "sharing-log")
