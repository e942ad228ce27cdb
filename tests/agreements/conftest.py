import time

import pytest

from agreements.models import Document
from agreements.services import document_version_publish
from tests.factories import DocumentFactory, UserFactory, totp_now
from tests.incidents.conftest import (  # noqa: F401  (fixtures shared with the concern tests)
    concern_a,
    make_concern,
    shared_concern_a,
)


@pytest.fixture
def publish_new_version():
    """Publish the force's next version of a kind (a new DSA by default)."""

    def publish(force, kind=Document.Kind.DSA, **fields):
        by = fields.pop("by", None) or UserFactory()
        draft = DocumentFactory(force=force, kind=kind, created_by=by, **fields)
        return document_version_publish(document=draft, by=by)

    return publish


@pytest.fixture
def code_for():
    """The authenticator code a person's app shows now, with time left to use it.

    Codes last one 30-second window (no tolerance): on a busy machine a test that takes a
    code in the window's last seconds can find it expired by the time it signs, so wait
    for a fresh window first, as a person would.
    """

    def fresh(user):
        left = 30 - time.time() % 30
        if left < 10:
            time.sleep(left + 0.1)
        return totp_now(user.totp_secret)

    return fresh
