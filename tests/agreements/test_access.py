"""The access matrix for the partnership register (ACCESS.md: partnership, protocol and DSA).

One setup for every person, so a denial cannot pass for the wrong reason: school A's
partnership (in force, with an SSPO), its force's published DSA and a draft.
"""

import pytest
from django.urls import reverse

from agreements.models import Document
from tests.factories import DocumentFactory

EVERYONE = [
    "staff_a",
    "spoc_a",
    "head_a",
    "sspo_a",
    "sergeant",
    "head_b",
    "sspo_b",
    "head_c",
    "other_sergeant",
    "yet_officer",
    "admin_user",
]


@pytest.fixture
def records(school_a, school_b, school_c, sspo_a, sspo_b, force, sergeant):
    dsa = Document.objects.current_of(force, Document.Kind.DSA).get()
    draft = DocumentFactory(force=force, kind=Document.Kind.PROTOCOL, created_by=sergeant)
    return {"partnership": school_a.partnership, "dsa": dsa, "draft": draft}


def _url(page, records):
    p, dsa, draft = records["partnership"], records["dsa"], records["draft"]
    return {
        "register": reverse("partnership_list"),
        "detail": reverse("partnership_detail", args=[p.code]),
        "move": reverse("partnership_move", args=[p.code]),
        "sign": reverse("partnership_sign", args=[p.code, dsa.code]),
        "revoke": reverse("partnership_revoke", args=[p.code]),
        "new_partnership": reverse("partnership_new"),
        "documents": reverse("document_list"),
        "document": reverse("document_detail", args=[dsa.code]),
        "draft": reverse("document_detail", args=[draft.code]),
        "new_document": reverse("document_new"),
        "edit_draft": reverse("document_edit", args=[draft.code]),
        "edit_published": reverse("document_edit", args=[dsa.code]),
        "publish": reverse("document_publish", args=[draft.code]),
    }[page]


# person → status, for each page (GET). Outside scope 404; in scope but not allowed 403.
MATRIX = {
    "register": dict.fromkeys(EVERYONE, 200) | {"yet_officer": 404},
    "detail": {
        "staff_a": 200,  # the plain summary only (see test_staff_read_only_the_summary)
        "spoc_a": 200,
        "head_a": 200,
        "sspo_a": 200,
        "sergeant": 200,
        "admin_user": 200,
        "head_b": 404,
        "sspo_b": 404,
        "head_c": 404,
        "other_sergeant": 404,
        "yet_officer": 404,
    },
    "move": {
        "sergeant": 200,
        "staff_a": 403,
        "spoc_a": 403,
        "head_a": 403,
        "sspo_a": 403,
        "admin_user": 403,
        "head_b": 404,
        "sspo_b": 404,
        "head_c": 404,
        "other_sergeant": 404,
        "yet_officer": 404,
    },
    "sign": {
        "head_a": 200,
        "sergeant": 200,
        "staff_a": 403,
        "spoc_a": 403,
        "sspo_a": 403,
        "admin_user": 403,
        "head_b": 404,
        "sspo_b": 404,
        "head_c": 404,
        "other_sergeant": 404,
        "yet_officer": 404,
    },
    "new_partnership": dict.fromkeys(EVERYONE, 403) | {"sergeant": 200, "other_sergeant": 200},
    "documents": {
        "spoc_a": 200,
        "head_a": 200,
        "sspo_a": 200,
        "sergeant": 200,
        "head_b": 200,
        "sspo_b": 200,
        "head_c": 200,  # an empty list: school C has no partnership
        "other_sergeant": 200,  # their own force's versions only
        "admin_user": 200,
        "staff_a": 403,
        "yet_officer": 404,
    },
    "document": {
        "spoc_a": 200,
        "head_a": 200,
        "sspo_a": 200,
        "sergeant": 200,
        "head_b": 200,
        "sspo_b": 200,
        "admin_user": 200,
        # Staff read only the SSP summary: a version's code is unknown to them (issue 10).
        "staff_a": 404,
        "head_c": 404,
        "other_sergeant": 404,
        "yet_officer": 404,
    },
    "draft": dict.fromkeys(EVERYONE, 404) | {"sergeant": 200, "admin_user": 200, "staff_a": 404},
    "new_document": dict.fromkeys(EVERYONE, 403) | {"sergeant": 200, "other_sergeant": 200},
    "edit_draft": dict.fromkeys(EVERYONE, 404) | {"sergeant": 200, "admin_user": 403},
    "edit_published": {
        "sergeant": 403,
        "admin_user": 403,
        "spoc_a": 403,
        "head_a": 403,
        "sspo_a": 403,
        "staff_a": 404,  # see "document"
        "head_b": 403,
        "sspo_b": 403,
        "head_c": 404,
        "other_sergeant": 404,
        "yet_officer": 404,
    },
    "publish": dict.fromkeys(EVERYONE, 404) | {"sergeant": 200, "admin_user": 403},
}
# The revocation page has the same audience as signing.
MATRIX["revoke"] = MATRIX["sign"]

