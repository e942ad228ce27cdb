import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone


class GovukFormRenderer(TemplatesSetting):
    """Renders every Django form with GOV.UK Design System markup (templates/forms/)."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


def needed_when_shown(field: forms.Field) -> forms.Field:
    """Mark a field that the form's clean() requires for some answers only (an image
    category's description, a weapon's kind): the page shows it only for those answers, so
    its label does not say "(optional)", which it is not for anyone who sees it."""
    field.needed_when_shown = True
    return field


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes, not the browser's date picker."""

    template_name = "forms/widgets/govuk_date.html"

    def __init__(self, attrs=None):
        def box(width):
            return forms.TextInput(attrs={"inputmode": "numeric", "class": width})

        widgets = [
            box("govuk-input--width-2"),
            box("govuk-input--width-2"),
            box("govuk-input--width-4"),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        return [value.day, value.month, value.year] if value else [None, None, None]


def _years_from(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


class GovukDateField(forms.MultiValueField):
    """A GOV.UK date that must be real and plausible.

    `past` and `future` say how many years before and after today the date may be (0: not
    before, or not after, today). A date beyond them cannot be what the person meant, and
    years such as 0001 or 99999 would break the arithmetic done on dates later on.
    """

    widget = GovukDateWidget

    def __init__(self, *, label="Date", past: int = 100, future: int = 50, **kwargs):
        self.noun = label[0].lower() + label[1:]
        self.past, self.future = past, future
        fields = (forms.IntegerField(), forms.IntegerField(), forms.IntegerField())
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter the {self.noun}")
        kwargs["error_messages"].setdefault(
            "incomplete", f"The {self.noun} must include a day, month and year"
        )
        super().__init__(fields=fields, require_all_fields=False, label=label, **kwargs)
        for field in self.fields:
            field.error_messages["invalid"] = f"The {self.noun} must be numbers"

    def compress(self, data_list):
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        day, month, year = data_list
        try:
            date = datetime.date(year, month, day)
        except (TypeError, ValueError, OverflowError):  # 99999999999 overflows a C long
            raise forms.ValidationError(f"The {self.noun} must be a real date") from None
        self._check_bounds(date)
        return date

    def _check_bounds(self, date: datetime.date) -> None:
        today = timezone.localdate()
        if date < _years_from(today, -self.past):
            if self.past == 0:
                raise forms.ValidationError(f"The {self.noun} must be today or later")
            raise forms.ValidationError(
                f"The {self.noun} must be within the last {self.past} years"
            )
        if date > _years_from(today, self.future):
            if self.future == 0:
                raise forms.ValidationError(f"The {self.noun} must be today or in the past")
            raise forms.ValidationError(
                f"The {self.noun} must be within the next {self.future} years"
            )


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form: next to the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
