"""Web pages of patients: the search every role may use."""

from django.urls import path

from patients import pages

urlpatterns = [
    path("patients/", pages.patient_search, name="patient-search"),
]
