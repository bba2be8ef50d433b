"""``Idempotency-Key`` on every API POST (core.idempotency), generated over the router.

Every POST route of aidtrack/api_router.py — each create and each extra
action — is collected from the router; its payload comes from the model's
generated access tests (``create_data``, and ``steps``/``ready_object``
for transitions), so a new route is covered, or this module fails, without
editing it.
"""

import importlib
import pkgutil
import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

import tests
from aidtrack.api_router import jobs, router
from aidtrack.core import scoping
from aidtrack.core.idempotency import HEADER, REPLAYED_HEADER, prune_expired
from aidtrack.core.models import ChangeRecord, IdempotencyKey
from aidtrack.core.tasks import idempotency_keys_prune
from aidtrack.core.testing import ADMIN, COORDINATOR, _AccessTests
from aidtrack.core.transitions import transitions_of
from funds.models import Donation


@dataclass(frozen=True)
class Route:
    basename: str
    viewset: type
    action: str  # "create", or the extra action's method name
    url_name: str

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def reads_only(self) -> bool:
        """A POST that reads: scoped like a GET, and no status step."""
        scope = self.viewset.action_scopes.get(self.action)
        return scope == scoping.VIEW and not self.action.startswith("transition_")

    def __str__(self):
        return self.url_name


def post_routes(registry=router.registry) -> list[Route]:
    """Every POST the router serves: creates and extra actions."""
    routes = []
    for _prefix, viewset, basename in registry:
        if "post" in viewset.http_method_names:
            routes.append(Route(basename, viewset, "create", f"api:{basename}-list"))
        for extra in viewset.get_extra_actions():
            if "post" in extra.mapping:
                routes.append(
                    Route(basename, viewset, extra.__name__, f"api:{basename}-{extra.url_name}")
                )
    return routes


ROUTES = post_routes()
# The import jobs' POSTs (upload, confirm, cancel), on a router of their own: their replay is
# tested with their own payloads in tests/core/test_import_api.py.
JOB_ROUTES = post_routes(jobs.registry)


def _access_test_classes() -> dict[str, type]:
    """The generated access test class of each API model, by ``api_url``.

    Imported here, never bound at module level, so pytest does not collect
    (and run) them a second time in this module.
    """
    found = {}
    for info in pkgutil.walk_packages(tests.__path__, "tests."):
        if not info.name.rsplit(".", 1)[-1].startswith("test_") or ".e2e" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, _AccessTests)
                and isinstance(getattr(value, "api_url", None), str)
                and value.api_url.startswith("api:")
                and value.views is not None
            ):
                found.setdefault(value.api_url, value)
    return found


ACCESS_TESTS = _access_test_classes()


@dataclass
class Call:
    role: str
    url: str
    data: dict
    format: str

    def payload(self) -> dict:
        """A fresh copy: an uploaded file is read once per request."""
        return {
            name: (
                SimpleUploadedFile(value[0], value[1], content_type=value[2])
                if isinstance(value, tuple)
                else value
            )
            for name, value in self.data.items()
        }


def prepare(route: Route, world) -> Call:
    """A valid POST for the route, as the role that may make it."""
    if route.action == "reveal":  # cadres: a POST that reads
        person = ACCESS_TESTS["api:person"]().make_object(world, True)
        world.user(ADMIN).user_permissions.add(
            Permission.objects.get(codename="reveal_personal_data")
        )
        url = reverse(route.url_name, args=[person.pk])
        return Call(ADMIN, url, {"field": "phone", "reason": "核对联系方式"}, "json")
    if route.url_name == "api:officialgrade-list":  # its access tests only read
        from tests.assessments.test_access import grade_form

        return Call(ADMIN, reverse(route.url_name), grade_form(world), "json")
    tests_class = ACCESS_TESTS[f"api:{route.basename}"]
    case = tests_class()
    case._api_payload = True  # outcome reports: the API names indicators by code
    if route.action == "create":
        data, url, role = case.create_data(world, True), reverse(route.url_name), ADMIN
    else:
        transition = transitions_of(route.model)[route.action.removeprefix("transition_")]
        record = case.ready_object(world, transition)
        data = dict(case.payload(world, transition, record))
        url = reverse(route.url_name, args=[record.pk])
        role = case.runner(transition)
    files = {
        name: (value.name, value.read(), value.content_type)
        for name, value in data.items()
        if hasattr(value, "read")
    }
    data = {**data, **files}
    return Call(role, url, data, "multipart" if files else "json")


