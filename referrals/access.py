"""Who may do what with schemes, referrals and case conferences. Scope (404), then verb (403).

A police officer reaches a pupil only through the schools they hold now, and only while the
school's partnership and data sharing agreement are live: the pupil's name comes from the
school's records: schools.access.police_pupils, and get_pupil_for for one pupil. Only an SSPO
refers or holds a conference, which every caller asks first (can_make_referral,
can_record_conference).
"""

from django.shortcuts import get_object_or_404

from ssp.access import get_visible_or_404
from ssp.roles import CASE_OFFICERS, POLICE_ROLES, SCHOOL_LEADS, Role

from .models import Conference, ConferenceAction, Referral, Scheme


def can_manage_schemes(user) -> bool:
    return user.role == Role.SERGEANT


def can_edit_scheme(user, scheme: Scheme) -> bool:
    return can_manage_schemes(user)  # reached through visible_to: a scheme of their force


def can_read_schemes(user) -> bool:
    return user.role in CASE_OFFICERS


# The list pages: police lists for the SSPO and sergeant, the school's summaries for its leads.


def can_list_referrals(user) -> bool:
    return user.role in CASE_OFFICERS


def can_list_school_referrals(user) -> bool:
    return user.role in SCHOOL_LEADS


def can_list_conferences(user) -> bool:
    return user.role in CASE_OFFICERS or user.role in SCHOOL_LEADS


def can_make_referral(user) -> bool:
    return user.role == Role.SSPO


def can_read_full_referral(user, referral: Referral) -> bool:
    # School leads reach a referral through visible_to too, but see only its summary.
    return user.role in POLICE_ROLES


def can_move_referral(user, referral: Referral) -> bool:
    return user.role == Role.SSPO and bool(Referral.MOVES[referral.status])


def can_record_conference(user) -> bool:
    return user.role == Role.SSPO


def can_add_action(user, conference: Conference) -> bool:
    return user.role == Role.SSPO


def can_mark_action_done(user, conference: Conference) -> bool:
    if user.role == Role.SERGEANT:
        return False  # reads only
    return user.role == Role.SSPO or user.role in SCHOOL_LEADS


def get_scheme_for(user, code, *, require=None) -> Scheme:
    return get_visible_or_404(user, Scheme.objects.all(), require=require, code=code)


def get_referral_for(user, code, *, require=None) -> Referral:
    queryset = Referral.objects.select_related("school", "pupil", "scheme", "made_by", "concern")
    return get_visible_or_404(user, queryset, require=require, code=code)


def get_conference_for(user, code, *, require=None) -> Conference:
    queryset = Conference.objects.select_related("school", "recorded_by")
    return get_visible_or_404(user, queryset, require=require, code=code)


def get_action_for(conference: Conference, code) -> ConferenceAction:
    return get_object_or_404(conference.actions, code=code)
