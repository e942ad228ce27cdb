"""The sergeant moves partnerships along their lifecycle and proposes new ones."""

import re

import pytest
from django.urls import reverse

from agreements.models import Partnership, PartnershipEvent
from agreements.services import partnership_move
from tests.factories import PartnershipFactory, SchoolFactory


def move(client, user, partnership, status, reason="Termly review.", version=None):
    client.force_login(user)
    return client.post(
        reverse("partnership_move", args=[partnership.code]),
        {
            "status": status,
            "reason": reason,
            "version": partnership.version if version is None else version,
        },
    )


def test_the_sergeant_suspends_with_a_reason_and_the_history_shows_it(
    client, sergeant, school_a, sspo_a
):
    partnership = school_a.partnership
    assert (
        move(client, sergeant, partnership, "suspended", "SSPO on long leave.").status_code == 302
    )
    partnership.refresh_from_db()
    assert partnership.status == "suspended" and partnership.version == 2
    event = partnership.events.get()
    assert (event.from_status, event.to_status, event.by) == ("active", "suspended", sergeant)
    assert partnership.history.first().history_user == sergeant
    page = client.get(reverse("partnership_detail", args=[partnership.code])).content.decode()
    assert "SSPO on long leave." in page and "The partnership is suspended, not active." in page


def test_a_reason_is_required_and_the_choice_is_kept(client, sergeant, school_a):
    response = move(client, sergeant, school_a.partnership, "ended", reason="  ")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter the reason for this change" in body
    assert re.search(r'value="ended"[^>]*checked', body)
    assert not re.search(r'value="suspended"[^>]*checked', body)
    school_a.partnership.refresh_from_db()
    assert school_a.partnership.status == "active"


def test_only_the_allowed_moves_are_offered_and_accepted(client, sergeant, school_a):
    client.force_login(sergeant)
    page = client.get(reverse("partnership_move", args=[school_a.partnership.code])).content
    assert b'value="suspended"' in page and b'value="ended"' in page
    assert b'value="proposed"' not in page
    response = move(client, sergeant, school_a.partnership, "proposed")
    assert "Choose one of the statuses shown" in response.content.decode()


def test_a_stale_move_shows_the_new_state(client, sergeant, school_a):
    partnership = school_a.partnership
    partnership_move(
        partnership=partnership, to="suspended", by=sergeant, reason="Colleague's decision."
    )
    response = move(client, sergeant, partnership, "ended", version=1)
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this partnership first" in body
    assert "Colleague&#x27;s decision." in body
    partnership.refresh_from_db()
    assert partnership.status == "suspended"


def test_activation_needs_the_protocol_signed_by_both_sides(client, sergeant, force, school_a):
    proposed = PartnershipFactory(
        school__force=force, school__name="Dunmore High", status="proposed", signed=False
    )
    response = move(client, sergeant, proposed, "active")
    assert "both signed the current protocol" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_the_sergeant_proposes_a_partnership_for_a_school_without_one(
    client, sergeant, force, school_a
):
    school = SchoolFactory(force=force, name="Eastfield College")
    client.force_login(sergeant)
    form = client.get(reverse("partnership_new")).content.decode()
    assert "Eastfield College" in form and "Ashdown Academy" not in form
    response = client.post(
        reverse("partnership_new"), {"school": school.pk, "reason": "Highest need figures."}
    )
    partnership = Partnership.objects.get(school=school)
    assert response["Location"] == reverse("partnership_detail", args=[partnership.code])
    assert partnership.status == "proposed"
    event = PartnershipEvent.objects.get(partnership=partnership)
    assert (event.from_status, event.to_status, event.reason) == (
        "",
        "proposed",
        "Highest need figures.",
    )


def test_proposing_needs_a_school_of_the_force_and_a_reason(
    client, sergeant, other_sergeant, force, school_a
):
    school = SchoolFactory(force=force, name="Eastfield College")
    client.force_login(other_sergeant)
    response = client.post(reverse("partnership_new"), {"school": school.pk, "reason": "Mine."})
    assert "Choose the school" in response.content.decode()
    client.force_login(sergeant)
    response = client.post(reverse("partnership_new"), {"school": school.pk, "reason": ""})
    body = response.content.decode()
    assert "Enter why this school should have a partnership" in body
    assert f'value="{school.pk}" selected' in body
    assert not Partnership.objects.filter(school=school).exists()


def test_the_register_answers_in_the_same_number_of_queries_however_long(
    client, sergeant, force, school_a, django_assert_max_num_queries
):
    client.force_login(sergeant)
    url = reverse("partnership_list")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for _ in range(12):
        PartnershipFactory(school__force=force, status="proposed", signed=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("Not in force") >= 12


@pytest.mark.parametrize("status", ["suspended", "ended"])
def test_the_partnership_page_says_why_sharing_stopped(client, sergeant, head_a, school_a, status):
    partnership_move(partnership=school_a.partnership, to=status, by=sergeant, reason="Review.")
    client.force_login(head_a)
    page = client.get(reverse("partnership_detail", args=[school_a.partnership.code])).content
    assert f"The partnership is {status}, not active.".encode() in page
