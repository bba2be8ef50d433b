"""Generated requests over the OpenAPI document: no server error, for two roles.

Schemathesis reads the document drf-spectacular serves at ``/api/v1/schema/``
and generates a few requests per operation (valid and invalid parameters and
bodies); each goes to the Django WSGI application, in the test's database
transaction, once with each role's token. The checks: not a 5xx, and every
answer (errors included) is one the document describes.

Bounded so ``make test`` stays fast: reads, creates and partial updates
(``DELETE`` and ``PUT`` add time and little: a delete has no body, a ``PUT``
is validated as a ``PATCH`` is), a handful of examples per operation,
derandomized so a failure is the same on every run.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from aidtrack.core.schema import SchemaGenerator
from aidtrack.core.testing import ADMIN, COORDINATOR

# A deeper run before a release: SCHEMATHESIS_EXAMPLES=50 pytest tests/core/test_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))


def _schema():
    """The document /api/v1/schema/ serves, generated in-process."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    # Generated requests only: the coverage and examples phases add hundreds of cases per operation.
    config = SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}, "examples": {"enabled": False}}}
    )
    loaded = schemathesis.openapi.from_dict(document, config=config)
    return loaded.include(method=["GET", "POST", "PATCH"])


schema = _schema()
app = get_wsgi_application()


@pytest.fixture
def in_test_transaction():
    """Requests share the test's connection and transaction, as Django's test client arranges:
    the handler must not close the connection at the start and end of each request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads are stored under the test's own directory (an import takes any file and
    checks it in the background, so a generated body is stored, not refused)."""
    settings.MEDIA_ROOT = tmp_path


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case, world, in_test_transaction):
    for role in (ADMIN, COORDINATOR):
        headers = {"Authorization": f"Token {world.token(role)}"}
        response = case.call(app=app, headers=headers)
        case.validate_response(
            response, checks=[not_a_server_error, response_schema_conformance], headers=headers
        )
