from django import forms
from stdnum.gb import upn as stdnum_upn

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .intake import roll_csv
from .models import School, today, validate_upn


class UpnField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        validate_upn(value)
        return stdnum_upn.compact(value)


class PupilForm(forms.Form):
    once = SubmissionField()
    first_name = forms.CharField(label="Legal forename", max_length=100)
    last_name = forms.CharField(label="Legal surname", max_length=100)
    preferred_forename = forms.CharField(
        max_length=100, required=False, help_text="If the pupil is known by another forename."
    )
    preferred_surname = forms.CharField(max_length=100, required=False)
    # A pupil is a child: born within the last 30 years, and not in the future.
    date_of_birth = GovukDateField(
        label="Date of birth", past=30, future=0, help_text="For example, 27 3 2012."
    )
    year_group = forms.TypedChoiceField(coerce=int, label="Year group")
    upn = UpnField(
        label="UPN",
        help_text="The Unique Pupil Number from your MIS: a letter then 12 characters.",
    )
    former_upn = UpnField(label="Former UPN", help_text="A UPN the pupil held before.")

    def __init__(self, *args, school: School, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        years = roll_csv.year_groups_of(school)
        self.fields["year_group"].choices = [("", "Choose a year group")] + [
            (y, roll_csv.year_label(y)) for y in years
        ]
        self.fields["year_group"].error_messages["invalid_choice"] = (
            f"Choose a year group taught at this school: {roll_csv.year_label(years[0])} "
            f"to {roll_csv.year_label(years[-1])}."
        )
        if correcting:
            self.fields["left_on"] = GovukDateField(
                label="Left the school on",
                required=False,
                help_text="Leave empty while the pupil is on the roll. The record is kept.",
            )

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born is not None and born >= today():
            raise forms.ValidationError("The date of birth must be in the past")
        return born

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on is not None and left_on > today():
            raise forms.ValidationError("The date the pupil left cannot be in the future")
        return left_on

    def clean(self):
        data = super().clean()
        if data.get("upn") and data.get("upn") == data.get("former_upn"):
            self.add_error("former_upn", "The former UPN must differ from the UPN.")
        return data


class PupilFindForm(forms.Form):
    """A lead's search of their school's pupils, posted: a child's name is never in a URL."""

    name = forms.CharField(
        label="Name",
        max_length=100,
        required=False,
        help_text="Part of a forename or surname, legal or preferred.",
    )
    year_group = forms.TypedChoiceField(
        coerce=int, empty_value=None, label="Year group", required=False
    )
    upn = forms.CharField(label="UPN", max_length=20, required=False)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        years = roll_csv.year_groups_of(school)
        self.fields["year_group"].choices = [("", "Any year group")] + [
            (y, roll_csv.year_label(y)) for y in years
        ]
        self.fields["year_group"].error_messages["invalid_choice"] = (
            "Choose a year group taught at this school"
        )

    def clean_name(self):
        # No name holds a NUL, and PostgreSQL refuses one in a query: it separates words.
        return " ".join(self.cleaned_data["name"].replace("\x00", " ").split()[:3])

    def clean_upn(self):
        upn = stdnum_upn.compact(self.cleaned_data["upn"].replace("\x00", ""))
        if upn and not (len(upn) == 13 and upn.isalnum() and upn.isascii()):
            raise forms.ValidationError(
                "Enter the whole UPN: 13 letters and digits, as on the pupil's record"
            )
        return upn.upper()

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(f) not in ("", None) for f in self.fields):
            self.add_error("name", "Enter a name, choose a year group or enter a UPN")
        return data


class RollUploadForm(forms.Form):
    file = forms.FileField(
        label="The roll file",
        help_text="A CSV exported from your MIS (UTF-8, comma-separated, up to 5 MB) or a "
        "common transfer file (CTF, XML, up to 50 MB).",
    )


class ColumnMappingForm(forms.Form):
    """Which column of the file holds what; one drop-down per field."""

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file")] + [(h, h) for h in header]
        for name, label in roll_csv.FIELDS.items():
            required = name in roll_csv.REQUIRED
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=required,
                error_messages={"required": f"Choose the column that holds the {label.lower()}"},
            )

    def clean(self):
        data = super().clean()
        used = {}
        # Over a copy: add_error takes the field out of the cleaned data being read.
        for name, heading in list(data.items()):
            if heading and heading in used:
                self.add_error(
                    name, f"“{heading}” is already chosen for the {used[heading].lower()}."
                )
            elif heading:
                used[heading] = roll_csv.FIELDS[name]
        return data


class DecisionsForm(forms.Form):
    """One answer per open question: one of the candidates, or a new pupil."""

    def __init__(self, *args, questions: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            choices = [
                (
                    c["code"],
                    f"{c['name']}, born {c['date_of_birth']}, {c['year_group']}"
                    + (f" ({c['left_on'].lower()})" if c["left_on"] else ""),
                )
                for c in question["candidates"]
            ]
            choices.append(("new", "None of these: add as a new pupil"))
            self.fields[f"line_{question['key']}"] = forms.ChoiceField(
                label=f"Line {question['line']}: {question['name']}, born "
                f"{question['date_of_birth']}, {question['year_group']}",
                help_text=question["why"],
                choices=choices,
                widget=forms.RadioSelect,
                required=False,
            )

    def decisions(self) -> dict[str, str]:
        return {
            name.removeprefix("line_"): value for name, value in self.cleaned_data.items() if value
        }
