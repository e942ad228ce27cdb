"""Every form of the portal, drawn as its page draws it: no label says "(optional)" twice, and
a field the form requires for some answers is not called optional."""

import re

import pytest
from django import forms

from ssp.forms import needed_when_shown

from .test_forms_fuzz import build, cast, portal_form_classes  # noqa: F401

DOUBLED = re.compile(r"\(optional\)\s*\(optional\)", re.IGNORECASE)


@pytest.mark.django_db
@pytest.mark.parametrize("cls", portal_form_classes(), ids=lambda cls: cls.__name__)
def test_no_label_says_optional_twice(cls, cast):  # noqa: F811
    form = build(cls, cast)
    html = "".join(str(form[name].as_field_group()) for name in form.fields)
    assert not DOUBLED.search(html)
    for name, field in form.fields.items():
        # The template adds the suffix; a label that carries it too would say it twice.
        assert "optional" not in str(field.label or "").lower(), f"{cls.__name__}.{name}"


def test_the_check_would_catch_a_doubled_suffix():
    class Doubled(forms.Form):
        deputy = forms.CharField(label="Deputy SPOC (optional)", required=False)

    assert DOUBLED.search(str(Doubled()["deputy"].as_field_group()))


def test_a_field_needed_for_some_answers_is_not_called_optional():
    class Facts(forms.Form):
        kind = needed_when_shown(forms.CharField(label="Kind of item", required=False))
        note = forms.CharField(label="Note", required=False)

    form = Facts()
    assert "(optional)" not in str(form["kind"].as_field_group())
    assert "Note (optional)" in str(form["note"].as_field_group())
