"""The admin's outcomes page, its CSV files and its charts (the API's route is in
config/urls.py with the others)."""

from django.urls import path

from outcomes import pages

urlpatterns = [
    path("dashboard/outcomes/", pages.outcomes_page, name="outcomes"),
    path("dashboard/outcomes/<str:table>.csv", pages.outcomes_csv, name="outcomes-csv"),
    path(
        "dashboard/outcomes/charts/<str:form_name>.svg",
        pages.outcomes_chart,
        name="outcomes-chart",
    ),
]
