"""Children's names never go into URLs: searches and filters by name are posted (issue 10,
hole 7). A name in a URL lands in server logs, browser history and Referer headers."""

import re

from django.urls import reverse

QUEUE = reverse("triage_queue")
SEARCH = reverse("referral_pupil_search")


def _get_forms(body: str) -> list[str]:
    return re.findall(r"<form[^>]*method=\"get\"[^>]*>.*?</form>", body, flags=re.S)


def test_the_triage_filter_by_name_is_posted_and_the_name_never_reaches_a_url(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, pupil_a2
):
    amelia = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    noah = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a2])
    client.force_login(spoc_a)
    page = client.get(QUEUE).content.decode()
    assert not _get_forms(page)
    response = client.post(QUEUE, {"status": "new", "category": "", "pupil": "Noah"})
    assert response.status_code == 302
    assert "Noah" not in response["Location"]
    body = client.get(response["Location"]).content.decode()
    assert noah.reference in body and amelia.reference not in body
    assert 'value="Noah"' in body  # what they typed is still in the box
    assert not re.search(r'href="[^"]*Noah', body)


def test_the_filter_by_name_is_kept_across_pages_without_the_name_in_the_links(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, pupil_a2
):
    for _ in range(30):
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a2])
    make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    location = client.post(QUEUE, {"status": "new", "pupil": "Noah"})["Location"]
    body = client.get(location).content.decode()
    following = re.search(r'href="\?([^"]*)" rel="next"', body).group(1)
    assert not re.search(r'href="[^"]*(Noah|pupil=)', body)
    second = client.get(f"{QUEUE}?{following.replace('&amp;', '&')}").content.decode()
    assert "Noah" in second and "Amelia" not in second
    assert 'rel="next"' not in second


def test_a_name_in_the_triage_url_filters_nothing(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, pupil_a2
):
    amelia = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    body = client.get(QUEUE, {"status": "new", "pupil": "Noah"}).content.decode()
    assert amelia.reference in body
    assert not re.search(r'href="[^"]*(Noah|pupil=)', body)  # nor is it carried on


def test_opening_the_queue_afresh_forgets_the_name(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, pupil_a2
):
    amelia = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    client.post(QUEUE, {"status": "new", "pupil": "Noah"})
    assert amelia.reference in client.get(QUEUE).content.decode()


def test_a_bad_filter_keeps_what_was_typed(client, spoc_a):
    client.force_login(spoc_a)
    response = client.post(QUEUE, {"status": "new", "pupil": "Noah", "date_from": "31/02/x"})
    assert response.status_code == 200
    assert 'value="Noah"' in response.content.decode()


def test_the_police_pupil_search_is_posted(client, sspo_a, pupil_a):
    client.force_login(sspo_a)
    page = client.get(SEARCH).content.decode()
    assert not _get_forms(page)
    body = client.post(SEARCH, {"q": "Ashby"}).content.decode()
    assert "Amelia Ashby" in body and 'value="Ashby"' in body
    assert not re.search(r'href="[^"]*Ashby', body)


def test_a_name_in_the_police_search_url_finds_nobody(client, sspo_a, pupil_a):
    client.force_login(sspo_a)
    response = client.get(SEARCH, {"q": "Ashby"})
    assert response.status_code == 200
    assert "Amelia" not in response.content.decode()


def test_staff_still_may_not_search_as_police(client, staff_a, pupil_a):
    client.force_login(staff_a)
    assert client.post(SEARCH, {"q": "Ashby"}).status_code == 403
