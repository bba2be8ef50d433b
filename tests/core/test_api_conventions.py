"""Conventions every /api/v1/ endpoint shares (see docs/api.md).

Errors are JSON objects with a ``code``, a ``message`` and, for validation
errors, ``errors`` by field; ``updated_since`` and capped cursor paging drive
incremental sync; the schema and Swagger UI are served without a CDN; and a
write that would move a record out of the writer's scope is refused by the
API and the browser alike, leaving the record untouched.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ADMIN, COORDINATOR
from pairings.choices import RegionLevel
from pairings.models import Pairing, Region
from tests.factories import new_pairing_data, pairing_form_data

PAIRINGS_URL = "/api/v1/pairings/"


def api(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def assert_invalid(response):
    """The validation error envelope; returns ``errors``."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict) and body["errors"]
    for messages in body["errors"].values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages)
    return body["errors"]


class TestValidationErrors:
    def test_valid_data_is_accepted(self, world):
        """The baseline the invalid variants below are compared with."""
        response = api(world, ADMIN).post(PAIRINGS_URL, new_pairing_data(world), format="json")
        assert response.status_code == 201, response.content

    def test_missing_fields_are_listed_by_field(self, world):
        before = Pairing.objects.count()
        errors = assert_invalid(api(world, ADMIN).post(PAIRINGS_URL, {}, format="json"))
        assert {"helping_region", "helped_region", "programme", "level", "start_date"} <= set(
            errors
        )
        assert Pairing.objects.count() == before

    def test_end_before_start_is_refused(self, world):
        before = Pairing.objects.count()
        data = new_pairing_data(world, start_date="2022-03-01", end_date="2022-01-01")
        errors = assert_invalid(api(world, ADMIN).post(PAIRINGS_URL, data, format="json"))
        assert list(errors) == ["end_date"]
        assert Pairing.objects.count() == before

    def test_model_clean_rules_come_back_as_field_errors(self, world):
        """A child whose helped side lies outside the parent's helped side."""
        before = Pairing.objects.count()
        data = new_pairing_data(world, helped_region=world.regions["xqg"].code)  # in 毕节
        errors = assert_invalid(api(world, ADMIN).post(PAIRINGS_URL, data, format="json"))
        assert list(errors) == ["helped_region"]
        assert "六盘水市" in errors["helped_region"][0]  # names the parent's helped side
        assert Pairing.objects.count() == before


class TestErrorEnvelope:
    def test_unknown_api_path_is_json_404(self, world):
        response = api(world, ADMIN).get("/api/v1/no-such-resource/")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "not_found"
        assert response.json()["message"]

    def test_unknown_record_is_json_404(self, world):
        response = api(world, ADMIN).get(f"{PAIRINGS_URL}999999/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    def test_unauthenticated_is_401_with_code(self, db):
        response = APIClient().get(PAIRINGS_URL)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert response.json()["message"]
        assert response["WWW-Authenticate"] == 'Token realm="api"'

    def test_unknown_token_is_401_authentication_failed(self, db):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
        response = client.get(PAIRINGS_URL)
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_failed"


class TestUpdatedSince:
    def test_rows_updated_before_are_excluded(self, world):
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        Pairing.objects.update(updated_at=long_ago)
        recent = world.in_scope_pairing
        Pairing.objects.filter(pk=recent.pk).update(updated_at=timezone.now())

        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = api(world, ADMIN).get(PAIRINGS_URL, {"updated_since": since})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [recent.pk]

        # Without the filter every row comes back.
        response = api(world, ADMIN).get(PAIRINGS_URL)
        assert len(response.json()["results"]) == Pairing.objects.count()

    def test_offset_and_naive_times_are_accepted(self, world):
        Pairing.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
        client = api(world, ADMIN)
        for since in ("2019-12-31T00:00:00+08:00", "2019-12-31T00:00:00"):
            response = client.get(PAIRINGS_URL, {"updated_since": since})
            assert response.status_code == 200
            assert len(response.json()["results"]) == Pairing.objects.count()
        response = client.get(PAIRINGS_URL, {"updated_since": "2020-01-02T00:00:00+08:00"})
        assert response.json()["results"] == []

    @pytest.mark.parametrize("value", ["yesterday", "2024-01-01T25", "1700000000"])
    def test_malformed_value_is_400_on_the_parameter(self, world, value):
        response = api(world, ADMIN).get(PAIRINGS_URL, {"updated_since": value})
        errors = assert_invalid(response)
        assert list(errors) == ["updated_since"]

    def test_impossible_time_is_400_not_500(self, world):
        client = api(world, ADMIN)
        client.raise_request_exception = False
        response = client.get(PAIRINGS_URL, {"updated_since": "2024-13-45T00:00:00"})
        errors = assert_invalid(response)
        assert list(errors) == ["updated_since"]


class TestPagination:
    @pytest.fixture
    def many_regions(self, world):
        """Enough regions (520 with the world's 15) to need a second page at the cap."""
        parent = world.regions["lps"]
        Region.objects.bulk_create(
            Region(
                code=f"52029{index:04d}",
                name=f"测试乡镇{index}",
                level=RegionLevel.TOWNSHIP,
                parent=parent,
                full_name=f"{parent.full_name}{Region.SEPARATOR}测试乡镇{index}",
            )
            for index in range(505)
        )
        return Region.objects.count()

    def test_default_page_is_50_with_cursor_links(self, world, many_regions):
        body = api(world, ADMIN).get("/api/v1/regions/").json()
        assert len(body["results"]) == 50
        assert "cursor=" in body["next"]
        assert body["previous"] is None

    def test_page_size_is_capped_at_500(self, world, many_regions):
        client = api(world, ADMIN)
        first = client.get("/api/v1/regions/", {"page_size": 10000}).json()
        assert len(first["results"]) == 500
        assert first["next"] is not None
        assert first["previous"] is None

        second = client.get(first["next"]).json()
        assert len(second["results"]) == many_regions - 500
        assert second["next"] is None
        assert second["previous"] is not None

        ids = [row["id"] for row in first["results"] + second["results"]]
        assert len(set(ids)) == many_regions  # no row lost or repeated
        assert ids == sorted(ids)  # the cursor is ordered by id


class TestSchemaAndDocs:
    def test_schema_is_an_openapi_document(self, db):
        response = Client().get("/api/v1/schema/")
        assert response.status_code == 200
        content = response.content.decode()
        assert content.startswith("openapi:")
        assert "/api/v1/pairings/" in content
        assert "updated_since" in content

    def test_swagger_ui_uses_only_local_static_files(self, db):
        response = Client().get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assets = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html) + re.findall(
            r'<link[^>]*\shref="([^"]+)"', html
        )
        assert any("swagger-ui-bundle.js" in url for url in assets)
        for url in assets:
            assert not re.match(r"^(https?:)?//", url), url
            if url.startswith("/api/v1/docs/?"):
                continue  # the start-up script, served as a file for the CSP (below)
            assert url.startswith("/static/"), url
            assert finders.find(url.removeprefix("/static/")), f"{url} is not shipped"
        (script,) = [url for url in assets if url.startswith("/api/v1/docs/?")]
        started = Client().get(script.replace("&amp;", "&"))
        assert started.status_code == 200
        assert "SwaggerUIBundle" in started.content.decode()


