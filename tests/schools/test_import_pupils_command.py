"""import_pupils: the same preview from the command line, and --apply."""

import pytest
from django.core.management import CommandError, call_command

from schools.models import Intake, Pupil

from .roll_fixtures import pupil_line, roll, upn

pytestmark = pytest.mark.usefixtures("media")


@pytest.fixture
def roll_file(tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(pupil_line(1), pupil_line(2, born="31/02/2012")))
    return path


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_pupils", *args, stdout=out)
    return out.getvalue()


def test_the_preview_prints_counts_and_refusals_and_writes_nothing(school_a, roll_file):
    out = run("--school", school_a.urn, str(roll_file))
    assert "1 new, 0 changed (0 back on the roll), 0 no longer on the roll" in out
    assert "1 rows refused" in out
    assert "refused, line 3, DOB: “31/02/2012” is not a real date." in out
    assert "Nothing was changed" in out
    assert (Pupil.objects.count(), Intake.objects.count()) == (0, 0)


def test_apply_records_who_applied_it(school_a, head_a, roll_file):
    out = run("--school", school_a.urn, str(roll_file), "--apply", "--by", head_a.email)
    assert "Applied by head.a@example.org: 1 new" in out
    pupil = Pupil.objects.get()
    assert (pupil.upn, pupil.history.get().history_user) == (upn(1), head_a)
    intake = Intake.objects.get()
    assert (intake.status, intake.applied_by, intake.file_name) == ("applied", head_a, "")


@pytest.mark.parametrize(
    "who", ["staff_a", "staff_a2", "head_b", "spoc_b", "sspo_a", "sergeant", "admin_user"]
)
def test_apply_refuses_anyone_but_a_lead_of_the_school(request, school_a, roll_file, who):
    person = request.getfixturevalue(who)
    with pytest.raises(CommandError, match="is not the head, SPOC or deputy SPOC of"):
        run("--school", school_a.urn, str(roll_file), "--apply", "--by", person.email)
    assert (Pupil.objects.count(), Intake.objects.count()) == (0, 0)


def test_apply_refuses_a_lead_whose_account_is_closed(school_a, head_a, roll_file):
    head_a.is_active = False
    head_a.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="is not the head, SPOC or deputy SPOC of"):
        run("--school", school_a.urn, str(roll_file), "--apply", "--by", head_a.email)
    assert (Pupil.objects.count(), Intake.objects.count()) == (0, 0)


def test_apply_without_by_says_who_may_apply(school_a, roll_file):
    with pytest.raises(CommandError, match="--by EMAIL"):
        run("--school", school_a.urn, str(roll_file), "--apply")
    assert (Pupil.objects.count(), Intake.objects.count()) == (0, 0)


def test_the_same_lead_may_apply_it(school_a, spoc_a, roll_file):
    # The refusals above are for the person, not the file: a lead applies the same file.
    run("--school", school_a.urn, str(roll_file), "--apply", "--by", spoc_a.email)
    assert Pupil.objects.count() == 1


def test_a_refused_file_is_refused_by_the_command(school_a, tmp_path):
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(pupil_line(1)).replace(b",", b";"))
    with pytest.raises(CommandError, match="separated by semicolons"):
        run("--school", school_a.urn, str(path))


def test_open_questions_stop_the_apply(school_a, head_a, tmp_path):
    from tests.factories import PupilFactory

    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    PupilFactory(school=school_a, upn="", first_name="Ann", last_name="Lee")
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(pupil_line(1, surname="Lee", forename="Ann")))
    with pytest.raises(CommandError, match="need a person's decision"):
        run("--school", school_a.urn, str(path), "--apply", "--by", head_a.email)
    assert Pupil.objects.filter(upn=upn(1)).count() == 0
