from django.urls import path

from . import allocation_views as views

urlpatterns = [
    path("", views.allocation_ranking, name="allocation"),
    path("weights/", views.need_weights, name="need_weights"),
    path("measures/new/", views.need_measure_new, name="need_measure_new"),
    path("schools/<uuid:code>/", views.allocation_school, name="allocation_school"),
    path("schools/<uuid:code>/figures/", views.need_figures, name="need_figures"),
    path("schools/<uuid:code>/criteria/", views.sspo_criteria, name="sspo_criteria"),
    path("schools/<uuid:code>/assign/", views.assign_officer, name="assign_officer"),
    path("assignments/<uuid:code>/end/", views.assignment_end, name="assignment_end"),
]
