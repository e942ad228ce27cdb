"""The head follows a disposal certificate from the list to its page: both checked with axe
at both widths (WCAG 2.2 A/AA), and the list's link names what it leads to."""

import pytest
from django.urls import reverse

from records import disposal
from tests.incidents.conftest import make_concern  # noqa: F401 (a fixture)

from .conftest import assert_accessible
from .test_every_page_family import WIDTHS
from .test_overview import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_head_reads_a_disposal_certificate(page, make_concern, school_a, staff_a, head_a):  # noqa: F811
    concern = make_concern(school=school_a, reported_by=staff_a)
    certificate = disposal.dispose(
        kind="concern", codes=[concern.code], by=head_a, rule="Date of birth + 25 years"
    )
    sign_in(page, head_a)
    page.goto(reverse("disposal_list"))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
    page.get_by_role("link", name=certificate.label).click()
    page.wait_for_url(f"**{reverse('disposal_detail', args=[certificate.code])}")
    assert page.get_by_text("Date of birth + 25 years").is_visible()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
