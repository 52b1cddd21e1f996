"""Web pages of the pathway: the coordinator's worklist, the episode page, the patient search."""

from django.urls import path

from pathway.pages import courses, episode, handover, patients, stents, summary, worklist

urlpatterns = [
    path("episodes/", worklist.worklist, name="worklist"),
    path("episodes/<int:episode_id>/", episode.episode, name="episode-page"),
    path("episodes/<int:episode_id>/move/", episode.move, name="episode-move"),
    path("episodes/<int:episode_id>/record/<str:kind>/", episode.record, name="episode-record"),
    path("episodes/<int:episode_id>/assign/", episode.assign, name="episode-assign"),
    path("episodes/<int:episode_id>/print/", summary.print_view, name="episode-print"),
    path("episodes/<int:episode_id>/handover/", handover.handover, name="episode-handover"),
    path("episodes/<int:episode_id>/courses/", courses.course_add, name="episode-course-add"),
    path(
        "episodes/<int:episode_id>/courses/<int:course_id>/",
        courses.course_change,
        name="episode-course-change",
    ),
    path("episodes/new/", worklist.new_episode, name="new-episode"),
    path("patients/new/", worklist.new_patient, name="new-patient"),
    path("patients/", patients.patient_search, name="patient-search"),
    path("stents/", stents.recall, name="stent-recall"),
]
