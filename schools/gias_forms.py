"""The administrator's GIAS upload form: the force, its local authorities and phases, the file."""

from pathlib import PurePath

from django import forms
from django.conf import settings

from ssp.forms import GovukDateField

from .intake.gias import extract_date_from_name, parse_la_codes
from .models import Force, School

# GIAS uses all of these; the force counts secondary and all-through by default.
PHASE_CHOICES = [
    (School.Phase.SECONDARY, "Secondary"),
    (School.Phase.ALL_THROUGH, "All-through"),
    (School.Phase.MIDDLE, "Middle deemed secondary"),
    (School.Phase.MIDDLE_PRIMARY, "Middle deemed primary"),
    (School.Phase.SIXTEEN_PLUS, "16 plus"),
    (School.Phase.PRIMARY, "Primary"),
    (School.Phase.NURSERY, "Nursery"),
    (School.Phase.NOT_APPLICABLE, "Not applicable (special schools, pupil referral units)"),
]


class GiasUploadForm(forms.Form):
    force = forms.ModelChoiceField(
        queryset=Force.objects.order_by("name"),
        empty_label=None,
        error_messages={"required": "Choose the force", "invalid_choice": "Choose the force"},
    )
    la_codes = forms.CharField(
        label="Local authorities",
        max_length=400,
        help_text="The 3-digit codes of the local authorities whose schools the force serves, "
        "separated by commas, for example 926, 940. They are saved for the force.",
        widget=forms.TextInput(attrs={"class": "govuk-input--width-20", "spellcheck": "false"}),
        error_messages={"required": "Enter the force's local authorities, for example 926, 940"},
    )
    phases = forms.MultipleChoiceField(
        label="Phases of education that count",
        choices=PHASE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one phase of education"},
    )
    file = forms.FileField(
        label="The GIAS extract",
        help_text="“All establishment data” from Get Information about Schools, a CSV file "
        "named edubasealldataYYYYMMDD.csv, as downloaded (about 60 MB).",
        error_messages={
            "required": "Choose the GIAS extract file",
            "empty": "The chosen file is empty",
        },
    )
    extract_date = GovukDateField(
        label="Date of the extract",
        required=False,
        help_text="Only if the file name does not carry it. For example, 1 12 2026.",
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_la_codes(self):
        try:
            return parse_la_codes(self.cleaned_data["la_codes"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name.replace("\\", "/")).name
        if not name.lower().endswith(".csv"):
            raise forms.ValidationError(f"“{name[:80]}” is not a CSV file: choose the .csv file.")
        return upload

    def clean(self):
        data = super().clean()
        if self.too_large:
            limit = settings.GIAS_MAX_UPLOAD_BYTES // (1024 * 1024)
            self.add_error("file", f"The file is larger than {limit} MB: choose the GIAS extract.")
        upload = data.get("file")
        if upload is not None and not data.get("extract_date"):
            from_name = extract_date_from_name(upload.name)
            if from_name is None and "extract_date" not in self.errors:
                self.add_error(
                    "extract_date",
                    "Enter the date of the extract: the file name does not carry it",
                )
            data["extract_date"] = from_name
        return data
