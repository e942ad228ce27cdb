import datetime

from django.urls import reverse
from django.utils import timezone

from referrals.tasks import remind_follow_ups_due
from ssp.models import Notification

SUBJECT = "A referral's follow-up is due"


def reminded():
    return Notification.objects.filter(subject=SUBJECT)


def day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


def test_a_due_follow_up_reminds_the_referring_sspo_once_per_date(
    make_referral, pupil_a, sspo_a, spoc_a
):
    referral = make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=day(0))
    assert remind_follow_ups_due() == 1
    assert remind_follow_ups_due() == 0
    note = reminded().get()
    assert note.recipient == sspo_a
    assert note.link == reverse("referral_detail", args=[referral.code])
    assert "Ashby" not in note.subject
    referral.refresh_from_db()
    assert referral.follow_up_reminded_on == day(0)
    assert referral.history.first().follow_up_reminded_on == day(0)  # saved, not updated
    assert referral.events.filter(kind="reminded").count() == 1
    # A new follow-up date is reminded again when it comes.
    referral.follow_up_on = day(-0)
    referral.follow_up_reminded_on = day(-7)
    referral.save()
    assert remind_follow_ups_due() == 1


def test_future_closed_and_dateless_referrals_are_not_reminded(make_referral, pupil_a, sspo_a):
    make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=day(1))
    make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=day(-2), status="completed")
    make_referral(pupil=pupil_a, made_by=sspo_a)
    assert remind_follow_ups_due() == 0
    assert not reminded().exists()


def test_an_overdue_follow_up_is_reminded_once(make_referral, pupil_a, sspo_a):
    make_referral(pupil=pupil_a, made_by=sspo_a, follow_up_on=day(-5))
    assert remind_follow_ups_due() == 1
    assert remind_follow_ups_due() == 0


def test_the_task_is_on_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "referrals.tasks.remind_follow_ups_due" in tasks
