"""How a real force starts, in the browser: the administrator imports the schools from GIAS,
the head of an imported school imports the roll from a CTF, a member of staff logs a concern
about an imported pupil, and the next CTF marks a pupil who has left."""

import datetime
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect
from stdnum.gb import upn as stdnum_upn

from bench.ctf_file import ctf_document, pupil_xml
from incidents.models import Concern
from schools import tasks
from schools.models import Intake, Membership, Pupil, School
from tests.factories import MembershipFactory, UserFactory
from tests.gias_files import gias_bytes, school_row

from .test_concern_flow import sign_out
from .test_gias_flow import sign_in_as_admin
from .test_roll_flow import _upload, log_bullying_concern
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _pupils():
    people = [
        ("Ashby", "Amelia", "2013-05-01", 8),
        ("Baker", "Noah", "2011-02-11", 10),
        ("Carter", "Zoë", "2012-09-30", 9),
    ]
    pupils = []
    for n, (surname, forename, dob, year) in enumerate(people):
        body = f"926400124{n:03d}"  # LA 926, the school's own establishment number
        upn = stdnum_upn.calc_check_digit(body) + body
        pupils.append(dict(upn=upn, surname=surname, forename=forename, dob=dob, year=year))
    return pupils


def _member(school, **kwargs):
    return MembershipFactory(school=school, user=UserFactory(), **kwargs).user


def test_a_force_imports_its_schools_a_head_the_roll_and_staff_log_a_concern(
    page, admin_user, force, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the live server reads settings in this process

    # The administrator: the force's schools from the DfE's register.
    sign_in_as_admin(page, admin_user)
    page.get_by_role("link", name="Schools from GIAS").click()
    page.get_by_role("link", name="Import the register").click()
    page.get_by_label("Local authorities").fill("926")
    extract = gias_bytes([school_row(137001, number="4001", name="Wymondham High Academy")])
    page.get_by_label("The GIAS extract").set_input_files(
        files=[{"name": "edubasealldata20261201.csv", "mimeType": "text/csv", "buffer": extract}]
    )
    page.get_by_role("button", name="Upload and preview").click()
    tasks.gias_preview(Intake.objects.get().pk)  # what the Celery worker runs
    expect(page.locator("[data-new]")).to_contain_text("Wymondham High Academy", timeout=10_000)
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Applied: 1 new")
    school = School.objects.get(urn="137001")
    assert school.laestab == "9264001" and school.force == force
    sign_out(page)

    # The head accepts an invitation (the invitation flow has its own tests): here, the
    # school's people are made as accepting would make them.
    head = _member(school, position=Membership.Position.HEAD, is_slt=True)
    spoc = _member(school, is_slt=True, designation=Membership.Designation.SPOC)
    staff = _member(school)

    # The head: the roll from the MIS's common transfer file.
    pupils = _pupils()
    sign_in(page, head)
    page.get_by_role("link", name="Wymondham High Academy").first.click()
    page.get_by_role("link", name="Pupils and the roll").click()
    ctf = ctf_document(dest_laestab="9264001", pupils=[pupil_xml(**p) for p in pupils])
    _upload(page, "roll.xml", ctf, "application/xml")
    expect(page.locator("h1")).to_have_text("Check the roll before it is applied")
    expect(page.locator("#roll-counts")).to_contain_text(re.compile(r"New pupils\s*3"))
    page.get_by_role("button", name="Apply the roll").click()
    expect(page.locator("#pupils-on-roll tbody tr")).to_have_count(3)
    sign_out(page)

    # Staff: a concern about an imported pupil.
    sign_in(page, staff)
    log_bullying_concern(
        page,
        school="Wymondham High Academy",
        surname="Ashby",
        pupil="Amelia Ashby, Year 8",
        narrative="Amelia said she is being left out at lunch.",
        at="12:30",
    )
    amelia = Pupil.objects.get(last_name="Ashby")
    assert Concern.objects.get().involved.get().pupil == amelia
    sign_out(page)

    # The SPOC: next term's CTF no longer has Zoë, who is marked as left, never deleted.
    sign_in(page, spoc)
    page.goto(f"/schools/{school.code}/pupils/")
    ctf = ctf_document(dest_laestab="9264001", pupils=[pupil_xml(**p) for p in pupils[:2]])
    _upload(page, "roll.xml", ctf, "application/xml")
    expect(page.locator("#roll-leaving")).to_contain_text("Zoë Carter")
    page.get_by_role("button", name="Apply the roll").click()
    expect(page.locator("#pupils-on-roll tbody tr")).to_have_count(2)
    assert Pupil.objects.get(last_name="Carter").left_on == datetime.date.today()
    assert Pupil.objects.count() == 3
    assert page.csp_violations == []
