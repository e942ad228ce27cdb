import pytest

from agreements.models import Document
from agreements.services import document_publish
from tests.factories import DocumentFactory, UserFactory
from tests.incidents.conftest import (  # noqa: F401  (fixtures shared with the concern tests)
    concern_a,
    make_concern,
    shared_concern_a,
)
from tests.ssp.test_sign_in import totp_now


@pytest.fixture
def publish_new_version():
    """Publish the force's next version of a kind (a new DSA by default)."""

    def publish(force, kind=Document.Kind.DSA, **fields):
        by = fields.pop("by", None) or UserFactory()
        draft = DocumentFactory(force=force, kind=kind, created_by=by, **fields)
        return document_publish(draft, by=by)

    return publish


@pytest.fixture
def code_for():
    """The authenticator code a person's app shows now."""
    return lambda user: totp_now(user.totp_secret)
