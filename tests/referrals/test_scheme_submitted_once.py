"""A scheme posted twice from one rendered form is saved once; an edit repeated keeps one
change in its history."""

from django.urls import reverse

from referrals.models import Scheme
from tests.submissions import assert_posted_twice_saves_once, form_token

DATA = {
    "name": "Mentoring",
    "provider": "Mentors Ltd",
    "purpose": "safeguarding",
    "criteria": "Any pupil",
    "contact": "m@example.org",
    "active": "on",
}


def test_a_new_scheme_posted_twice_is_saved_once(client, sergeant, force):
    client.force_login(sergeant)
    url = reverse("scheme_new")
    assert_posted_twice_saves_once(
        client, page=url, post=url, data=DATA, model=Scheme, fresh={"name": "Mentoring two"}
    )


def test_a_scheme_change_posted_twice_is_one_change(client, sergeant, scheme):
    client.force_login(sergeant)
    url = reverse("scheme_edit", args=[scheme.code])
    data = DATA | {"name": scheme.name, "once": form_token(client.get(url))}
    before = scheme.history.count()
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert scheme.history.count() == before + 1
