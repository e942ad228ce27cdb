"""The portal's URLs plus a floor page: the least a signed-in page with a table can cost.

The floor goes through the same middleware (session, sign-in, MFA check, CSP, history) and
the same layout as every portal page, then renders 25 rows of one table read with one query.
Whatever the triage queue costs beyond it is the queue's own work.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from schools.models import Pupil

FLOOR_TEMPLATE = """{% extends "base.html" %}
{% block title %}Floor{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Floor</h1>
<table class="govuk-table">
  <caption class="govuk-table__caption govuk-table__caption--m">Pupils</caption>
  <thead class="govuk-table__head">
    <tr class="govuk-table__row">
      <th scope="col" class="govuk-table__header">Name</th>
      <th scope="col" class="govuk-table__header">Year</th>
      <th scope="col" class="govuk-table__header">Date of birth</th>
    </tr>
  </thead>
  <tbody class="govuk-table__body">
  {% for pupil in pupils %}
    <tr class="govuk-table__row">
      <td class="govuk-table__cell">{{ pupil.first_name }} {{ pupil.last_name }}</td>
      <td class="govuk-table__cell">{{ pupil.get_year_group_display }}</td>
      <td class="govuk-table__cell">{{ pupil.date_of_birth|date:"j M Y" }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""
_template = None


@login_required
def floor(request):
    global _template
    if _template is None:
        # Compiled once per worker, as the portal's cached template loader does for its pages.
        _template = engines["django"].from_string(FLOOR_TEMPLATE)
    pupils = Pupil.objects.order_by("pk")[:25]
    return HttpResponse(_template.render({"pupils": pupils}, request))


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("ssp.urls")),
]
