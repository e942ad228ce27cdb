"""The roll in the browser: the head imports it, staff log a concern about an imported pupil,
and the next import marks a pupil who left."""

import datetime
import re
import time

import pytest
from playwright.sync_api import expect

from bench.ctf_file import ctf_document, pupil_xml
from incidents.models import Concern
from schools.models import Pupil

from .conftest import assert_accessible
from .test_concern_flow import sign_out
from .test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    # UPNs of LA 873 with their check letters; names and years as the MIS holds them.
    {"upn": "", "surname": "Ashby", "forename": "Amelia", "dob": "2013-05-01", "year": 8},
    {"upn": "", "surname": "Baker", "forename": "Noah", "dob": "2011-02-11", "year": 10},
    {"upn": "", "surname": "Carter", "forename": "Zoë", "dob": "2012-09-30", "year": 9},
]


def _people():
    from stdnum.gb import upn as stdnum_upn

    people = []
    for n, p in enumerate(PEOPLE):
        body = f"873400124{n:03d}"
        people.append({**p, "upn": stdnum_upn.calc_check_digit(body) + body})
    return people


def _csv(people) -> bytes:
    lines = ["Adno,UPN,Legal Surname,Legal Forename,DOB,NC Year Actual"]
    for n, p in enumerate(people):
        born = datetime.date.fromisoformat(p["dob"])
        lines.append(f"{n},{p['upn']},{p['surname']},{p['forename']},{born:%d/%m/%Y},{p['year']}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _upload(page, name, data, mime):
    page.get_by_role("link", name="Import the roll").click()
    expect(page.locator("h1")).to_have_text("Import the roll")
    page.get_by_label("The roll file").set_input_files(
        {"name": name, "mimeType": mime, "buffer": data}
    )
    page.get_by_role("button", name="Upload and continue").click()


def log_bullying_concern(page, *, school, surname, pupil, narrative, at="08:30"):
    """Staff log a bullying concern, found by surname, about one pupil named as the victim."""
    page.get_by_role("link", name="Log a concern").click()
    page.get_by_label(f"Find a pupil at {school} by name").fill(surname)
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_role("list", name="Pupils found").get_by_role(
        "button", name=f"Add pupil {pupil}"
    ).click()
    name = pupil.rsplit(",", 1)[0]
    page.get_by_label(f"Role of {name}").select_option(label="Alleged victim")
    page.get_by_label("Category").select_option(label="Bullying")
    page.get_by_label("What happened").fill(narrative)
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    page.fill("#id_happened_on_0", str(yesterday.day))
    page.fill("#id_happened_on_1", str(yesterday.month))
    page.fill("#id_happened_on_2", str(yesterday.year))
    page.get_by_label("Time it happened").fill(at)
    page.get_by_label("In school", exact=True).check()
    page.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Log concern").click()
    page.wait_for_url(re.compile(r"/concerns/[0-9a-f-]{36}/$"))


def test_the_head_imports_the_roll_staff_log_a_concern_and_a_second_import_marks_a_leaver(
    page, head_a, spoc_a, staff_a, school_a
):
    people = _people()
    school_a.laestab = "8734001"
    school_a.save()

    # The head: from the school's page to its pupils, then the roll from the MIS's CSV.
    sign_in(page, head_a)
    page.get_by_role("link", name="Ashdown Academy").first.click()
    page.get_by_role("link", name="Pupils and the roll").click()
    expect(page.locator("h1")).to_have_text("Pupils")
    _upload(page, "roll.csv", _csv(people), "text/csv")
    expect(page.locator("h1")).to_have_text("Which column holds what")
    # Guessed from the headings; the head checks them and goes on.
    expect(page.get_by_label("Year group")).to_have_value("NC Year Actual")
    expect(page.get_by_label("Legal forename")).to_have_value("Legal Forename")
    assert_accessible(page)
    page.get_by_role("button", name="Preview the changes").click()
    expect(page.locator("h1")).to_have_text("Check the roll before it is applied")
    counts = page.locator("#roll-counts")
    expect(counts).to_contain_text(re.compile(r"New pupils\s*3"))
    expect(page.locator("#roll-new")).to_contain_text("Zoë Carter")
    assert_accessible(page)
    page.get_by_role("button", name="Apply the roll").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The roll is applied: 3 new, 0 changed, 0 no longer on the roll."
    )
    expect(page.locator("#pupils-on-roll tbody tr")).to_have_count(3)
    expect(page.locator("#roll-imports")).to_contain_text("3 new, 0 changed, 0 left, 0 refused")
    assert_accessible(page)
    sign_out(page)

    # Staff: a concern about a pupil who came in with the roll.
    sign_in(page, staff_a)
    staff_window = time.time() // 30
    log_bullying_concern(
        page,
        school="Ashdown Academy",
        surname="Baker",
        pupil="Noah Baker, Year 10",
        narrative="Noah said older pupils took his bus pass.",
    )
    concern = Concern.objects.get()
    assert [link.pupil.last_name for link in concern.involved.all()] == ["Baker"]
    sign_out(page)

    # The SPOC (a TOTP code works once, so not the head again within the same 30 s): a CTF
    # from the MIS without Zoë, who has left.
    sign_in(page, spoc_a)
    page.goto(f"/schools/{school_a.code}/pupils/")
    ctf = ctf_document(dest_laestab="8734001", pupils=[pupil_xml(**p) for p in people[:2]])
    _upload(page, "roll.xml", ctf, "application/xml")
    expect(page.locator("h1")).to_have_text("Check the roll before it is applied")
    expect(page.locator("#roll-counts")).to_contain_text(re.compile(r"No longer on the roll\s*1"))
    expect(page.locator("#roll-leaving")).to_contain_text("Zoë Carter")
    page.get_by_role("button", name="Apply the roll").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("1 no longer on the roll")
    expect(page.locator("#pupils-on-roll tbody tr")).to_have_count(2)
    zoe = Pupil.objects.get(last_name="Carter")
    assert zoe.left_on == datetime.date.today()
    noah = Pupil.objects.get(last_name="Baker")
    assert noah.left_on is None and concern.involved.get().pupil == noah
    sign_out(page)

    # Staff no longer find the pupil who left when logging a concern. A TOTP code works once:
    # wait for the next one if staff signed in within this 30 s window.
    while time.time() // 30 == staff_window:
        time.sleep(0.5)
    sign_in(page, staff_a)
    page.get_by_role("link", name="Log a concern").click()
    page.get_by_label("Find a pupil at Ashdown Academy by name").fill("Carter")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("main")).not_to_contain_text("Zoë Carter")
    assert page.csp_violations == []
