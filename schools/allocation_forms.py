"""The sergeant's allocation forms: weights, the force's own measures and figures, the SSPO
criteria, assigning an officer and ending an assignment."""

from django import forms

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField


def _weight_field(name: str, **kwargs) -> forms.DecimalField:
    noun = f"the weight for {name}" if name else "the weight"
    return forms.DecimalField(
        min_value=0,
        max_value=10,
        max_digits=3,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-3"}),
        error_messages={
            "required": f"Enter {noun}, from 0 to 10",
            "invalid": f"Enter {noun} as a number, like 1.5",
            "min_value": f"{noun[0].upper()}{noun[1:]} must be 0 or more",
            "max_value": f"{noun[0].upper()}{noun[1:]} must be 10 or less",
            "max_decimal_places": f"{noun[0].upper()}{noun[1:]} can have one decimal place",
            "max_digits": f"{noun[0].upper()}{noun[1:]} must be 10 or less",
            "max_whole_digits": f"{noun[0].upper()}{noun[1:]} must be 10 or less",
        },
        **kwargs,
    )


class WeightsForm(forms.Form):
    """One weight per measure of the force, built-in and its own."""

    seen = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = measures
        for measure in measures:
            self.fields[f"weight_{measure.key}"] = _weight_field(
                measure.name,
                label=f"{measure.name} (from GIAS)" if measure.is_from_gias else measure.name,
                initial=measure.weight,
                # The GIAS measures came later: a form without them keeps their weights.
                required=not measure.is_from_gias,
                help_text="From the DfE's register of schools. 0 leaves it out."
                if measure.is_from_gias
                else "",
            )

    def weights(self) -> dict:
        """Each measure's weight; None for a GIAS measure left blank (kept as it is)."""
        return {m.key: self.cleaned_data.get(f"weight_{m.key}") for m in self.measures}


class MeasureForm(forms.Form):
    once = SubmissionField()
    name = forms.CharField(
        label="Name of the measure",
        max_length=120,
        help_text="For example: knife crime near the school. A higher figure must mean more need.",
        error_messages={
            "required": "Enter the name of the measure",
            "max_length": "The name must be 120 characters or fewer",
        },
    )
    weight = _weight_field(
        "",
        initial=1,
        help_text="From 0 to 10. 1 counts it as much as each built-in measure does by default.",
    )


def _figure_field(name: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=name,
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        error_messages={
            "invalid": f"Enter the figure for {name} as a number, like 12 or 4.5",
            "min_value": f"The figure for {name} must be 0 or more",
            "max_decimal_places": f"The figure for {name} can have one decimal place",
            "max_digits": f"The figure for {name} must be less than 100,000,000",
            "max_whole_digits": f"The figure for {name} must be less than 100,000,000",
        },
    )


class FiguresForm(forms.Form):
    """A school's figures for the force's own measures. Blank removes a figure."""

    def __init__(self, *args, measures, **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = measures
        for measure in measures:
            self.fields[f"figure_{measure.key}"] = _figure_field(measure.name)

    def values(self) -> dict:
        return {m.pk: self.cleaned_data[f"figure_{m.key}"] for m in self.measures}


class CriteriaForm(forms.Form):
    meets = forms.TypedChoiceField(
        label="Does the school meet the SSPO criteria?",
        choices=[
            ("yes", "Yes: it may have a Safer Schools Police Officer"),
            ("no", "No: the Youth Engagement Team serves it"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the school meets the SSPO criteria"},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=100,
        help_text="Kept in the school's history. Up to 100 characters.",
        error_messages={
            "required": "Enter the reason for this decision",
            "max_length": "The reason must be 100 characters or fewer",
        },
    )


class AssignForm(forms.Form):
    once = SubmissionField()
    officer = forms.ModelChoiceField(
        label="Officer",
        queryset=None,
        to_field_name="collar_number",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose an officer",
            "invalid_choice": "Choose an officer of your team",
        },
    )
    starts_on = GovukDateField(label="Start date", help_text="For example, 1 9 2026.")
    ends_on = GovukDateField(
        label="End date", required=False, help_text="Leave blank if there is no end date yet."
    )

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = officers
        self.fields["officer"].label_from_instance = lambda o: (
            f"{o.user.get_full_name()} ({o.collar_number}): holds {o.school_count} "
            f"school{'' if o.school_count == 1 else 's'} now"
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The end date must be on or after the start date")
        return data


class EndAssignmentForm(forms.Form):
    ends_on = GovukDateField(
        label="Last day", help_text="The last day the officer works with the school."
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
