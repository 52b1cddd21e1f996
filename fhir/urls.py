from django.urls import path

from fhir import api

app_name = "fhir"

urlpatterns = [
    path("metadata", api.MetadataApi.as_view(), name="metadata"),
    path("$export", api.ExportApi.as_view(), name="export"),
    path("Group/<str:group_id>/$export", api.ExportApi.as_view(), name="group-export"),
    path("$export-status/<uuid:job_id>", api.ExportStatusApi.as_view(), name="export-status"),
    path(
        "$export-file/<uuid:job_id>/<str:file_name>",
        api.ExportFileApi.as_view(),
        name="export-file",
    ),
    path(
        "EpisodeOfCare/<int:episode_id>/$everything", api.EverythingApi.as_view(), name="everything"
    ),
    path("<str:resource_type>", api.TypeApi.as_view(), name="type"),
    path("<str:resource_type>/<str:resource_id>", api.ReadApi.as_view(), name="read"),
    path("<path:rest>", api.NoSuchRouteApi.as_view(), name="no-such-route"),
]
