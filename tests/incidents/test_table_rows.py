"""The lists of concerns draw their rows in Python (incidents/table_rows.py): what each row
says, every value escaped, and the same on the lists' pages."""

import datetime

from django.urls import reverse

from incidents.models import Concern
from incidents.table_rows import concern_row, for_rows, status_tag
from tests.factories import PupilFactory

SUMMER = datetime.datetime(2026, 7, 1, 8, 30, tzinfo=datetime.UTC)  # 9:30 in London


def test_a_row_says_what_the_list_shows_of_a_concern(make_concern, school_a, staff_a):
    pupils = [
        PupilFactory(school=school_a, first_name="Zoe", last_name="<b>Zed</b>"),
        PupilFactory(school=school_a, first_name="Amir", last_name="Able"),
    ]
    concern = make_concern(
        school=school_a,
        reported_by=staff_a,
        pupils=pupils,
        category="weapons",
        immediate_risk=True,
    )
    Concern.objects.filter(pk=concern.pk).update(recorded_at=SUMMER)
    listed = for_rows(Concern.objects.all(), show_school=True, show_reporter=True)
    concern = listed.get(pk=concern.pk)
    row = concern_row(concern)
    url = reverse("concern_detail", args=[concern.code])
    assert f'<a class="govuk-link" href="{url}">{concern.reference}</a>' in row
    assert '<strong class="govuk-tag govuk-tag--red">Awaiting triage</strong>' in row
    assert "Immediate risk</strong>" in row
    assert "police-relevant" in row
    # Every pupil, with their part, their names escaped.
    assert "Zoe &lt;b&gt;Zed&lt;/b&gt;" in row and "<b>" not in row
    assert row.count('<span class="govuk-body-s">(alleged victim)</span>') == 2
    assert "1 Jul 2026 09:30" in row  # in London
    assert staff_a.get_full_name() not in row and school_a.name not in row
    assert f"by {staff_a.get_full_name()}" in concern_row(concern, show_reporter=True)
    assert school_a.name in concern_row(concern, show_school=True)


def test_a_status_tag_is_coloured_by_status():
    def tag(status, immediate_risk=False):
        return status_tag(Concern(status=status, immediate_risk=immediate_risk))

    assert "govuk-tag--blue" in tag("new")
    assert "govuk-tag--red" in tag("new", immediate_risk=True)
    assert "govuk-tag--purple" in tag("shared", immediate_risk=True)
    assert "govuk-tag--green" in tag("in_school")
    assert "govuk-tag--turquoise" in tag("early_intervention")
    assert "govuk-tag--grey" in tag("nfa")
    assert ">No further action</strong>" in tag("nfa")


def test_the_lists_and_the_concerns_page_show_the_rows_and_the_tag(
    client, concern_a, spoc_a, staff_a
):
    concern_a = for_rows(Concern.objects.all(), show_reporter=True).get(pk=concern_a.pk)
    row = concern_row(concern_a, show_reporter=True)
    client.force_login(spoc_a)
    assert row in client.get(reverse("triage_queue")).content.decode()
    page = client.get(reverse("concern_detail", args=[concern_a.code])).content.decode()
    assert f"Status: {status_tag(concern_a)}" in page
    client.force_login(staff_a)
    assert concern_row(concern_a) in client.get(reverse("my_concerns")).content.decode()
