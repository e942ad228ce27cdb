"""The force's protocol and DSA versions: drafts, publishing, and immutability."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from agreements.models import Document
from agreements.services import document_publish
from tests.factories import DocumentFactory

NEW = reverse("document_new")


def _form(**changes):
    today = timezone.localdate()
    review, expiry = today + datetime.timedelta(days=180), today + datetime.timedelta(days=700)
    data = {
        "kind": "dsa",
        "title": "Data sharing agreement 2027",
        "purpose": "Safeguarding children.",
        "lawful_bases": "UK GDPR Art. 6(1)(e).",
        "what_may_be_shared": "Concerns the SPOC shares.",
        "summary": "What we share and why.",
        "body": "1. Only the SPOC shares.\n2. Every disclosure is logged.",
        "review_on_0": review.day,
        "review_on_1": review.month,
        "review_on_2": review.year,
        "expires_on_0": expiry.day,
        "expires_on_1": expiry.month,
        "expires_on_2": expiry.year,
    }
    data.update(changes)
    return data


def test_the_sergeant_drafts_edits_and_publishes_the_next_version(
    client, sergeant, school_a, force
):
    client.force_login(sergeant)
    response = client.post(NEW, _form())
    draft = Document.objects.get(force=force, kind="dsa", published_at=None)
    assert response.status_code == 302 and draft.version == 2
    assert draft.history.first().history_user == sergeant

    edit = client.get(reverse("document_edit", args=[draft.code])).content.decode()
    assert "Data sharing agreement 2027" in edit
    seen = draft.compute_hash()
    response = client.post(
        reverse("document_edit", args=[draft.code]),
        _form(title="Data sharing agreement 2027–28", seen_hash=seen),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Data sharing agreement 2027–28"

    confirm = client.get(reverse("document_publish", args=[draft.code])).content.decode()
    assert "Once published this version can never be changed" in confirm
    assert not Document.objects.get(pk=draft.pk).is_published  # the GET publishes nothing
    assert client.post(reverse("document_publish", args=[draft.code])).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by == sergeant
    assert draft.content_hash == draft.compute_hash() and len(draft.content_hash) == 64
    page = client.get(reverse("document_detail", args=[draft.code])).content.decode()
    assert draft.content_hash in page
    assert Document.objects.current_of(force, "dsa").first() == draft


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"title": ""}, "title", "Enter the title"),
        ({"kind": ""}, "kind", "Choose which document this is a version of"),
        ({"review_on_0": "31", "review_on_1": "2"}, "review_on", "must be a real date"),
        ({"expires_on_2": ""}, "expires_on", "must include a day, month and year"),
        (
            {"review_on_2": "2020"},
            "review_on",
            "The review date must be in the future",
        ),
        (
            {"expires_on_2": "2020", "review_on_2": "2020"},
            "expires_on",
            "The expiry date must be in the future",
        ),
        (
            {"review_on_2": str(timezone.localdate().year + 5)},
            "review_on",
            "The review date must be on or before the expiry date",
        ),
    ],
)
def test_bad_input_is_explained_and_what_was_typed_stays(
    client, sergeant, school_a, changes, field, message
):
    client.force_login(sergeant)
    response = client.post(NEW, _form(**changes))
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert f'id="id_{field}_error"' in body or f"id_{field}_0" in body
    assert "1. Only the SPOC shares.\n2. Every disclosure is logged." in body
    if changes.get("title") != "":
        assert 'value="Data sharing agreement 2027"' in body
    assert not Document.objects.filter(published_at=None).exists()


def test_one_draft_of_a_kind_at_a_time(client, sergeant, school_a, force):
    client.force_login(sergeant)
    client.post(NEW, _form())
    response = client.post(NEW, _form(title="A second draft"))
    body = response.content.decode()
    assert "There is already a draft of the data sharing agreement (version 2)" in body
    assert 'value="A second draft"' in body
    assert Document.objects.filter(force=force, published_at=None).count() == 1


def test_a_draft_saved_by_someone_else_is_not_overwritten(client, sergeant, school_a, force):
    draft = DocumentFactory(force=force, version=2, created_by=sergeant, title="First title")
    seen = draft.compute_hash()
    draft.title = "Changed by a colleague"
    draft.save()
    client.force_login(sergeant)
    response = client.post(
        reverse("document_edit", args=[draft.code]), _form(title="My title", seen_hash=seen)
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this draft first" in body and 'value="My title"' in body
    draft.refresh_from_db()
    assert draft.title == "Changed by a colleague"


def test_a_published_version_cannot_be_edited(client, sergeant, school_a, force):
    dsa = Document.objects.current_of(force, "dsa").get()
    client.force_login(sergeant)
    response = client.post(
        reverse("document_edit", args=[dsa.code]), _form(seen_hash=dsa.content_hash)
    )
    assert response.status_code == 403
    assert Document.objects.get(pk=dsa.pk).title == dsa.title


def test_the_model_refuses_to_change_or_delete_a_published_version(school_a, force):
    dsa = Document.objects.current_of(force, "dsa").get()
    dsa.title = "Quietly changed"
    with pytest.raises(ValidationError):
        dsa.save()
    with pytest.raises(ValidationError):
        dsa.delete()
    assert Document.objects.get(pk=dsa.pk).title != "Quietly changed"


def test_the_database_refuses_a_raw_update_of_a_published_version(school_a, force):
    dsa = Document.objects.current_of(force, "dsa").get()
    match = "published document version cannot be changed"
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE agreements_document SET body = 'Quietly changed' WHERE id = %s", [dsa.pk]
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM agreements_document WHERE id = %s", [dsa.pk])
    dsa.refresh_from_db()
    assert dsa.body != "Quietly changed" and dsa.compute_hash() == dsa.content_hash


def test_a_draft_with_dates_now_past_is_not_published(client, sergeant, school_a, force):
    today = timezone.localdate()
    draft = DocumentFactory(
        force=force,
        created_by=sergeant,
        review_on=today - datetime.timedelta(days=1),
        expires_on=today + datetime.timedelta(days=30),
    )
    client.force_login(sergeant)
    response = client.post(reverse("document_publish", args=[draft.code]))
    assert response.status_code == 400
    assert "change them, then publish" in response.content.decode()
    assert not Document.objects.get(pk=draft.pk).is_published


def test_publishing_takes_the_next_number(school_a, force, sergeant):
    draft = DocumentFactory(force=force, version=9, created_by=sergeant)
    assert document_publish(document=draft, by=sergeant).version == 2
