"""Out of scope answers 404, exactly as a record that does not exist (issue 10, hole 10).

A staff member reads only the plain summary of their school's SSP. Answering 403 for the
force's real DSA and 404 for a random code told them which codes exist.
"""

import uuid

import pytest
from django.urls import reverse

from agreements.models import Document


@pytest.fixture
def dsa(school_a, force):
    return Document.objects.current_of(force, Document.Kind.DSA).get()


@pytest.mark.parametrize("page", ["document_detail", "document_edit", "document_publish"])
def test_staff_cannot_tell_a_real_dsa_code_from_a_random_one(client, staff_a, dsa, page):
    client.force_login(staff_a)
    real = client.get(reverse(page, args=[dsa.code]))
    made_up = client.get(reverse(page, args=[uuid.uuid4()]))
    assert real.status_code == made_up.status_code == 404


@pytest.mark.parametrize("page", ["document_detail", "document_edit", "document_publish"])
def test_a_posted_dsa_code_answers_the_same_as_a_random_one(client, staff_a, dsa, page):
    client.force_login(staff_a)
    real = client.post(reverse(page, args=[dsa.code]), {})
    made_up = client.post(reverse(page, args=[uuid.uuid4()]), {})
    assert real.status_code == made_up.status_code == 404


def test_staff_still_read_their_schools_ssp_summary(client, staff_a, school_a):
    client.force_login(staff_a)
    page = client.get(reverse("partnership_detail", args=[school_a.partnership.code]))
    assert page.status_code == 200


def test_the_spoc_still_reads_the_dsa_and_is_refused_editing_it(client, spoc_a, dsa):
    client.force_login(spoc_a)
    assert client.get(reverse("document_detail", args=[dsa.code])).status_code == 200
    assert client.get(reverse("document_edit", args=[dsa.code])).status_code == 403
    assert client.get(reverse("document_edit", args=[uuid.uuid4()])).status_code == 404
