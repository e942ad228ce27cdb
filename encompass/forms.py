from django import forms

from schools.models import Pupil


class AcknowledgeForm(forms.Form):
    support_plan = forms.CharField(
        label="Support planned",
        help_text="What the school will do to support the child, quietly, today.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )


class MatchForm(forms.Form):
    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), label="Which pupil is it?")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, left_on__isnull=True)
