from io import StringIO

from django.core.management import call_command

from incidents.models import Concern, Share
from schools.models import Assignment, Membership, Officer, Pupil, School, validate_upn
from ssp.models import User
from ssp.roles import Role


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_is_complete_and_can_be_loaded_twice(db):
    printed = seed()
    counts = [
        m.objects.count()
        for m in (User, School, Membership, Officer, Assignment, Pupil, Concern, Share)
    ]
    seed()
    assert [
        m.objects.count()
        for m in (User, School, Membership, Officer, Assignment, Pupil, Concern, Share)
    ] == counts
    assert School.objects.count() == 6
    assert Concern.objects.filter(status="new").exists() and Share.objects.exists()
    assert School.objects.filter(meets_sspo_criteria=True).count() == 5
    held = sorted(
        Assignment.objects.current().filter(officer__user__email=e).count()
        for e in User.objects.filter(officer__isnull=False).values_list("email", flat=True)
    )
    assert held == [0, 0, 1, 2, 2]  # sergeant and YET officer hold none
    roles = {u.role for u in User.objects.all()}
    assert roles >= {
        Role.STAFF,
        Role.SPOC,
        Role.HEAD,
        Role.SSPO,
        Role.SERGEANT,
        Role.YET,
        Role.ADMIN,
    }
    for school in School.objects.all():
        assert Membership.objects.filter(school=school, designation="spoc").count() == 1
    for upn in Pupil.objects.values_list("upn", flat=True):
        validate_upn(upn)
    assert "sergeant@police.example" in printed and "safer-schools-demo" in printed


def test_the_demo_prints_no_bypass_code_outside_debug(db, settings):
    settings.DEBUG = False
    assert "000000" not in seed()


def test_the_demo_puts_a_former_pupils_old_records_on_the_heads_review_list(
    retention_rules, client
):
    from django.urls import reverse

    from records.models import Review
    from ssp.models import Notification

    seed()
    seed()  # a second load lists nothing twice
    old = Concern.objects.filter(reference__startswith="R-")
    assert old.count() == 2
    due = Review.objects.filter(state="due")
    assert sorted(due.values_list("kind", flat=True)) == ["concern", "concern", "pupil"]
    school = old.first().school
    head = Membership.objects.get(school=school, position="head").user
    assert Notification.objects.filter(recipient=head, link=reverse("records:review_list"))
    client.force_login(head)
    page = client.get(reverse("records:review_list")).content.decode()
    assert all(concern.reference in page for concern in old)
