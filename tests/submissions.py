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
