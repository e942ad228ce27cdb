"""No input answers 500: every form of the portal, fed crafted values, refuses or accepts them.

Every Form and ModelForm class in the portal's apps is found by walking the apps' modules, so
a new form is fuzzed as soon as it exists; one whose constructor needs more than the posted
data is built here as its view builds it (FORM_KWARGS), and the test says so if it is not.
"""

import importlib
import inspect
import pkgutil

import pytest
from allauth.core.context import request_context
from django import forms
from django.http import QueryDict
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.appraisal import recent_terms
from agreements.models import Document, FeedbackRound, Partnership
from incidents.models import Concern
from referrals.models import Referral, Scheme
from schools import allocation
from schools.models import Invitation, Pupil, School
from ssp.forms import GovukDateWidget

APPS = ("ssp", "schools", "agreements", "incidents", "referrals", "reports", "api", "records")


def portal_form_classes() -> list[type[forms.BaseForm]]:
    for app in APPS:
        try:
            package = importlib.import_module(app)
        except ModuleNotFoundError:
            continue
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {
        cls
        for cls in subclasses(forms.BaseForm)
        if cls.__module__.split(".")[0] in APPS
        and not cls.__name__.startswith("_")
        # A ModelForm base without a model (the admin's) is only a mixin until the admin
        # builds the real form from it.
        and not (issubclass(cls, forms.ModelForm) and cls._meta.model is None)
    }
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


# What each view hands the form besides the data, built from the fixed cast.
FORM_KWARGS = {
    "ReviewForm": lambda c: {"terms": recent_terms(), "rounds": FeedbackRound.objects.all()},
    "AcceptInvitationForm": lambda c: {
        "invitation": Invitation(email="new@example.org", first_name="New", last_name="Person")
    },
    "NameSpocForm": lambda c: {"school": c["school"]},
    "NameDataProtectionLeadForm": lambda c: {"school": c["school"]},
    "SigningForm": lambda c: {
        "user": c["head"],
        "document": Document(version=1, kind=Document.Kind.DSA),
        "capacity": "head teacher",
    },
    "TriageForm": lambda c: {"concern": Concern(status=Concern.Status.NEW)},
    "IncidentForm": lambda c: {"schools": School.objects.all()},
    "EnquiryForm": lambda c: {
        "schools": School.objects.all(),
        "concerns": Concern.objects.all(),
        "pupils": Pupil.objects.all(),
    },
    "ReferralForm": lambda c: {"schemes": Scheme.objects.all(), "concerns": Concern.objects.all()},
    "MoveForm": lambda c: {"referral": Referral(status=Referral.Status.MADE)},
    "PartnershipCreateForm": lambda c: {"force_id": c["school"].force_id},
    "PartnershipMoveForm": lambda c: {
        "partnership": Partnership(status=Partnership.Status.ACTIVE)
    },
    "ActivityForm": lambda c: {"kind": "patrol", "schools": School.objects.all()},
    "ActivityFilterForm": lambda c: {"schools": School.objects.all()},
    "SessionRequestForm": lambda c: {"schools": School.objects.all()},
    "WeightsForm": lambda c: {"measures": allocation.force_measures(c["school"].force_id)},
    "FiguresForm": lambda c: {"measures": allocation.force_measures(c["school"].force_id)},
    "AssignForm": lambda c: {"officers": allocation.team_officers(c["sergeant"].officer.team_id)},
    "ConferenceForm": lambda c: {"pupils": Pupil.objects.all()},
    "PupilForm": lambda c: {"school": c["school"], "correcting": True},
    "PupilFindForm": lambda c: {"school": c["school"]},
    "SubjectAccessForm": lambda c: {"pupil": Pupil(first_name="Amelia", last_name="Ashby")},
    "ColumnMappingForm": lambda c: {"header": ["UPN", "Surname", "Forename", "DOB", "Year"]},
    "DecisionsForm": lambda c: {
        "questions": [
            {
                "key": "7",
                "line": 7,
                "name": "Amelia Ashby",
                "date_of_birth": "1 March 2013",
                "year_group": "Year 8",
                "why": "Two pupils have this name and date of birth.",
                "candidates": [
                    {
                        "code": "4f9d5c1e-0000-4000-8000-000000000001",
                        "name": "Amelia Ashby",
                        "date_of_birth": "1 March 2013",
                        "year_group": "Year 8",
                        "left_on": "",
                    }
                ],
            }
        ]
    },
}