CASES = [(page, who, status) for page, row in MATRIX.items() for who, status in row.items()]


def test_the_matrix_covers_everyone_on_every_page():
    for page, row in MATRIX.items():
        assert set(row) == set(EVERYONE), page


@pytest.mark.parametrize("page, who, status", CASES)
def test_access_matrix(request, client, records, page, who, status):
    client.force_login(request.getfixturevalue(who))
    response = client.get(_url(page, records))
    assert response.status_code == status, (page, who)


@pytest.mark.parametrize("page", ["move", "sign", "revoke", "publish", "edit_draft"])
@pytest.mark.parametrize(
    "who, status", [("head_b", 404), ("other_sergeant", 404), ("spoc_a", 403)]
)
def test_refused_posts_change_nothing(request, client, records, page, who, status):
    partnership = records["partnership"]
    before = (partnership.version, partnership.signatures.filter(revoked_at=None).count())
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        _url(page, records),
        {"status": "suspended", "reason": "No.", "version": partnership.version, "confirm": "on"},
    )
    expected = 404 if page in ("publish", "edit_draft") and who == "spoc_a" else status
    assert response.status_code == expected
    partnership.refresh_from_db()
    assert (partnership.version, partnership.signatures.filter(revoked_at=None).count()) == before
    records["draft"].refresh_from_db()
    assert not records["draft"].is_published


def test_staff_read_only_the_summary(client, records, staff_a, spoc_a, sspo_a):
    client.force_login(staff_a)
    body = client.get(_url("detail", records)).content.decode()
    protocol = Document.objects.current_of(records["partnership"].force, "protocol").get()
    assert "Our Safer Schools Partnership" in body
    assert protocol.summary[:40] in body
    assert "Simon Archer" in body and "Dan Okafor" in body
    assert "Every signature" not in body and protocol.content_hash not in body


def test_the_spoc_reads_the_signatures(client, records, spoc_a):
    client.force_login(spoc_a)
    body = client.get(_url("detail", records)).content.decode()
    assert "Every signature" in body and records["dsa"].content_hash in body
    # Read-only: no signing, revoking or status links.
    for page in ("sign", "revoke", "move"):
        assert _url(page, records) not in body


@pytest.mark.parametrize(
    "who, feedback, awareness",
    [("spoc_a", False, False), ("head_a", False, True), ("sergeant", True, False)],
)
def test_the_partnership_page_leads_to_the_work_done_together(
    request, client, records, school_a, who, feedback, awareness
):
    client.force_login(request.getfixturevalue(who))
    body = client.get(_url("detail", records)).content.decode()
    code = school_a.partnership.code
    assert reverse("action_plan", args=[code]) in body
    assert reverse("school_activity_list", args=[school_a.code]) in body
    assert reverse("review_list", args=[code]) in body
    assert (reverse("feedback_round_list", args=[code]) in body) is feedback
    assert (reverse("awareness_staff", args=[code]) in body) is awareness


def test_the_administrator_is_not_led_to_case_work(client, records, school_a, admin_user):
    client.force_login(admin_user)
    body = client.get(_url("detail", records)).content.decode()
    assert "Working together" not in body
    assert reverse("action_plan", args=[school_a.partnership.code]) not in body


@pytest.mark.parametrize(
    "who, sees_a, sees_b",
    [
        ("staff_a", True, False),
        ("head_a", True, False),
        ("sspo_b", False, True),
        ("sergeant", True, True),
        ("other_sergeant", False, False),
        ("admin_user", True, True),
    ],
)
def test_the_register_lists_only_what_a_person_may_see(
    request, client, records, who, sees_a, sees_b
):
    client.force_login(request.getfixturevalue(who))
    body = client.get(_url("register", records)).content.decode()
    assert ("Ashdown Academy" in body) == sees_a
    assert ("Brookfield School" in body) == sees_b


def test_other_forces_documents_are_not_listed(client, records, other_sergeant, sergeant):
    client.force_login(other_sergeant)
    body = client.get(_url("documents", records)).content.decode()
    assert "No versions yet" in body
    client.force_login(sergeant)
    body = client.get(_url("documents", records)).content.decode()
    assert "Draft" in body and "Data sharing agreement, version 1" in body


@pytest.mark.parametrize(
    "who, link",
    [
        ("staff_a", "partnership_detail"),
        ("spoc_a", "partnership_list"),
        ("head_a", "partnership_list"),
        ("sspo_a", "partnership_list"),
        ("sergeant", "partnership_list"),
    ],
)
def test_each_home_links_to_the_partnership(request, client, records, who, link):
    client.force_login(request.getfixturevalue(who))
    body = client.get(reverse("home")).content.decode()
    args = [records["partnership"].code] if link == "partnership_detail" else []
    assert f'href="{reverse(link, args=args)}"' in body


def test_the_admin_index_links_to_the_register(client, records, admin_user):
    client.force_login(admin_user)
    assert reverse("partnership_list") in client.get(reverse("admin:index")).content.decode()
