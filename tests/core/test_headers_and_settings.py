"""Headers and settings: CSP and Permissions-Policy, a strong SECRET_KEY in production,
/readyz details for operators only, no confirmation of personal data outside the scope,
and 403 for writes by an account with no pairing scope.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.services import api_token_create
from aidtrack.core import health
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER, PARTNER
from cadres.models import Person
from pairings.models import Agreement
from tests.cadres import test_people
from tests.cadres.test_people import id_number, make_person
from tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"


class TestSecurityHeaders:
    def test_every_response_carries_the_policies(self, world):
        client = Client()
        client.force_login(world.user(COORDINATOR))
        for response in (
            client.get("/pairings/pairings/"),
            client.get("/api/v1/pairings/"),
            Client().get("/accounts/login/"),
        ):
            policy = dict(
                directive.strip().split(" ", 1)
                for directive in response["Content-Security-Policy"].split(";")
            )
            assert policy == {
                "default-src": "'self'",
                "script-src": "'self'",
                "style-src": "'self'",
                "img-src": "'self' data:",
                "object-src": "'none'",
                "frame-ancestors": "'none'",
                "base-uri": "'self'",
                "form-action": "'self'",
            }
            assert "unsafe-inline" not in response["Content-Security-Policy"]
            features = response["Permissions-Policy"]
            assert "camera=()" in features and "geolocation=()" in features

    def test_templates_hold_no_inline_script_handler_or_style(self):
        """What the policy refuses must not be written: inline code would silently stop working."""
        inline = re.compile(r"\son[a-z]+\s*=|\sstyle\s*=|<style|<script(?![^>]*\ssrc=)", re.I)
        offenders = [
            f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
            for path in TEMPLATES.rglob("*.html")
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if inline.search(re.sub(r"\{#.*?#\}", "", line))  # comments may name them
        ]
        assert offenders == []


def import_settings(**environ):
    """Import the settings in a fresh interpreter with this environment; (returncode, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "AIDTRACK_ENV"}}
    env.update(
        AIDTRACK_ENV="production",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",  # never connected: only imported
        REDIS_URL="redis://127.0.0.1:1/0",
        **environ,
    )
    done = subprocess.run(
        [sys.executable, "-c", "import aidtrack.settings"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr


class TestProductionSecretKey:
    @pytest.mark.parametrize(
        "key",
        [
            "x",
            "a-short-but-not-trivial-key-1234567890",  # 38 characters
            "ab" * 40,  # long, but two different characters
            "insecure-development-key-never-use-in-production-0123456789abcdef",
            "django-insecure-" + "q8!zR2vLk0pW5sTn7yXc4bM1" * 3,
        ],
        ids=["one_char", "short", "few_distinct", "development_default", "django_insecure"],
    )
    def test_a_weak_key_stops_production(self, key):
        returncode, stderr = import_settings(SECRET_KEY=key)
        assert returncode != 0
        assert "ImproperlyConfigured: SECRET_KEY is" in stderr
        assert "secrets.token_urlsafe" in stderr
        if len(key) > 3:
            assert key not in stderr  # the message never repeats the key

    def test_a_missing_key_stops_production(self):
        returncode, stderr = import_settings()
        assert returncode != 0 and "SECRET_KEY must be set" in stderr

    def test_a_strong_key_is_accepted(self):
        returncode, stderr = import_settings(
            SECRET_KEY="Jx3q9Vb-2LmZt8KwPqR_7sYd0FhGc4NaUe6TiBoW1XvMlQ5rSz"
        )
        assert returncode == 0, stderr


class TestReadinessDetails:
    def test_outsiders_get_only_the_status(self, db):
        response = Client(REMOTE_ADDR="203.0.113.5").get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_outsiders_get_only_the_status_when_unavailable(self, db, monkeypatch):
        def broken():
            raise ConnectionError("redis at 10.0.0.7:6379 refused")

        monkeypatch.setitem(health.CHECKS, "cache", broken)
        response = Client(REMOTE_ADDR="203.0.113.5").get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable"}
        assert b"10.0.0.7" not in response.content

    def test_local_probes_get_the_details(self, db):
        for address in ("127.0.0.1", "::1"):
            body = Client(REMOTE_ADDR=address).get("/readyz").json()
            assert body["checks"]["database"]["detail"].startswith("PostgreSQL")

    def test_a_request_forwarded_by_a_local_proxy_is_not_local(self, db):
        response = Client(REMOTE_ADDR="127.0.0.1").get(
            "/readyz", HTTP_X_FORWARDED_FOR="203.0.113.5"
        )
        assert response.json() == {"status": "ok"}

    @pytest.mark.parametrize(("role", "details"), [(ADMIN, True), (LEADER, False)])
    def test_signed_in_administrators_get_the_details(self, world, role, details):
        client = Client(REMOTE_ADDR="203.0.113.5")
        client.force_login(world.user(role))
        assert ("checks" in client.get("/readyz").json()) is details


class TestIdNumbersOutsideTheScope:
    """Creating a person whose ID number is taken: the same neutral refusal, in scope or not."""

    def payload(self, world, number):
        return {
            **test_people.TestPersonAccess().create_data(world, in_scope=True),
            "id_number": number,
        }

    @pytest.mark.parametrize("holder_in_scope", [True, False], ids=["in_scope", "out_of_scope"])
    def test_the_api_neither_confirms_nor_denies(self, world, holder_in_scope):
        holder = make_person(world, in_scope=holder_in_scope, index=3)
        api = APIClient()
        api.force_authenticate(world.user(COORDINATOR))
        response = api.post("/api/v1/people/", self.payload(world, holder.id_number), format="json")
        assert response.status_code == 400
        (message,) = response.json()["errors"]["id_number"]
        assert message == str(Person().unique_error_message(Person, ("id_number",)).message)
        assert "exist" not in message and holder.name not in response.content.decode()
        assert Person.objects.filter(id_number=holder.id_number).count() == 1

    def test_the_page_says_the_same(self, world):
        holder = make_person(world, in_scope=False, index=4)
        client = Client()
        client.force_login(world.user(COORDINATOR))
        response = client.post("/cadres/people/add/", self.payload(world, holder.id_number))
        assert response.status_code == 400
        errors = response.context["form"].errors["id_number"]
        assert errors == [str(Person().unique_error_message(Person, ("id_number",)).message)]

    def test_a_free_number_is_still_accepted(self, world):
        api = APIClient()
        api.force_authenticate(world.user(COORDINATOR))
        response = api.post("/api/v1/people/", self.payload(world, id_number(77)), format="json")
        assert response.status_code == 201


class TestWritesWithoutAnyScope:
    """An account with no pairing scope to write in: 403 for every write, as documented."""

    def agreement(self, world):
        return Agreement.objects.create(pairing=world.in_scope_pairing, year=2023, title="框架协议")

    def writing_client(self, user):
        _token, key = api_token_create(user=user, can_write=True, days=1)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    @pytest.mark.parametrize("role", [PARTNER, "unscoped_coordinator"])
    def test_create_update_delete_are_403(self, world, role):
        if role == PARTNER:
            user = world.user(PARTNER)
        else:
            user = UserFactory(username="coord_nowhere", role=Role.COORDINATOR)
        agreement = self.agreement(world)
        client = self.writing_client(user)
        created = client.post(
            "/api/v1/agreements/",
            {"pairing": world.in_scope_pairing.pk, "year": 2024, "title": "新协议"},
            format="json",
        )
        updated = client.patch(
            f"/api/v1/agreements/{agreement.pk}/", {"title": "改"}, format="json"
        )
        deleted = client.delete(f"/api/v1/agreements/{agreement.pk}/")
        for response in (created, updated, deleted):
            assert response.status_code == 403, response.content
            assert response.json()["code"] == "permission_denied"
        agreement.refresh_from_db()
        assert agreement.title == "框架协议" and Agreement.objects.count() == 1
        # Reading is not writing: a partner without a scope still reads everything.
        if role == PARTNER:
            assert client.get(f"/api/v1/agreements/{agreement.pk}/").status_code == 200

    def test_a_scoped_partner_still_writes(self, world):
        partner = world.user(PARTNER)
        partner.scope_pairings.set([world.pairings["zs-lps"]])
        response = self.writing_client(partner).post(
            "/api/v1/agreements/",
            {"pairing": world.in_scope_pairing.pk, "year": 2024, "title": "新协议"},
            format="json",
        )
        assert response.status_code == 201, response.content
