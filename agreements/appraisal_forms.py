from django import forms
from django.utils import timezone

from ssp.forms import GovukDateField
from ssp.submissions import SubmissionField

from .appraisal import AgreedAction, Term
from .models import SCORE_CHOICES, FeedbackRound, Review

ACTION_ROWS = 3
ACTION_FIELDS = {
    "problem": "the problem",
    "action": "the action",
    "owner": "who owns it",
    "due_on": "the due date",
}


class FeedbackRoundForm(forms.Form):
    once = SubmissionField()
    title = forms.CharField(
        label="Title",
        max_length=120,
        help_text="For example: Autumn term 2026.",
        error_messages={"required": "Enter a title for the round"},
    )
    opens_on = GovukDateField(label="Opening date", help_text="For example, 1 12 2026.")
    closes_on = GovukDateField(
        label="Closing date", help_text="The last day people can answer, for example 18 12 2026."
    )

    def clean(self):
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if closes_on and closes_on < timezone.localdate():
            self.add_error("closes_on", "The closing date must be today or later")
        elif opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "The closing date must be on or after the opening date")
        return data


def _score(label, noun):
    return forms.TypedChoiceField(
        label=label,
        choices=[(value, f"{value} – {text}") for value, text in SCORE_CHOICES],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose a score for {noun}"},
    )


class FeedbackForm(forms.Form):
    once = SubmissionField()
    pupils_feel_safe = _score("How safe do pupils feel at school?", "how safe pupils feel")
    sspo_availability = _score(
        "How available is the SSPO when the school needs them?", "the SSPO's availability"
    )
    sspo_response = _score(
        "How good is the SSPO's response when asked for help?", "the SSPO's response"
    )
    to_improve = forms.CharField(
        label="What should the partnership improve?",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Do not name pupils.",
    )


def _due_date(row: int) -> GovukDateField:
    noun = f"due date of agreed action {row}"
    field = GovukDateField(
        label="Due date",
        required=False,
        help_text="For example, 31 3 2027.",
        error_messages={"incomplete": f"The {noun} must include a day, month and year"},
    )
    field.noun = noun
    for part in field.fields:
        part.error_messages["invalid"] = f"The {noun} must be numbers"
    return field


class ReviewForm(forms.Form):
    """The sergeant's judgement on a term. The term and feedback round were chosen on the
    page before and come back as hidden fields; the figures are worked out again on save."""

    once = SubmissionField()
    term = forms.ChoiceField(
        widget=forms.HiddenInput, error_messages={"invalid_choice": "Choose a term from the list"}
    )
    feedback_round = forms.ModelChoiceField(
        queryset=FeedbackRound.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose a feedback round of this partnership"},
    )
    rating = forms.ChoiceField(
        label="Rating",
        choices=Review.Rating.choices,
        widget=forms.RadioSelect,
        help_text="Green: the partnership works well. Amber: it works, with concerns to act "
        "on. Red: it is not working and needs action now.",
        error_messages={"required": "Choose a rating: red, amber or green"},
    )
    comments = forms.CharField(
        label="Comments",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What went well, what did not, and why you chose this rating.",
        error_messages={"required": "Write your comments on the term"},
    )

    def __init__(self, *args, terms: list[Term], rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].choices = [(t.key, t.label) for t in terms]
        self.fields["feedback_round"].queryset = rounds
        for row in range(1, ACTION_ROWS + 1):
            prefix = f"action_{row}_"
            self.fields[prefix + "problem"] = forms.CharField(
                label="Problem",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[prefix + "action"] = forms.CharField(
                label="Action agreed",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[prefix + "owner"] = forms.CharField(
                label="Owner", required=False, max_length=200, help_text="A name or a role."
            )
            self.fields[prefix + "due_on"] = _due_date(row)

    def action_rows(self):
        """The bound fields of each agreed-action row, for the template's fieldsets."""
        return [
            (row, [self[f"action_{row}_{name}"] for name in ACTION_FIELDS])
            for row in range(1, ACTION_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for row in range(1, ACTION_ROWS + 1):
            names = {name: f"action_{row}_{name}" for name in ACTION_FIELDS}
            if any(self.has_error(field) for field in names.values()):
                continue
            values = {name: data.get(field) for name, field in names.items()}
            if not any(values.values()):
                continue  # an empty row: no action
            for name, field in names.items():
                if not values[name] or (
                    isinstance(values[name], str) and not values[name].strip()
                ):
                    self.add_error(field, f"Agreed action {row}: enter {ACTION_FIELDS[name]}")
            if values["due_on"] and values["due_on"] < today:
                self.add_error(
                    names["due_on"],
                    f"The due date of agreed action {row} must be today or later",
                )
        return data

    @property
    def chosen_term(self) -> Term:
        return Term.from_key(self.cleaned_data["term"])

    def agreed_actions(self) -> list[AgreedAction]:
        actions = []
        for row in range(1, ACTION_ROWS + 1):
            values = {
                name: self.cleaned_data.get(f"action_{row}_{name}") for name in ACTION_FIELDS
            }
            if any(values.values()):
                actions.append(AgreedAction(**values))
        return actions
