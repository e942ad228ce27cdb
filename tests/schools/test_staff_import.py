"""Staff in bulk: the head invites from a CSV, sees a preview, applies all or nothing."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schools.intake import staff
from schools.intake.rows import IntakeRefused
from schools.models import Intake, Invitation, Membership
from schools.services import invitation_create
from ssp.models import User
from ssp.roles import Role

from ..factories import UserFactory

GOOD = (
    "name,email,role,job title\n"
    "Nina Newton,Nina.Newton@example.org,staff,Teacher of Maths\n"
    "Omar Osei,omar.osei@example.org,SLT,Deputy head\n"
)


def upload(client, school, text: str | bytes, name="staff.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("staff_import", args=[school.code]), {"file": SimpleUploadedFile(name, data)}
    )


def preview_url(intake):
    return reverse("staff_import_preview", args=[intake.school.code, intake.code])


# Parsing -------------------------------------------------------------------------------------


def test_a_good_file_gives_rows_with_names_split_and_roles_read():
    rows, refused = staff.parse_staff_csv(GOOD.encode())
    assert refused == []
    assert [(r.line, r.first_name, r.last_name, r.email, r.is_slt) for r in rows] == [
        (2, "Nina", "Newton", "nina.newton@example.org", False),
        (3, "Omar", "Osei", "omar.osei@example.org", True),
    ]
    assert rows[1].job_title == "Deputy head"


def test_first_and_last_name_columns_and_a_byte_order_mark_are_read():
    text = (
        "\ufeffFirst name,Last name,E-mail address,Role\n"
        "Mary Ann,Smith Jones,m@example.org,staff\n"
    )
    [row], _ = staff.parse_staff_csv(text.encode())
    assert (row.first_name, row.last_name) == ("Mary Ann", "Smith Jones")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("Nina,nina@example.org,staff", "name", "first name and the last name"),
        ("Nina Newton,not-an-address,staff", "email", "is not an e-mail address"),
        ("Nina Newton,nina@example.org,head", "role", "not a role a head can give"),
        ("Nina Newton,nina@example.org,spoc", "role", "SPOC and deputy are named"),
        ("Nina Newton,nina@example.org", "columns", "2 columns where the first line has 3"),
    ],
)
def test_bad_lines_are_refused_with_line_field_and_why(line, field, words):
    rows, [refusal] = staff.parse_staff_csv(f"name,email,role\n{line}\n".encode())
    assert rows == []
    assert (refusal.line, refusal.field) == (2, field)
    assert words in refusal.why


def test_duplicate_emails_refuse_every_line_holding_them():
    text = (
        "name,email,role\nA One,a@example.org,staff\nB Two,b@example.org,staff\n"
        "A Again,A@example.org,staff\n"
    )
    rows, refused = staff.parse_staff_csv(text.encode())
    assert [r.line for r in rows] == [3]
    assert [(r.line, r.field) for r in refused] == [(2, "email"), (4, "email")]
    assert "also on line 4" in refused[0].why


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "The file is empty"),
        (b"name;email;role\nA B;a@example.org;staff\n", "separated by semicolons"),
        (b"name\temail\trole\n", "separated by tabs"),
        (b"name,role\nA B,staff\n", "Missing: email"),
        (b"email,role\n", "Missing: name (or first name and last name)"),
        ("name,email,role\nZoë Núñez,z@example.org,staff\n".encode("cp1252"), "not UTF-8"),
        (b'name,email,role\n"A B,a@example.org,staff\n', "cannot be read as CSV"),
        (b"name,email,role\nA\x00B,a@example.org,staff\n", "NUL"),
        (b"name,email,role\n" + b"x" * (staff.MAX_BYTES + 1), "at most 256 KB"),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole_with_why(data, words):
    with pytest.raises(IntakeRefused) as error:
        staff.parse_staff_csv(data)
    assert words in str(error.value)


def test_the_wrong_encoding_says_which_line():
    data = "name,email,role\nA B,a@example.org,staff\nZoë C,z@example.org,staff\n".encode("cp1252")
    with pytest.raises(IntakeRefused) as error:
        staff.parse_staff_csv(data)
    assert "line 3" in str(error.value)


# The preview ---------------------------------------------------------------------------------


def test_the_preview_sorts_lines_into_invite_members_invited_and_refused(
    school_a, school_b, head_a, staff_a, head_b
):
    invitation_create(
        by=head_a,
        email="waiting@example.org",
        first_name="W",
        last_name="Aiting",
        role=Role.STAFF,
        school=school_a,
    )
    text = (
        "name,email,role\n"
        "New Person,new@example.org,staff\n"
        f"Stella Abbott,{staff_a.email},staff\n"
        "Wai Ting,waiting@example.org,staff\n"
        f"Harriet Brook,{head_b.email},staff\n"
        "Bad Role,bad@example.org,sergeant\n"
    )
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=text.encode())
    assert intake.kind == Intake.Kind.STAFF and intake.status == Intake.Status.PREVIEWED
    preview = intake.preview
    assert [r["email"] for r in preview["invite"]] == ["new@example.org"]
    assert [r["line"] for r in preview["members"]] == [3]
    assert [r["line"] for r in preview["invited"]] == [4]
    assert [(r["line"], r["field"]) for r in preview["refused"]] == [(5, "email"), (6, "role")]
    assert "already has an account" in preview["refused"][0]["why"]
    assert Invitation.objects.count() == 1  # the preview invited nobody


def test_a_refused_file_writes_nothing(school_a, head_a):
    with pytest.raises(IntakeRefused):
        staff.staff_intake_preview(school=school_a, by=head_a, data=b"name;email;role\n")
    assert Intake.objects.count() == 0


def test_only_the_head_may_preview(school_a, spoc_a):
    with pytest.raises(PermissionDenied):
        staff.staff_intake_preview(school=school_a, by=spoc_a, data=GOOD.encode())
    assert Intake.objects.count() == 0


# Apply and abandon -----------------------------------------------------------------------------


def test_apply_invites_everyone_through_the_invitation_service(school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    made = staff.staff_intake_apply(intake=intake, by=head_a)
    assert sorted(i.email for i, _ in made) == ["nina.newton@example.org", "omar.osei@example.org"]
    omar = Invitation.objects.get(email="omar.osei@example.org")
    assert (omar.school, omar.role, omar.is_slt, omar.job_title) == (
        school_a,
        Role.STAFF,
        True,
        "Deputy head",
    )
    assert omar.invited_by == head_a
    intake.refresh_from_db()
    assert intake.status == Intake.Status.APPLIED and intake.applied_by == head_a
    assert intake.preview == {}  # names and addresses go; the counts stay
    assert intake.summary["invited_now"] == 2
    assert intake.history.first().history_user == head_a


def test_apply_is_all_or_nothing_when_someone_changed_since_the_preview(school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    UserFactory(email="omar.osei@example.org")  # got an account meanwhile
    with pytest.raises(ValidationError) as error:
        staff.staff_intake_apply(intake=intake, by=head_a)
    assert "Line 3 changed since the preview" in error.value.messages[0]
    assert Invitation.objects.count() == 0
    intake.refresh_from_db()
    assert intake.status == Intake.Status.PREVIEWED


def test_a_second_apply_is_told_and_invites_nobody_twice(school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    staff.staff_intake_apply(intake=intake, by=head_a)
    with pytest.raises(staff.IntakeClosed):
        staff.staff_intake_apply(intake=intake, by=head_a)
    assert Invitation.objects.count() == 2


def test_abandon_invites_nobody_and_keeps_only_counts(school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    staff.staff_intake_abandon(intake=intake, by=head_a)
    intake.refresh_from_db()
    assert intake.status == Intake.Status.ABANDONED and intake.preview == {}
    assert intake.summary["invite"] == 2 and intake.summary["invited_now"] == 0
    assert Invitation.objects.count() == 0


def test_abandon_refuses_an_intake_of_another_kind_and_changes_nothing(school_a, head_a, media):
    from schools.intake import roll as roll_service

    from .roll_fixtures import pupil_line, roll

    roll_intake = roll_service.roll_upload(
        school=school_a, by=head_a, name="roll.csv", data=roll(pupil_line(1))
    )
    with pytest.raises(Intake.DoesNotExist):
        staff.staff_intake_abandon(intake=roll_intake, by=head_a)
    roll_intake.refresh_from_db()
    assert roll_intake.status == Intake.Status.UPLOADED
    assert (media / roll_intake.file_name).exists()  # not the staff service's to delete


def test_a_staff_intake_cannot_be_abandoned_through_the_roll_service(school_a, head_a):
    from schools.intake import roll as roll_service

    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    with pytest.raises(Intake.DoesNotExist):
        roll_service.roll_abandon(intake=intake, by=head_a)
    intake.refresh_from_db()
    assert intake.status == Intake.Status.PREVIEWED and intake.preview["invite"]


# Through HTTP --------------------------------------------------------------------------------


def test_head_uploads_checks_and_applies_and_each_gets_a_single_use_link(client, school_a, head_a):
    client.force_login(head_a)
    page = client.get(reverse("school_detail", args=[school_a.code])).content.decode()
    assert reverse("staff_import", args=[school_a.code]) in page
    response = upload(client, school_a, GOOD + "Bad Role,bad@example.org,head,\n")
    intake = Intake.objects.get()
    assert response["Location"] == preview_url(intake)
    page = client.get(preview_url(intake)).content.decode()
    assert "Nina" in page and "Omar" in page and "not a role a head can give" in page
    assert re.search(r'id="count-invite">2<', page) and re.search(r'id="count-refused">1<', page)
    assert len(mail.outbox) == 0
    response = client.post(preview_url(intake), {"action": "apply"}, follow=True)
    assert "2 invitations sent" in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "nina.newton@example.org",
        "omar.osei@example.org",
    ]
    assert all("/invitations/" in m.body for m in mail.outbox)
    client.post(preview_url(intake), {"action": "apply"})  # a second click
    assert len(mail.outbox) == 2 and Invitation.objects.count() == 2


def test_a_file_that_cannot_be_read_comes_back_with_the_reason_beside_the_field(
    client, school_a, head_a
):
    client.force_login(head_a)
    response = upload(client, school_a, "name;email;role\nA B;a@example.org;staff\n")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "separated by semicolons" in page
    assert 'href="#id_file"' in page
    assert Intake.objects.count() == 0


def test_a_file_that_is_not_a_csv_is_refused(client, school_a, head_a):
    client.force_login(head_a)
    response = upload(client, school_a, GOOD, name="staff.xlsx")
    assert "must be a CSV file" in response.content.decode()
    assert Intake.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a", 403),
        ("head_b", 404),
        ("sspo_a", 403),
        ("other_sergeant", 404),
    ],
)
def test_only_the_schools_head_reaches_the_upload(client, request, school_a, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("staff_import", args=[school_a.code])).status_code == status
    response = upload(client, school_a, GOOD)
    assert response.status_code == (302 if status == 200 else status)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("head_a", 200),
        ("spoc_a", 403),
        ("staff_a", 403),
        ("head_b", 404),
        ("sspo_a", 403),
        ("other_sergeant", 404),
    ],
)
def test_only_the_schools_head_sees_or_applies_a_preview(
    client, request, school_a, head_a, who, status
):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    client.force_login(request.getfixturevalue(who))
    assert client.get(preview_url(intake)).status_code == status
    if status != 200:
        assert client.post(preview_url(intake), {"action": "apply"}).status_code == status
        assert Invitation.objects.count() == 0


def test_another_schools_head_cannot_reach_an_intake_through_their_own_school(
    client, school_a, school_b, head_a, head_b
):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    client.force_login(head_b)
    url = reverse("staff_import_preview", args=[school_b.code, intake.code])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "apply"}).status_code == 404
    assert Invitation.objects.count() == 0


def test_the_upload_page_lists_earlier_lists_with_who_and_what(client, school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    staff.staff_intake_apply(intake=intake, by=head_a)
    client.force_login(head_a)
    page = client.get(reverse("staff_import", args=[school_a.code])).content.decode()
    assert "Hannah Ashdown" in page and "Applied" in page


def test_invited_staff_accept_and_join_as_staff_or_slt(client, school_a, head_a):
    intake = staff.staff_intake_preview(school=school_a, by=head_a, data=GOOD.encode())
    client.force_login(head_a)
    client.post(preview_url(intake), {"action": "apply"})
    client.logout()
    message = next(m for m in mail.outbox if m.to == ["omar.osei@example.org"])
    link = re.search(r"http://\S+(/invitations/\S+/)", message.body)[1]
    password = "a long and memorable passphrase"
    client.post(link, {"password1": password, "password2": password})
    omar = User.objects.get(email="omar.osei@example.org")
    membership = Membership.objects.get(user=omar)
    assert (membership.school, membership.is_slt, omar.role) == (school_a, True, Role.STAFF)


def _lines(n: int) -> bytes:
    body = "".join(f"Person Number{i},p{i}@example.org,staff\n" for i in range(n))
    return ("name,email,role\n" + body).encode()


def test_the_preview_costs_the_same_queries_for_5_lines_or_500(
    school_a, head_a, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as small:
        staff.staff_intake_preview(school=school_a, by=head_a, data=_lines(5))
    with django_assert_max_num_queries(len(small)):
        intake = staff.staff_intake_preview(school=school_a, by=head_a, data=_lines(500))
    assert len(intake.preview["invite"]) == 500
