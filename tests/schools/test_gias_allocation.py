"""Number of pupils and free school meals from GIAS feed allocation by need, shown with the
date of the extract beside the figures the force entered itself."""

import datetime
import re
from decimal import Decimal

from django.core.files.base import ContentFile
from django.urls import reverse

from schools.allocation import force_measures, ranking, weights_fingerprint
from schools.intake.gias_services import gias_apply, gias_preview, gias_upload
from schools.models import NeedMeasure
from tests.factories import SchoolFactory
from tests.gias_files import gias_bytes, school_row

DEC_1 = datetime.date(2026, 12, 1)


def _only(force, **weights):
    """Every measure at weight 0 but these."""
    for key, name in (NeedMeasure.BUILT_IN | NeedMeasure.FROM_GIAS).items():
        NeedMeasure.objects.create(force=force, key=key, name=name, weight=weights.get(key, 0))


def test_the_gias_measures_count_nothing_until_the_sergeant_weights_them(force, sergeant):
    measures = force_measures(force.pk)
    gias = [m for m in measures if m.is_from_gias]
    assert [(m.key, m.weight) for m in gias] == [("percentage_fsm", 0), ("number_of_pupils", 0)]
    assert all(m.is_built_in for m in gias)  # read from the school, not entered by hand


def test_free_school_meals_from_gias_rank_the_schools(force, sergeant):
    SchoolFactory(force=force, name="Few Meals High", percentage_fsm=Decimal("10.0"),
                  gias_extract_date=DEC_1)  # fmt: skip
    SchoolFactory(force=force, name="Many Meals High", percentage_fsm=Decimal("40.0"),
                  gias_extract_date=DEC_1)  # fmt: skip
    SchoolFactory(force=force, name="Not In GIAS High", percentage_fsm=None)
    _only(force, percentage_fsm=1)
    _, rows = ranking(sergeant)
    # Scaled by the highest, 40: 40/40 = 100, 10/40 = 25, none = 0.
    assert [(r.school.name, round(r.score, 1)) for r in rows] == [
        ("Many Meals High", 100.0),
        ("Few Meals High", 25.0),
        ("Not In GIAS High", 0.0),
    ]


def test_the_ranking_and_school_pages_mark_gias_figures_with_the_extract_date(
    signed_in, force, sergeant
):
    school = SchoolFactory(force=force, name="Many Meals High", percentage_fsm=Decimal("40.0"),
                           number_of_pupils=1200, gias_extract_date=DEC_1)  # fmt: skip
    _only(force, percentage_fsm=1, recorded_crimes=1)
    client = signed_in(sergeant)
    body = client.get(reverse("allocation")).content.decode()
    assert re.search(
        r"Free school meals \(%\): 40.0 <span[^>]*>\(from GIAS, extract of 1 Dec 2026\)", body
    )
    assert "Recorded crime: 0" in body  # the force's own figure, unmarked
    body = client.get(reverse("allocation_school", args=[school.code])).content.decode()
    assert "Number of pupils" in body and "1200" in body
    assert "from GIAS, extract of 1 December 2026" in body


def test_the_sergeant_weights_the_gias_measures_and_a_blank_keeps_them(signed_in, force, sergeant):
    client = signed_in(sergeant)
    body = client.get(reverse("need_weights")).content.decode()
    assert "Free school meals (%) (from GIAS)" in body
    seen = weights_fingerprint(force_measures(force.pk))
    five = {f"weight_{key}": "1" for key in NeedMeasure.BUILT_IN}
    response = client.post(
        reverse("need_weights"), {"seen": seen, **five, "weight_percentage_fsm": "2"}
    )
    assert response.status_code == 302
    saved = dict(NeedMeasure.objects.filter(force=force).values_list("key", "weight"))
    assert saved["percentage_fsm"] == Decimal("2.0") and "number_of_pupils" not in saved
    seen = weights_fingerprint(force_measures(force.pk))
    client.post(reverse("need_weights"), {"seen": seen, **five, "weight_percentage_fsm": ""})
    assert NeedMeasure.objects.get(force=force, key="percentage_fsm").weight == Decimal("2.0")


def test_an_import_is_not_listed_as_an_sspo_criteria_decision(
    signed_in, force, sergeant, admin_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = gias_bytes([school_row(137001, name="Wymondham High Academy", fsm="14.2")])
    intake = gias_upload(force=force, upload=ContentFile(data, name="edubasealldata20261201.csv"),
                         la_codes=["926"], phases=["secondary"], extract_date=DEC_1,
                         by=admin_user)  # fmt: skip
    gias_apply(intake=gias_preview(intake=intake), by=admin_user)
    school = force.schools.get(urn="137001")
    body = signed_in(sergeant).get(reverse("allocation_school", args=[school.code])).content
    assert "No decision has been recorded in the portal yet." in body.decode()
    assert "14.2" in body.decode()
