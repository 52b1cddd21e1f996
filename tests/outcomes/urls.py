"""The project's routes plus GET /api/dashboard/outcomes/, until config/urls.py carries it."""

from django.urls import path

from config.urls import urlpatterns as project
from tasks.api_outcomes import OutcomesApi

urlpatterns = [
    path("api/dashboard/outcomes/", OutcomesApi.as_view(), name="api-outcomes"),
    *project,
]
