"""The API fuzzed against its own OpenAPI schema (schemathesis), as every role and anonymously:
no answer is a 5xx, and every answer (status, content type, body) is one the schema documents.
Bounded: a few derandomized examples per operation, so the suite stays fast and repeatable.
FUZZ_FULL=1 (`make fuzz`) adds schemathesis's coverage phase (every boundary value of every
field) and negative data (what the schema forbids must be refused), as issue 21 asks."""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks
from schemathesis.config import SchemathesisConfig

from core.models import ApiToken
from pathway.codes import State
from tests.conftest import _user
from tests.factories import PatientFactory, walk_to

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FULL = os.environ.get("FUZZ_FULL") == "1"
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# In the suite, the fuzzing phase only: schemathesis's coverage phase sends every boundary
# value of every field (minutes for the whole API); the bounded random examples stay.
CONFIG = SchemathesisConfig.from_dict(
    {
        "phases": {"coverage": {"enabled": FULL}},
        "generation": {"mode": "all" if FULL else "positive"},
    }
)
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = get_wsgi_application()
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
] + ([checks.negative_data_rejection] if FULL else [])
# Valid data by the schema accepted (2xx): on demand only (FUZZ_POSITIVE=1). The schema cannot
# say every rule a write meets (no date in the future, a move's guards), so its 400s and 409s
# are read, not failed on.
if os.environ.get("FUZZ_POSITIVE") == "1":
    CHECKS.append(checks.positive_data_acceptance)


@pytest.fixture(scope="module")
def headers(django_db_setup, django_db_blocker):
    """A token per role (and none), and real rows for the ids the fuzzer may hit, made once for
    the module in a transaction rolled back at its end. The WSGI app runs in that transaction:
    as Django's test client does, the request signals leave the connection open."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST):
        with transaction.atomic():
            users = [_user(role) for role in ("coordinator", "nurse", "admin")]
            walk_to(users[0], PatientFactory(), State.SURVEILLANCE)
            by_role: dict[str, dict] = {"anonymous": {}}
            for user in users:
                _, token = ApiToken.objects.create(
                    user=user, expiry=None, password_stamp=user.get_session_auth_hash()
                )
                by_role[user.username] = {"Authorization": f"Token {token}"}
            yield by_role
            transaction.set_rollback(True)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if FULL else [])],
    suppress_health_check=list(HealthCheck),
)
def test_no_role_can_make_the_api_answer_a_5xx_or_off_its_schema(case, headers):
    for role_headers in headers.values():
        with transaction.atomic():  # each request undone: every example finds the same ward
            response = case.call(headers=role_headers)
            transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS)
