"""The read-replica router: safe requests read from the replica, the rest from the primary.

The replica here is a second connection to the test database (what
``TEST: {"MIRROR": "default"}`` gives the suite when DATABASE_REPLICA_URL is
set), so which connection ran a query shows where the router sent it.
"""

import os
import subprocess
import sys

import pytest
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from aidtrack.core import replica
from aidtrack.core.replica import PRIMARY, REPLICA, ReplicaRouter
from pairings.models import Organization, Pairing

PAGE = "/pairings/pairings/"
REPLICA_MIDDLEWARE = "aidtrack.core.replica.ReplicaMiddleware"


@pytest.fixture(scope="module")
def _replica_database(django_db_setup):
    """A ``replica`` alias on its own connection to the test database."""
    connections.settings[REPLICA] = dict(connections[PRIMARY].settings_dict)
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica_alias(_replica_database, settings):
    """The replica's connection, with the router and its middleware on."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(1, REPLICA_MIDDLEWARE)
    with override_settings(
        DATABASE_ROUTERS=["aidtrack.core.replica.ReplicaRouter"], MIDDLEWARE=middleware
    ):
        yield connections[REPLICA]


def in_request(method="GET"):
    """Routing state as the middleware opens it for a request of ``method``."""
    state = replica._RequestState(replica_allowed=method in replica.SAFE_METHODS)
    return replica._state.set(state)


def test_outside_a_request_everything_uses_the_primary():
    router = ReplicaRouter()
    assert router.db_for_read(Pairing) == PRIMARY
    assert router.db_for_write(Pairing) == PRIMARY
    assert router.allow_migrate(PRIMARY, "pairings")
    assert not router.allow_migrate(REPLICA, "pairings")


def test_a_safe_request_reads_from_the_replica_until_it_writes():
    router = ReplicaRouter()
    token = in_request("GET")
    try:
        assert router.db_for_read(Pairing) == REPLICA
        assert router.db_for_write(Organization) == PRIMARY
        # Its later reads may read what it wrote.
        assert router.db_for_read(Pairing) == PRIMARY
        assert replica._state.get().wrote
    finally:
        replica._state.reset(token)


def test_bookkeeping_writes_keep_reads_on_the_replica():
    """A session saved or an API token's last use noted: nothing reads those back."""
    router = ReplicaRouter()
    token = in_request("GET")
    try:
        router.db_for_write(Session)
        router.db_for_write(ApiToken)
        assert router.db_for_read(Pairing) == REPLICA
        assert not replica._state.get().wrote
    finally:
        replica._state.reset(token)


def test_unsafe_requests_read_from_the_primary():
    token = in_request("POST")
    try:
        assert ReplicaRouter().db_for_read(Pairing) == PRIMARY
    finally:
        replica._state.reset(token)


@pytest.mark.django_db
def test_reads_inside_a_transaction_use_the_primary():
    token = in_request("GET")
    try:
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Pairing) == PRIMARY
    finally:
        replica._state.reset(token)


@pytest.mark.usefixtures("_replica_database")
@pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA])
def test_pages_read_from_the_replica_and_a_write_pins_the_client(replica_alias, client, world):
    client.force_login(world.user("leader"))

    with (
        CaptureQueriesContext(replica_alias) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        assert client.get(PAGE).status_code == 200
    assert any("pairings_pairing" in q["sql"] for q in on_replica.captured_queries)
    assert not any("pairings_pairing" in q["sql"] for q in on_primary.captured_queries)

    # A write request: this client's next reads come from the primary (read-your-writes) …
    client.post("/i18n/setlang/", {"language": "en"})
    with CaptureQueriesContext(replica_alias) as on_replica:
        assert client.get(PAGE).status_code == 200
    assert on_replica.captured_queries == []

    # … while another client still reads from the replica.
    other = type(client)()
    other.force_login(world.user("admin"))
    with CaptureQueriesContext(replica_alias) as on_replica:
        assert other.get(PAGE).status_code == 200
    assert on_replica.captured_queries

    # API reads too, although authenticating notes the token's use on the primary.
    api = type(client)(headers={"Authorization": f"Token {world.token('leader')}"})
    with CaptureQueriesContext(replica_alias) as on_replica:
        assert api.get("/api/v1/pairings/").status_code == 200
    assert any("pairings_pairing" in q["sql"] for q in on_replica.captured_queries)


def test_the_replica_is_configured_only_with_its_url():
    """Settings add the alias (a test mirror of the primary), the router and the middleware."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'aidtrack.settings'; "
        "from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.DATABASES.get('replica', {}).get('TEST'), "
        "s.DATABASE_ROUTERS, 'aidtrack.core.replica.ReplicaMiddleware' in s.MIDDLEWARE)"
    )
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    base.setdefault("DATABASE_URL", "postgres://x@localhost/x")

    def settings_with(**extra):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**base, **extra},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert settings_with() == "['default'] None [] False"
    configured = settings_with(DATABASE_REPLICA_URL="postgres://x@replica/x")
    assert configured == (
        "['default', 'replica'] {'MIRROR': 'default'} ['aidtrack.core.replica.ReplicaRouter'] True"
    )