def client_for(world, role) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def post(client, call: Call, key: str | None, **changes):
    data = {**call.payload(), **changes}
    headers = {HEADER: key} if key is not None else {}
    return client.post(call.url, data, format=call.format, headers=headers)


def writes() -> tuple:
    """What a write leaves behind: audited changes (every table) and stored keys."""
    return ChangeRecord.objects.count(), IdempotencyKey.objects.count()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


SPECIAL = {"api:person-reveal", "api:officialgrade-list"}  # payloads written in prepare()


def has_payload(route) -> bool:
    if route.url_name in SPECIAL:
        return True
    tests_class = ACCESS_TESTS.get(f"api:{route.basename}")
    if tests_class is None:
        return False
    if route.action == "create":
        return tests_class.create_data is not _AccessTests.create_data
    return route.action.removeprefix("transition_") in getattr(tests_class, "steps", {})


def test_every_post_route_has_a_payload():
    assert len(ROUTES) > 30
    assert [str(route) for route in ROUTES if not has_payload(route)] == []


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_a_retried_post_replays_the_first_response_and_writes_nothing(world, route):
    call = prepare(route, world)
    client = client_for(world, call.role)
    first = post(client, call, "retry-1")
    assert first.status_code in (200, 201), first.content
    assert REPLAYED_HEADER not in first
    rows, changes = route.model._base_manager.count(), writes()

    again = post(client, call, "retry-1")
    if route.reads_only:
        # Nothing to write twice; the answer (a revealed number) is not stored.
        assert again.status_code == 200 and REPLAYED_HEADER not in again
        assert not IdempotencyKey.objects.exists()
        return
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again[REPLAYED_HEADER] == "true"
    for header in ("Content-Type", "Location"):
        assert again.get(header) == first.get(header)
    assert (route.model._base_manager.count(), writes()) == (rows, changes)

    # A fresh client (another process, after a restart) gets the same answer from PostgreSQL.
    restarted = post(client_for(world, call.role), call, "retry-1")
    assert restarted.content == first.content and restarted[REPLAYED_HEADER] == "true"

    # The same key with another body, or on another path, is refused and writes nothing.
    other = post(client, call, "retry-1", idempotency_probe="another body")
    assert other.status_code == 422, other.content
    assert other.json()["code"] == "idempotency_key_reused" and other.json()["message"]
    elsewhere = client.post("/api/v1/needs/", {}, format="json", headers={HEADER: "retry-1"})
    assert elsewhere.status_code == 422
    assert (route.model._base_manager.count(), writes()) == (rows, changes)


DONATION = {
    "date": "2023-05-01",
    "kind": "cash",
    "donor_name": "某企业",
    "recipient_name": "水城区",
    "amount": "1000.00",
}


def donation(world, **changes):
    return {"pairing": world.in_scope_pairing.pk, **DONATION, **changes}


