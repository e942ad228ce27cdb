"""Who may open and confirm a share: the access matrix for the confirmation page.

The same world for every case (a concern logged at school A, not yet shared), so an
allowed and a denied case differ only in who asks; a denial changes nothing.
"""

import pytest
from django.urls import reverse

from incidents.models import Share

PEOPLE = [
    "staff_a",
    "staff_a2",
    "spoc_a",
    "head_a",
    "spoc_b",
    "sspo_a",
    "sspo_b",
    "sergeant",
    "other_sergeant",
    "yet_officer",
    "admin_user",
]
ALLOWED = {
    "spoc_a": (200, 302),
    "head_a": (200, 302),
    "staff_a": (403, 403),
}


@pytest.mark.parametrize("person", PEOPLE)
def test_opening_and_confirming_a_share(request, client, concern_a, sspo_a, sspo_b, person):
    client.force_login(request.getfixturevalue(person))
    url = reverse("concern_share", args=[concern_a.code])
    read, write = ALLOWED.get(person, (404, 404))
    assert client.get(url).status_code == read
    response = client.post(
        url,
        {
            "decision": "shared",
            "gateway": "ca2004_s11",
            "purpose": "Safeguarding",
            "rationale": "Matrix",
            "version": concern_a.version,
        },
    )
    assert response.status_code == write
    concern_a.refresh_from_db()
    if write == 302:
        assert concern_a.status == "shared" and Share.objects.filter(concern=concern_a).exists()
    else:
        assert concern_a.status == "new" and not Share.objects.exists()
