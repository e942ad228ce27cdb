from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Renders every Django form with GOV.UK Design System markup (templates/forms/)."""

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"
