"""Recording a case conference is reachable from where an SSPO works, not only via referrals."""

from django.urls import reverse

RECORD = "Record a case conference"


def _page(client, user, name, *args):
    client.force_login(user)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_the_sspo_home_links_to_recording_a_conference(client, sspo_a):
    body = _page(client, sspo_a, "home")
    assert f'href="{reverse("referral_pupil_search")}">{RECORD}</a>' in body


def test_the_referrals_and_conference_lists_offer_it_to_the_sspo_only(client, sspo_a, sergeant):
    for name in ("referral_list", "conference_list"):
        assert RECORD in _page(client, sspo_a, name)
        assert RECORD not in _page(client, sergeant, name)


def test_the_pupils_chronology_links_the_sspo_to_a_conference_about_that_pupil(
    client, sspo_a, spoc_a, pupil_a, shared_concern_a
):
    link = reverse("conference_new", args=[pupil_a.code])
    assert f'href="{link}"' in _page(client, sspo_a, "pupil_chronology", pupil_a.code)
    assert f'href="{link}"' not in _page(client, spoc_a, "pupil_chronology", pupil_a.code)
    client.force_login(sspo_a)
    assert client.get(link).status_code == 200
