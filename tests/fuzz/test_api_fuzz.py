"""The API fuzzed against its own OpenAPI schema (schemathesis), as every role and anonymously:
no answer is a 5xx, and every answer (status, content type, body) is one the schema documents.
Bounded: a few derandomized examples per operation, so the suite stays fast and repeatable."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from core.models import ApiToken
from pathway.codes import State
from tests.factories import PatientFactory, walk_to

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))

# The fuzzing phase only: schemathesis's coverage phase sends every boundary value of every
# field (minutes for the whole API); the bounded random examples stay in the suite.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = get_wsgi_application()
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def headers(coordinator, nurse, admin_user):
    """A token per role (and none), and real rows for the ids the fuzzer may hit. The WSGI app
    runs in the test's transaction: as Django's test client does, the request signals leave
    the connection open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    walk_to(coordinator, PatientFactory(), State.SURVEILLANCE)
    by_role = {"anonymous": {}}
    for user in (coordinator, nurse, admin_user):
        _, token = ApiToken.objects.create(
            user=user, expiry=None, password_stamp=user.get_session_auth_hash()
        )
        by_role[user.username] = {"Authorization": f"Token {token}"}
    yield by_role
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_role_can_make_the_api_answer_a_5xx_or_off_its_schema(case, headers):
    for role_headers in headers.values():
        response = case.call(headers=role_headers)
        case.validate_response(response, checks=CHECKS)
