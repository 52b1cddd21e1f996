from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.api import SignOutApi, SignOutEverywhereApi, TokenApi, UsersApi
from core.forms import SignInForm
from core.views import docs_sign_in_first, favicon, healthz, home, keep_alive, redoc_bundle
from outcomes import api as outcomes_api
from pathway import api as pathway_api
from pathway import api_courses, api_handover, api_stents
from patients import api as patients_api
from tasks import api as tasks_api

episode = "api/episodes/<int:episode_id>/"
# Swagger UI and Redoc start from an inline script and Redoc runs a worker from a blob: the docs
# alone widen the policy (config/settings.py CONTENT_SECURITY_POLICY).
docs_csp = csp_update(
    {"script-src": ["'unsafe-inline'"], "worker-src": ["blob:"], "img-src": ["data:", "blob:"]}
)
sign_in = auth_views.LoginView.as_view(
    redirect_authenticated_user=True, authentication_form=SignInForm
)
# Strangers reading the docs in a browser are shown how to sign in (a 401 page), API clients
# keep the API's 401; Redoc's page names no web font (core/templates/core/redoc.html).
swagger = docs_sign_in_first(SpectacularSwaggerView.as_view(url_name="schema"))
redoc = docs_sign_in_first(
    SpectacularRedocView.as_view(url_name="schema", template_name="core/redoc.html")
)

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", sign_in, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/keep-alive/", keep_alive, name="keep-alive"),  # core.middleware.KEEP_ALIVE_PATH
    path("", include("core.urls")),
    path("", include("pathway.urls")),
    path("", include("tasks.urls")),
    path("", include("outcomes.urls")),
    path("healthz", healthz, name="healthz"),
    path("fhir/", include("fhir.urls")),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", docs_csp(swagger), name="docs"),
    path("api/redoc/", docs_csp(redoc), name="redoc"),
    path("assets/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    path("api/auth/token/", TokenApi.as_view(), name="token"),
    path("api/auth/logout/", SignOutApi.as_view(), name="token-logout"),
    path("api/auth/logout-all/", SignOutEverywhereApi.as_view(), name="token-logout-all"),
    path("api/users/", UsersApi.as_view(), name="api-users"),
    path("api/patients/", patients_api.PatientsApi.as_view(), name="patients"),
    path("api/patients/<int:patient_id>/", patients_api.PatientApi.as_view(), name="patient"),
    path("api/episodes/", pathway_api.EpisodesApi.as_view(), name="episodes"),
    path(episode, pathway_api.EpisodeApi.as_view(), name="episode"),
    path(f"{episode}transitions/", pathway_api.TransitionsApi.as_view(), name="transitions"),
    path(f"{episode}history/", pathway_api.HistoryApi.as_view(), name="history"),
    path(f"{episode}selection/", pathway_api.SelectionApi.as_view(), name="selection"),
    path(f"{episode}mdt/", pathway_api.MdtApi.as_view(), name="mdt"),
    path(f"{episode}imaging/", pathway_api.ImagingApi.as_view(), name="imaging"),
    path(f"{episode}anticoagulation/", pathway_api.AnticoagulationApi.as_view(), name="anticoag"),
    path(f"{episode}anticoagulation/courses/", api_courses.CoursesApi.as_view(), name="courses"),
    path(
        f"{episode}anticoagulation/courses/<int:course_id>/",
        api_courses.CourseApi.as_view(),
        name="course",
    ),
    path(f"{episode}procedure/", pathway_api.ProcedureApi.as_view(), name="procedure"),
    path(f"{episode}discharge-plan/", pathway_api.DischargePlanApi.as_view(), name="discharge"),
    path(f"{episode}revisions/", pathway_api.RevisionsApi.as_view(), name="revisions"),
    path(f"{episode}handover/", api_handover.HandoverApi.as_view(), name="handover"),
    path(f"{episode}complications/", pathway_api.ComplicationsApi.as_view(), name="complications"),
    path(f"{episode}postop-checks/", pathway_api.PostopChecksApi.as_view(), name="postop-checks"),
    path(f"{episode}measurements/", pathway_api.MeasurementsApi.as_view(), name="measurements"),
    path(f"{episode}follow-ups/", tasks_api.FollowUpsApi.as_view(), name="follow-ups"),
    path(f"{episode}visits/", tasks_api.VisitsApi.as_view(), name="visits"),
    path("api/follow-ups/<int:follow_up_id>/result/", tasks_api.ResultApi.as_view(), name="result"),
    path("api/alerts/", tasks_api.AlertsApi.as_view(), name="alerts"),
    path("api/stents/", api_stents.StentsApi.as_view(), name="stents"),
    path("api/dashboard/", tasks_api.DashboardApi.as_view(), name="api-dashboard"),
    path("api/dashboard/outcomes/", outcomes_api.OutcomesApi.as_view(), name="api-outcomes"),
    path(
        "api/alerts/<int:alert_id>/acknowledge/",
        tasks_api.AcknowledgeApi.as_view(),
        name="acknowledge",
    ),
]

handler400 = "core.errors_http.bad_request"
handler403 = "core.errors_http.forbidden"
handler404 = "core.errors_http.not_found"
handler500 = "core.errors_http.server_error"