# The values a crafted request carries: oversized numbers, NUL bytes, odd unicode, impossible
# dates, and the edges of ordinary ones.
CRAFTED = [
    "9" * 20,
    "-" + "9" * 20,
    "9" * 5000,
    "1e309",
    "NaN",
    "-inf",
    "0",
    "00",
    "0001",
    "-1",
    "31",
    "2",
    "13",
    "29",
    "9999",
    "10000",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2026-02-30",
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202e",
    "\ufeff",
    "١٢٣",
    "𝟙𝟚",
    "Ⅻ",
    "😀",
    "Ω" * 300,
    "x" * 25_000,
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
]
# Any character a request can carry (lone surrogates cannot survive UTF-8 decoding).
TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], include_characters="\x00\t\n\r"),
    max_size=40,
)


def _strategies(form) -> dict[str, st.SearchStrategy]:
    """What a crafted post may hold under each name a browser would post for the form."""
    found = {}
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if isinstance(field.widget, GovukDateWidget):
            # Day, month and year together: a plausible day and month with an absurd year
            # is what reaches the date arithmetic.
            parts = zip(field.widget.widgets_names, (DAY, MONTH, YEAR), strict=True)
            found.update({key + suffix: part for suffix, part in parts})
        elif isinstance(field.widget, forms.MultiWidget):
            found.update(
                {key + suffix: _values_for(field) for suffix in field.widget.widgets_names}
            )
        else:
            found[key] = _values_for(field)
    return found


def _one_of_or_crafted(*plain) -> st.SearchStrategy:
    return st.lists(st.one_of(*plain, st.sampled_from(CRAFTED)), min_size=1, max_size=1)


DAY = _one_of_or_crafted(st.integers(1, 31).map(str))
MONTH = _one_of_or_crafted(st.integers(1, 12).map(str))
YEAR = _one_of_or_crafted(
    st.sampled_from(["9" * 20, "0001", "1", "0", "99999", "9999", "1900", "2026", "2100"]),
    st.integers(1990, 2060).map(str),
    st.integers(-(10**25), 10**25).map(str),
)


def _values_for(field) -> st.SearchStrategy:
    choices = [str(value) for value, _ in getattr(field, "choices", [])][:20]
    return st.lists(
        st.one_of(
            st.sampled_from(CRAFTED),
            TEXT,
            st.integers(min_value=-(10**25), max_value=10**25).map(str),
            *([st.sampled_from(choices)] if choices else []),
        ),
        min_size=0,
        max_size=2,
    )


def build(cls, cast, data=None):
    make_kwargs = FORM_KWARGS.get(cls.__name__)
    if make_kwargs is None:
        extra = [
            p.name
            for p in inspect.signature(cls.__init__).parameters.values()
            if p.kind == p.KEYWORD_ONLY and p.default is p.empty
        ]
        assert not extra, f"{cls.__name__} needs {extra}: say how its view builds it"
        return cls(data)
    return cls(data, **make_kwargs(cast))


@pytest.fixture
def cast(school_a, head_a, spoc_a, staff_a, sspo_a, sergeant, pupil_a):
    return {"school": school_a, "head": head_a, "sergeant": sergeant}


def test_the_fuzz_finds_the_portals_forms():
    names = {cls.__name__ for cls in portal_form_classes()}
    # The GOV.UK date forms the issue found answering 500, the sergeant's assignment among them.
    assert {"ConcernForm", "IncidentForm", "AssignForm", "DocumentForm", "ConferenceForm"} <= names
    assert len(names) >= 40


@pytest.mark.django_db
@pytest.mark.parametrize("cls", portal_form_classes(), ids=lambda cls: cls.__name__)
def test_no_crafted_input_breaks_a_form(cls, cast):
    strategies = _strategies(build(cls, cast))

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries(strategies))
    def crafted_post(values):
        data = QueryDict(mutable=True)
        for name, posted in values.items():
            data.setlist(name, posted)
        # allauth's code check (the signing form) reads the request, as it does in a view.
        with request_context(RequestFactory().post("/", data)):
            form = build(cls, cast, data)
            # Judging the data must end in valid or invalid, never in an exception.
            form.is_valid()
        assert isinstance(form.errors, dict)

    crafted_post()
