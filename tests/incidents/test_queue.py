import datetime
import re

from django.urls import reverse
from django.utils import timezone

QUEUE = reverse("triage_queue")


def test_immediate_risk_first_then_newest(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a
):
    old_urgent = make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a], immediate_risk=True
    )
    old_urgent.recorded_at = timezone.now() - datetime.timedelta(days=3)
    old_urgent.save()
    newer = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    body = client.get(QUEUE).content.decode()
    assert body.index(old_urgent.reference) < body.index(newer.reference)


def test_filters_by_status_category_pupil_and_date(
    client, make_concern, school_a, staff_a, spoc_a, pupil_a, pupil_a2
):
    knife = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a], category="blades")
    other = make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a2])
    decided = make_concern(
        school=school_a, reported_by=staff_a, pupils=[pupil_a], status="in_school"
    )
    client.force_login(spoc_a)

    def shown(**params):
        body = client.get(QUEUE, params).content.decode()
        return {c.reference for c in (knife, other, decided) if c.reference in body}

    assert shown() == {knife.reference, other.reference}  # awaiting triage by default
    assert shown(status="in_school") == {decided.reference}
    assert shown(status="", category="blades") == {knife.reference}
    # A name is posted, never put in the URL (see test_names_stay_out_of_urls.py).
    location = client.post(QUEUE, {"status": "", "pupil": "Noah"})["Location"]
    body = client.get(location).content.decode()
    assert {c.reference for c in (knife, other, decided) if c.reference in body} == {
        other.reference
    }
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert shown(status="", date_from=tomorrow) == set()


def test_pages_of_25_keep_the_filters(client, make_concern, school_a, staff_a, spoc_a, pupil_a):
    for _ in range(30):
        make_concern(school=school_a, reported_by=staff_a, pupils=[pupil_a])
    client.force_login(spoc_a)
    body = client.get(QUEUE, {"status": "new", "category": ""}).content.decode()
    assert len(re.findall(r'href="/concerns/[0-9a-f-]{36}/"', body)) == 25
    following = re.search(r'href="\?([^"]*)" rel="next"', body).group(1)
    assert following.startswith("status=new&amp;category=&amp;cursor=")
    second = client.get(f"{QUEUE}?{following.replace('&amp;', '&')}").content.decode()
    assert len(re.findall(r'href="/concerns/[0-9a-f-]{36}/"', second)) == 5


def test_the_leads_scope_is_visible_to_narrowed_to_their_schools(
    request,
    make_concern,
    school_a,
    school_b,
    staff_a,
    staff_a2,
    spoc_a,
    spoc_b,
    head_a,
    sspo_a,
    pupil_a,
):
    from incidents.models import Concern

    for school, reporter in ((school_a, staff_a), (school_a, staff_a2), (school_b, spoc_b)):
        make_concern(school=school, reported_by=reporter)
    for lead in (spoc_a, head_a, spoc_b):
        led = set(Concern.objects.in_schools_led_by(lead))
        assert led and led == set(
            Concern.objects.visible_to(lead).filter(school__memberships__user=lead)
        )
    for other in (staff_a, sspo_a):
        assert not Concern.objects.in_schools_led_by(other).exists()
