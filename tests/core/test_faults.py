"""Faults, for real: our own Redis stopped, a worker killed mid-refresh, connections dropped.

Each test starts what it breaks (a Redis server on a free port, the app
served by ``runserver``, Celery workers) against the test database, with
rows committed (``transactional_db``), so nothing is mocked.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import RequestFactory

from accounts.choices import Role
from accounts.services import api_token_create
from aidtrack.core.middleware import DatabaseUnavailableMiddleware
from assessments.models import PairingYearSummary, RefreshRequest
from assessments.tasks import refresh_pending
from funds.models import FundAllocation, FundTransaction
from pairings.choices import PairingLevel
from tests.factories import PairingFactory, ProjectFactory, UserFactory, region

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

YEAR = 2023


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database, for the processes a test starts."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def wait_for(predicate, timeout=60.0, every=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    """A Redis of the test's own, which the test may stop and start again."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, what="redis to start")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def environment(redis_url: str, **extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "AIDTRACK_ENV": "development",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start(args, env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def books():
    """A pairing with money for YEAR, a project on it and an administrator's API key."""
    pairing = PairingFactory(
        helping_region=region("442000", "中山市"),
        helped_region=region("520200", "六盘水市"),
        level=PairingLevel.PREFECTURE,
    )
    FundAllocation.objects.create(pairing=pairing, year=YEAR, amount=Decimal("1000000.00"))
    project = ProjectFactory(pairing=pairing, year=YEAR)
    admin = UserFactory(username=f"admin-{uuid.uuid4().hex[:6]}", role=Role.ADMINISTRATOR)
    _token, key = api_token_create(user=admin, can_write=True, days=1)
    RefreshRequest.objects.all().delete()  # what the set-up itself announced
    return {"pairing": pairing, "project": project, "key": key}


def test_a_write_succeeds_with_redis_down_and_its_refresh_is_not_lost(redis_server, books):
    port = free_port()
    server = start(
        ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        environment(redis_server.url),
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Token {books['key']}"}
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), what="the server to start")
        redis_server.stop()  # cache and broker gone
        entry = {
            "project": books["project"].pk,
            "kind": "commitment",
            "date": f"{YEAR}-03-01",
            "amount": "250000.00",
            "voucher_number": "记-0042",
        }
        status, body = http(f"{base}/api/v1/fund-transactions/", headers, entry)
        assert status == 201, body
        # Committed once, and the refresh it owes is recorded in PostgreSQL.
        assert FundTransaction.objects.filter(project=books["project"]).count() == 1
        assert RefreshRequest.objects.filter(pairing_id=books["pairing"].pk, year=YEAR).exists()
        # What does not need Redis keeps working: lists and the assessments read PostgreSQL.
        for path in ("/api/v1/fund-transactions/", "/api/v1/assessments/"):
            assert http(f"{base}{path}", headers)[0] == 200, path
    finally:
        stop(server)
    # Once Redis is back, the sweep (beat, every minute) completes the refresh.
    redis_server.start()
    assert refresh_pending.apply().get() == 1
    assert not RefreshRequest.objects.exists()
    summary = PairingYearSummary.objects.get(pairing=books["pairing"], year=YEAR)
    assert summary.refreshed_at is not None and summary.last_error == ""


def http(url, headers=None, payload=None) -> tuple[int, str]:
    """``(status, body)`` of a GET, or of a POST of ``payload`` as JSON."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _answers(url) -> bool:
    try:
        return http(url)[0] == 200
    except OSError:
        return False


def test_a_worker_killed_mid_refresh_loses_nothing(redis_server, books):
    pairing = books["pairing"]
    stale, _created = PairingYearSummary.objects.get_or_create(pairing=pairing, year=YEAR)
    PairingYearSummary.objects.filter(pk=stale.pk).update(tiles={}, refreshed_at=None)
    RefreshRequest.objects.create(pairing_id=pairing.pk, year=YEAR, requested_at=stale.created_at)
    queue = f"aidtrack-faults-{uuid.uuid4().hex[:8]}"
    env = environment(redis_server.url, CELERY_QUEUE=queue)
    worker_args = ["-m", "celery", "-A", "aidtrack", "worker", "--pool=solo", "-Q", queue]
    worker_args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    call = ["-m", "celery", "-A", "aidtrack", "call", "assessments.tasks.refresh_pending"]
    call += ["--queue", queue]

    # Hold the summary's row: the worker's refresh waits on it, mid-transaction.
    blocker = _connect()
    blocker.cursor().execute(
        "SELECT 1 FROM assessments_pairingyearsummary WHERE id = %s FOR UPDATE", [stale.pk]
    )
    first = start(worker_args, env)
    try:
        subprocess.run([sys.executable, *call], cwd=settings.BASE_DIR, env=env, check=True)
        wait_for(_a_backend_waits_on_a_lock, what="the refresh to start")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        stop(first)
    # The killed worker's transaction rolled back: the request is still there.
    wait_for(lambda: not _a_backend_waits_on_a_lock(), what="the killed worker's session to end")
    assert RefreshRequest.objects.filter(pairing_id=pairing.pk, year=YEAR).exists()

    second = start(worker_args, env)
    try:
        # Beat's minutely sweep asks again; the new worker completes the refresh.
        subprocess.run([sys.executable, *call], cwd=settings.BASE_DIR, env=env, check=True)
        wait_for(lambda: not RefreshRequest.objects.exists(), what="the refresh to complete")
    finally:
        stop(second)
    summary = PairingYearSummary.objects.get(pk=stale.pk)
    assert summary.refreshed_at is not None and summary.last_error == ""
    assert Decimal(summary.tiles["fiscal_aid"]["value"]) == Decimal("1000000.00")


def _connect():
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


def _a_backend_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_dropped_database_connection_is_a_503_then_recovers(books):
    """The app reconnects by itself; a request caught by the drop is told to retry."""
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/api/v1/pairings/")
    response = middleware.process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503 and response["Retry-After"]
    assert b"service_unavailable" in response.content
    page = middleware.process_exception(RequestFactory().get("/"), OperationalError("gone"))
    assert page.status_code == 503

    # Kill this process's own database session, as a PostgreSQL restart would.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    killer = _connect()
    killer.autocommit = True
    killer.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
    killer.close()
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    connection.close()  # what the request cycle does after such an error
    assert FundAllocation.objects.filter(pairing=books["pairing"]).count() == 1


@pytest.mark.django_db(transaction=False)
def test_dashboards_work_from_postgresql_while_redis_is_down(world, client, settings):
    """The cache behind the dashboards is a Redis that does not answer: pages still render."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead,
            # As settings.py configures Redis, with short timeouts for the test.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    client.force_login(world.user("leader"))
    for path in ("/assessments/", f"/assessments/pairing/{world.pairings['gd-gz'].pk}/"):
        assert client.get(path).status_code == 200, path