class TestScopeMoves:
    """A coordinator may not move an in-scope pairing under someone else's."""

    def test_api_patch_to_out_of_scope_parent_is_refused(self, world):
        pairing = world.in_scope_pairing
        response = api(world, COORDINATOR).patch(
            f"{PAIRINGS_URL}{pairing.pk}/",
            {"parent": world.pairings["gz-bj"].pk},
            format="json",
        )
        errors = assert_invalid(response)
        assert "parent" in errors  # the parent is not even a valid choice
        pairing.refresh_from_db()
        assert pairing.parent == world.pairings["zs-lps"]
        assert not ChangeRecord.objects.for_object(pairing).filter(action="update").exists()

    def test_api_patch_detaching_from_scope_is_rolled_back(self, world):
        """No parent: the saved row is outside the scope, so the save is undone."""
        pairing = world.in_scope_pairing
        response = api(world, COORDINATOR).patch(
            f"{PAIRINGS_URL}{pairing.pk}/", {"parent": None}, format="json"
        )
        errors = assert_invalid(response)
        assert list(errors) == ["non_field_errors"]
        pairing.refresh_from_db()
        assert pairing.parent == world.pairings["zs-lps"]
        assert not ChangeRecord.objects.for_object(pairing).filter(action="update").exists()

    def _form_data(self, pairing, **changes):
        return pairing_form_data(pairing, **changes)

    def _browser(self, world):
        client = Client()
        client.force_login(world.user(COORDINATOR))
        return client

    def test_browser_edit_to_out_of_scope_parent_is_refused(self, world):
        pairing = world.in_scope_pairing
        response = self._browser(world).post(
            reverse("pairings:pairing_edit", args=[pairing.pk]),
            self._form_data(pairing, parent=world.pairings["gz-bj"].pk, notes="移走"),
        )
        assert response.status_code == 400
        assert "parent" in response.context["form"].errors
        pairing.refresh_from_db()
        assert pairing.parent == world.pairings["zs-lps"]
        assert pairing.notes == ""

    def test_browser_edit_detaching_from_scope_is_rolled_back(self, world):
        pairing = world.in_scope_pairing
        response = self._browser(world).post(
            reverse("pairings:pairing_edit", args=[pairing.pk]),
            self._form_data(pairing, parent=None, notes="移走"),
        )
        assert response.status_code == 400
        assert response.context["form"].non_field_errors()
        pairing.refresh_from_db()
        assert pairing.parent == world.pairings["zs-lps"]
        assert pairing.notes == ""
        assert not ChangeRecord.objects.for_object(pairing).filter(action="update").exists()
