"""The anticoagulation courses (api.md "Anticoagulation", pathway.md section 7):
GET|POST /api/episodes/<id>/anticoagulation/courses/ lists or starts courses, PATCH
/api/episodes/<id>/anticoagulation/courses/<course_id>/ changes or stops one, with a reason.
Thin: parse, call pathway.services.course_add or course_change (which decide and bring the INR
checks and reviews in line), answer with the course as pathway.selectors reads it back."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from core import roles
from core.api import Endpoint, body, writes_need
from pathway import selectors, services
from pathway.serializers.courses import CourseChangeIn, CourseIn, CourseOut

DOING = "record pathway data"


def _course(request, episode_id: int, course_id: int, code: int = status.HTTP_200_OK):
    course = selectors.course_get(actor=request.user, episode_id=episode_id, course_id=course_id)
    return Response(CourseOut(course).data, status=code)


class CoursesApi(Endpoint):
    permission_classes = writes_need(roles.RECORD_PATHWAY_DATA, DOING)
    query = ()  # no query parameters: any is a 400 naming it

    @extend_schema(operation_id="episodes_courses_list", responses=CourseOut(many=True))
    def get(self, request, episode_id: int):
        """The episode's anticoagulation courses, oldest first, each with its class and planned
        end (every role)."""
        rows = selectors.episode_courses(actor=request.user, episode_id=episode_id)
        services.episode_read_record(actor=request.user, episode_id=episode_id, what="api:courses")
        return Response(CourseOut(rows, many=True).data)

    @extend_schema(
        operation_id="episodes_courses_create", request=CourseIn, responses={201: CourseOut}
    )
    def post(self, request, episode_id: int):
        """Start a course (coordinators, admins). A VKA without a target range gets 2.0–3.0; a
        range on any other agent is refused; a VKA's INR checks count from its start."""
        data = body(CourseIn, request)
        course = services.course_add(actor=request.user, episode_id=episode_id, **data)
        return _course(request, episode_id, course.id, status.HTTP_201_CREATED)


class CourseApi(Endpoint):
    permission_classes = writes_need(roles.RECORD_PATHWAY_DATA, DOING)

    @extend_schema(
        operation_id="episodes_courses_change", request=CourseChangeIn, responses=CourseOut
    )
    def patch(self, request, episode_id: int, course_id: int):
        """Change or stop a course, saying why (coordinators, admins): only the fields sent
        change; a changed target range applies from its date on."""
        data = dict(body(CourseChangeIn, request))
        reason = data.pop("reason")
        services.course_change(
            actor=request.user, episode_id=episode_id, course_id=course_id, reason=reason, **data
        )
        return _course(request, episode_id, course_id)
