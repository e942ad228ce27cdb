"""Helpers for tests of create forms posted twice."""

import re


def form_token(response) -> str:
    """The one-time token of the create form on a rendered page."""
    html = response.content.decode()
    tag = re.search(r'<input[^>]*name="once"[^>]*>', html)
    assert tag, "the page has no one-time token"
    value = re.search(r'value="([^"]+)"', tag.group(0))
    assert value, "the token is empty"
    return value.group(1)


def assert_posted_twice_saves_once(client, *, page, post, data, model, fresh=None):
    """Render `page`, post its create form twice, then once more from a fresh render.

    `fresh` changes what the fresh form posts, where the same values twice are refused.
    """
    from ssp.models import Notification

    before = model.objects.count()
    rendered = client.get(page)
    assert 'data-prevent-double-click="true"' in rendered.content.decode()
    data = data | {"once": form_token(rendered)}
    first = client.post(post, data)
    alerts = Notification.objects.count()
    second = client.post(post, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert model.objects.count() == before + 1
    assert Notification.objects.count() == alerts
    # A fresh render is a new form: it creates again.
    client.post(post, data | (fresh or {}) | {"once": form_token(client.get(page))})
    assert model.objects.count() == before + 2


def posted_twice(client, url, data):
    """Post one rendered form twice: the same redirect target, and no second notification."""
    from ssp.models import Notification

    rendered = client.get(url)
    assert 'data-prevent-double-click="true"' in rendered.content.decode()
    data = data | {"once": form_token(rendered)}
    first = client.post(url, data)
    alerts = Notification.objects.count()
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Notification.objects.count() == alerts
    return second
