"""The access matrix for concerns: person × page or action × own or other school.

Each case builds the same world (a concern logged by staff_a at school A, shared with
sspo_a or not) so an allowed and a denied case differ only in who asks.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from incidents.models import Attachment, Concern
from ssp.models import AccessLog

ANON = "anonymous"
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


def who(request, name):
    return None if name == ANON else request.getfixturevalue(name)


@pytest.fixture
def world(request, concern_a, spoc_a, sspo_a, sspo_b, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Attachment.objects.create(
        concern=concern_a,
        file=ContentFile(b"%PDF-1.4 test", name="x.pdf"),
        original_name="statement.pdf",
        content_type="application/pdf",
        size=13,
        uploaded_by=concern_a.reported_by,
    )
    if request.param == "shared":
        from incidents.services import concern_triage

        concern_triage(
            concern=concern_a,
            by=spoc_a,
            decision="shared",
            rationale="Police-relevant.",
            seen_version=1,
        )
    concern_a.refresh_from_db()
    return concern_a


def snapshot(concern):
    concern.refresh_from_db()
    return (concern.status, concern.version, concern.notes.count(), concern.shares.count())


READ_NOT_SHARED = {"staff_a": 200, "spoc_a": 200, "head_a": 200}
READ_SHARED = READ_NOT_SHARED | {"sspo_a": 200, "sergeant": 200}


@pytest.mark.parametrize("world", ["not_shared", "shared"], indirect=True)
@pytest.mark.parametrize("person", [*PEOPLE, ANON])
@pytest.mark.parametrize("page", ["detail", "attachment"])
def test_reading_a_concern(request, client, world, person, page):
    user = who(request, person)
    if user:
        client.force_login(user)
    url = reverse("concern_detail", args=[world.code])
    if page == "attachment":
        url = reverse("attachment_download", args=[world.code, world.attachments.get().code])
    response = client.get(url)
    if user is None:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    allowed = READ_SHARED if world.status == "shared" else READ_NOT_SHARED
    assert response.status_code == allowed.get(person, 404)
    if response.status_code == 200 and page == "attachment":
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"


TRIAGE = {
    "not_shared": {"spoc_a": 302, "head_a": 302, "staff_a": 403},
    "shared": {"spoc_a": 200, "head_a": 200, "staff_a": 403, "sspo_a": 403, "sergeant": 403},
}
NOTE = {
    "not_shared": {"spoc_a": 302, "head_a": 302, "staff_a": 302},
    "shared": {"spoc_a": 302, "head_a": 302, "staff_a": 302, "sspo_a": 302, "sergeant": 403},
}


@pytest.mark.parametrize("world", ["not_shared", "shared"], indirect=True)
@pytest.mark.parametrize("person", PEOPLE)
@pytest.mark.parametrize("action", ["triage", "note"])
def test_acting_on_a_concern(request, client, world, person, action):
    client.force_login(who(request, person))
    before = snapshot(world)
    key = "shared" if world.status == "shared" else "not_shared"
    if action == "triage":
        url, data = (
            reverse("concern_triage", args=[world.code]),
            {"decision": "nfa", "rationale": "Matrix", "version": world.version},
        )
        expected = TRIAGE[key].get(person, 404)
    else:
        url, data = reverse("concern_note", args=[world.code]), {"text": "Matrix note"}
        expected = NOTE[key].get(person, 404)
    response = client.post(url, data)
    assert response.status_code == expected
    if expected != 302:
        assert snapshot(world) == before  # nothing changed on denial


@pytest.mark.parametrize("world", ["shared"], indirect=True)
@pytest.mark.parametrize(
    "person, status",
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a", 403),
        ("sspo_a", 403),
        ("sergeant", 403),
        ("spoc_b", 404),
        ("staff_a2", 404),
        ("admin_user", 404),
    ],
)
def test_who_has_viewed_a_concern_is_for_the_head(request, client, world, person, status):
    client.force_login(who(request, person))
    assert client.get(reverse("concern_access_log", args=[world.code])).status_code == status


@pytest.mark.parametrize(
    "page, allowed",
    [
        ("concern_new", {"staff_a", "spoc_a", "head_a", "staff_a2", "spoc_b"}),
        ("early_intervention_new", {"staff_a", "spoc_a", "head_a", "staff_a2", "spoc_b"}),
        ("my_concerns", {"staff_a", "spoc_a", "head_a", "staff_a2", "spoc_b"}),
        ("triage_queue", {"spoc_a", "head_a", "spoc_b"}),
        ("shared_with_me", {"sspo_a", "sspo_b", "sergeant", "other_sergeant"}),
    ],
)
@pytest.mark.parametrize("person", PEOPLE)
def test_list_and_form_pages_by_role(request, client, sspo_a, sspo_b, page, allowed, person):
    client.force_login(who(request, person))
    response = client.get(reverse(page))
    assert response.status_code == (200 if person in allowed else 403)


def test_lists_show_only_what_each_person_may_see(
    client, make_concern, school_a, school_b, staff_a, staff_a2, spoc_a, spoc_b, pupil_a
):
    mine = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    colleague = make_concern(school=school_a, reported_by=staff_a2, pupils=[pupil_a])
    other = make_concern(school=school_b, reported_by=spoc_b)
    client.force_login(staff_a)
    body = client.get(reverse("my_concerns")).content.decode()
    assert mine.reference in body and colleague.reference not in body
    client.force_login(spoc_a)
    body = client.get(reverse("triage_queue")).content.decode()
    assert mine.reference in body and colleague.reference in body
    assert other.reference not in body


class TestAccessLog:
    def test_every_view_is_logged_without_narrative_or_names(self, client, concern_a, spoc_a):
        client.force_login(spoc_a)
        client.get(reverse("concern_detail", args=[concern_a.code]))
        row = AccessLog.objects.get(object_code=concern_a.code)
        assert (row.user, row.role, row.action, row.outcome) == (spoc_a, "spoc", "view", "allowed")
        assert row.ip_address == "127.0.0.1" and row.purpose == ""
        text = " ".join(str(v) for v in AccessLog.objects.values_list())
        assert concern_a.narrative not in text and "Ashby" not in text

    def test_police_reads_record_their_purpose(self, client, shared_concern_a, sspo_a):
        client.force_login(sspo_a)
        client.get(reverse("concern_detail", args=[shared_concern_a.code]))
        row = AccessLog.objects.get(user=sspo_a)
        assert row.role == "sspo" and "shared" in row.purpose

    def test_denied_attempts_are_logged(self, client, concern_a, spoc_b, staff_a):
        client.force_login(spoc_b)
        client.get(reverse("concern_detail", args=[concern_a.code]))
        client.force_login(staff_a)
        client.get(reverse("concern_access_log", args=[concern_a.code]))
        outcomes = dict(AccessLog.objects.values_list("user__email", "outcome"))
        assert outcomes == {spoc_b.email: "not_found", staff_a.email: "denied"}

    def test_the_head_sees_who_viewed(self, client, concern_a, spoc_a, head_a):
        client.force_login(spoc_a)
        client.get(reverse("concern_detail", args=[concern_a.code]))
        client.force_login(head_a)
        body = client.get(reverse("concern_access_log", args=[concern_a.code])).content.decode()
        assert spoc_a.get_full_name() in body

    def test_the_log_cannot_be_rewritten_or_deleted(self, client, concern_a, spoc_a):
        from django.db import connection, transaction

        client.force_login(spoc_a)
        client.get(reverse("concern_detail", args=[concern_a.code]))
        row = AccessLog.objects.get()
        with pytest.raises(PermissionError):
            row.save()
        with pytest.raises(PermissionError):
            row.delete()
        with pytest.raises(PermissionError):
            AccessLog.objects.update(outcome="denied")
        for sql in ("UPDATE ssp_accesslog SET outcome = 'denied'", "DELETE FROM ssp_accesslog"):
            with (
                pytest.raises(Exception, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        assert AccessLog.objects.get().outcome == "allowed"


def test_a_concern_is_never_silently_edited(client, concern_a, staff_a):
    client.force_login(staff_a)
    client.post(
        reverse("concern_note", args=[concern_a.code]),
        {"text": "Correction: it was Tuesday, not Monday."},
    )
    concern = Concern.objects.get(pk=concern_a.pk)
    assert concern.narrative == concern_a.narrative
    assert concern.notes.get().text == "Correction: it was Tuesday, not Monday."
    assert concern.events.filter(kind="note").count() == 1


def test_pupils_seen_in_search_results_are_logged(client, staff_a, pupil_a):
    client.force_login(staff_a)
    client.post(reverse("concern_new"), {"search": "1", "pupil_query": "Amelia"})
    row = AccessLog.objects.get(object_type="pupil")
    assert (row.object_code, row.user, row.action) == (pupil_a.code, staff_a, "search_result")
