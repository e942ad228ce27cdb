"""A correction note asks again, under the concern's lock, whether its author may still add
it: an SSPO whose school's agreement was revoked after loading the page adds nothing, and is
answered as if the concern did not exist (404): it has left their reach."""

import pytest
from django.http import Http404
from django.urls import reverse

from incidents.models import CorrectionNote
from incidents.services import concern_add_note
from ssp.models import User
from tests.factories import revoke_dsa


def test_no_note_from_the_officer_once_the_agreement_is_revoked(
    client, shared_concern_a, sspo_a, school_a
):
    client.force_login(sspo_a)
    assert client.get(reverse("concern_detail", args=[shared_concern_a.code])).status_code == 200
    revoke_dsa(school_a.partnership)
    with pytest.raises(Http404):
        concern_add_note(
            concern=shared_concern_a, by=User.objects.get(pk=sspo_a.pk), text="Seen again."
        )
    assert not CorrectionNote.objects.exists()


def test_the_officer_adds_a_note_while_the_agreement_holds(shared_concern_a, sspo_a):
    concern_add_note(concern=shared_concern_a, by=sspo_a, text="Seen again.")
    assert CorrectionNote.objects.get().author == sspo_a
