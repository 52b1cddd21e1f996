from django.urls import path

from fhir import api

app_name = "fhir"

urlpatterns = [
    path("metadata", api.MetadataApi.as_view(), name="metadata"),
    path(
        "EpisodeOfCare/<int:episode_id>/$everything", api.EverythingApi.as_view(), name="everything"
    ),
    path("<str:resource_type>", api.TypeApi.as_view(), name="type"),
    path("<str:resource_type>/<str:resource_id>", api.ReadApi.as_view(), name="read"),
]