class TestKeys:
    def test_without_a_key_a_retry_writes_again(self, world):
        client = client_for(world, ADMIN)
        for _ in range(2):
            assert client.post("/api/v1/donations/", donation(world)).status_code == 201
        assert Donation.objects.count() == 2 and not IdempotencyKey.objects.exists()

    def test_keys_are_per_user(self, world):
        for role in (ADMIN, COORDINATOR):
            response = client_for(world, role).post(
                "/api/v1/donations/", donation(world), format="json", headers={HEADER: "k"}
            )
            assert response.status_code == 201 and REPLAYED_HEADER not in response
        assert Donation.objects.count() == 2
        assert IdempotencyKey.objects.filter(key="k").count() == 2

    def test_an_expired_key_runs_again(self, world, settings):
        settings.IDEMPOTENCY_KEY_TTL = 24
        client = client_for(world, ADMIN)
        send = lambda: client.post(  # noqa: E731
            "/api/v1/donations/", donation(world), format="json", headers={HEADER: "old"}
        )
        assert send().status_code == 201
        IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
        response = send()
        assert response.status_code == 201 and REPLAYED_HEADER not in response
        assert Donation.objects.count() == 2
        assert send()[REPLAYED_HEADER] == "true"  # the new answer is the one kept

    def test_beat_prunes_expired_keys(self, world):
        client = client_for(world, ADMIN)
        for key in ("a", "b"):
            client.post("/api/v1/donations/", donation(world), format="json", headers={HEADER: key})
        IdempotencyKey.objects.filter(key="a").update(
            created_at=timezone.now() - timedelta(hours=25)
        )
        assert idempotency_keys_prune.apply().get() == 1
        assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["b"]
        assert prune_expired() == 0

    @pytest.mark.parametrize("key", ["", "x" * 256, "clé", "tab\there"])
    def test_a_malformed_key_is_a_400(self, world, key):
        response = client_for(world, ADMIN).post(
            "/api/v1/donations/", donation(world), format="json", headers={HEADER: key}
        )
        assert response.status_code == 400, response.content
        assert HEADER in response.json()["errors"]
        assert not Donation.objects.exists()

    def test_longest_key_is_accepted(self, world):
        response = client_for(world, ADMIN).post(
            "/api/v1/donations/", donation(world), format="json", headers={HEADER: "~ " * 127 + "!"}
        )
        assert response.status_code == 201

    def test_a_validation_error_is_replayed(self, world):
        client = client_for(world, ADMIN)
        send = lambda: client.post(  # noqa: E731
            "/api/v1/donations/", donation(world, amount="-1"), format="json", headers={HEADER: "v"}
        )
        first = send()
        assert first.status_code == 400
        again = send()
        assert again.status_code == 400 and again.content == first.content
        assert again[REPLAYED_HEADER] == "true"

    def test_a_server_error_is_not_stored_and_its_write_is_rolled_back(self, world, monkeypatch):
        from funds.api import DonationViewSet

        original = DonationViewSet.perform_create

        def fail_after_writing(self, serializer):
            original(self, serializer)
            raise RuntimeError("the worker died after the write")

        monkeypatch.setattr(DonationViewSet, "perform_create", fail_after_writing)
        client = client_for(world, ADMIN)
        client.raise_request_exception = False
        send = lambda: client.post(  # noqa: E731
            "/api/v1/donations/", donation(world), format="json", headers={HEADER: "crash"}
        )
        assert send().status_code == 500
        assert not Donation.objects.exists() and not IdempotencyKey.objects.exists()
        monkeypatch.setattr(DonationViewSet, "perform_create", original)
        assert send().status_code == 201  # the retry runs, once
        assert Donation.objects.count() == 1

    def test_gets_and_other_methods_ignore_the_header(self, world):
        client = client_for(world, ADMIN)
        created = client.post("/api/v1/donations/", donation(world), format="json")
        url = f"/api/v1/donations/{created.json()['id']}/"
        assert client.get(url, headers={HEADER: "g"}).status_code == 200
        response = client.patch(url, {"purpose": "助学"}, format="json", headers={HEADER: "g"})
        assert response.status_code == 200
        assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_retry_gets_409_then_the_replay(world, monkeypatch):
    """Two live connections: the retry arrives while the first request is still running."""
    from funds.api import DonationViewSet

    original = DonationViewSet.perform_create
    inside, release = threading.Event(), threading.Event()

    def slow(self, serializer):
        original(self, serializer)
        inside.set()
        release.wait(timeout=30)

    monkeypatch.setattr(DonationViewSet, "perform_create", slow)
    token = world.token(ADMIN)
    results = {}

    def first():
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            results["first"] = client.post(
                "/api/v1/donations/", donation(world), format="json", headers={HEADER: "race"}
            )
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        client = client_for(world, ADMIN)
        busy = client.post(
            "/api/v1/donations/", donation(world), format="json", headers={HEADER: "race"}
        )
        assert busy.status_code == 409, busy.content
        assert busy.json()["code"] == "idempotency_key_in_progress"
        assert busy["Retry-After"]
    finally:
        release.set()
        thread.join(timeout=30)
    assert results["first"].status_code == 201
    replay = client.post(
        "/api/v1/donations/", donation(world), format="json", headers={HEADER: "race"}
    )
    assert replay[REPLAYED_HEADER] == "true" and replay.content == results["first"].content
    assert Donation.objects.count() == 1


def test_schema_documents_the_header_on_every_keyed_post(world):
    client = client_for(world, ADMIN)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    keyed = read_only = 0
    for path, operations in schema["paths"].items():
        operation = operations.get("post")
        if operation is None:
            continue
        names = [p["name"] for p in operation.get("parameters", [])]
        if path.endswith("/reveal/"):
            read_only += 1
            assert HEADER not in names
            continue
        keyed += 1
        assert HEADER in names, path
        assert {"409", "422"} <= set(operation["responses"]), path
    assert keyed == len([r for r in ROUTES + JOB_ROUTES if not r.reads_only]) and read_only == 1
    assert "Error" in schema["components"]["schemas"]


def test_person_reveal_is_the_only_read_only_post():
    assert [str(r) for r in ROUTES if r.reads_only] == ["api:person-reveal"]
