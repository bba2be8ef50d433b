"""What operators rely on: probes, request ids, JSON logs, settings and money display.

Covers /healthz and /readyz, the X-Request-ID round trip, the JSON log
formatter, that tests run on real PostgreSQL, that production settings refuse
to start without a secret key and pass ``check --deploy`` when configured as
docs/operations.md describes, and the 万元/亿元 money format.
"""

import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key
from django.db import connection
from django.utils import translation

from aidtrack.core import health
from aidtrack.core.logging import JsonFormatter, RequestIdFilter, request_id_var
from aidtrack.core.money import format_money, format_yuan

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


class TestProbes:
    def test_healthz(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "no-cache" in response["Cache-Control"]

    def test_readyz_reports_every_check(self, db, client):
        response = client.get("/readyz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert set(body["checks"]) == {"database", "cache", "broker"}
        for name, check in body["checks"].items():
            assert check["ok"] is True, (name, check)
            assert isinstance(check["ms"], float | int)
        assert body["checks"]["database"]["detail"].startswith("PostgreSQL")

    def test_readyz_is_503_when_a_check_fails(self, db, client, monkeypatch):
        def unreachable():
            raise ConnectionError("cache server unreachable")

        monkeypatch.setitem(health.CHECKS, "cache", unreachable)
        response = client.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["cache"] == {
            "ok": False,
            "detail": "ConnectionError: cache server unreachable",
            "ms": body["checks"]["cache"]["ms"],
        }
        # The other checks still run and report.
        assert body["checks"]["database"]["ok"] is True
        assert body["checks"]["broker"]["ok"] is True

    def test_probes_need_no_login(self, db, client):
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


class TestRequestId:
    def test_every_response_carries_a_generated_id(self, client):
        first = client.get("/healthz")["X-Request-ID"]
        second = client.get("/healthz")["X-Request-ID"]
        assert GENERATED_ID.match(first)
        assert GENERATED_ID.match(second)
        assert first != second

    def test_valid_incoming_id_is_echoed(self, client):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="gateway-2024.06_01")
        assert response["X-Request-ID"] == "gateway-2024.06_01"

    @pytest.mark.parametrize(
        "incoming",
        ["short", "has space in it", "x" * 65, "inject\r\nheader", "<script>alert(1)</script>"],
    )
    def test_invalid_incoming_id_is_replaced(self, client, incoming):
        response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
        assert GENERATED_ID.match(response["X-Request-ID"])

    def test_error_responses_carry_the_id_too(self, db, client):
        response = client.get("/api/v1/no-such-resource/", HTTP_X_REQUEST_ID="req-404-test")
        assert response.status_code == 404
        assert response["X-Request-ID"] == "req-404-test"

    def test_request_is_logged_with_its_details(self, client, caplog):
        with caplog.at_level(logging.INFO, logger="aidtrack.request"):
            client.get("/healthz", HTTP_X_REQUEST_ID="req-logged-0001")
        [record] = [r for r in caplog.records if r.name == "aidtrack.request"]
        assert record.getMessage() == "GET /healthz 200"
        assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
        assert record.user_id is None
        assert record.duration_ms >= 0


class TestJsonLogging:
    def _record(self, **extra):
        logger = logging.getLogger("aidtrack.test")
        return logger.makeRecord(
            logger.name, logging.WARNING, __file__, 1, "synced %d rows", (3,), None, extra=extra
        )

    def test_one_json_object_with_request_id_and_extra_fields(self):
        record = self._record(path="/api/v1/pairings/", status=200, partner="贵州")
        token = request_id_var.set("req-json-0001")
        try:
            assert RequestIdFilter().filter(record) is True
        finally:
            request_id_var.reset(token)
        line = JsonFormatter().format(record)
        assert "\n" not in line
        entry = json.loads(line)
        assert entry["request_id"] == "req-json-0001"
        assert entry["message"] == "synced 3 rows"
        assert entry["level"] == "WARNING"
        assert entry["logger"] == "aidtrack.test"
        assert entry["path"] == "/api/v1/pairings/"
        assert entry["status"] == 200
        assert entry["partner"] == "贵州"
        assert "贵州" in line  # not \\u-escaped
        # Standard LogRecord attributes are not repeated.
        assert not {"msg", "args", "levelno", "pathname"} & set(entry)

    def test_outside_a_request_the_id_is_a_dash(self):
        record = self._record()
        RequestIdFilter().filter(record)
        assert json.loads(JsonFormatter().format(record))["request_id"] == "-"

    def test_exceptions_are_included(self):
        try:
            raise ValueError("bad row")
        except ValueError:
            record = logging.getLogger("aidtrack.test").makeRecord(
                "aidtrack.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )
        entry = json.loads(JsonFormatter().format(record))
        assert "ValueError: bad row" in entry["exception"]


class TestDatabase:
    def test_tests_run_on_postgresql(self, db):
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")


def _run_django(args, **env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DATABASE_URL",
            "REDIS_URL",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests' fixture
        }
    }
    env.update(DJANGO_SETTINGS_MODULE="aidtrack.settings", **env_overrides)
    return subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestProductionSettings:
    def test_refuses_to_start_without_secret_key(self):
        result = _run_django(["-c", "import django; django.setup()"], AIDTRACK_ENV="production")
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "SECRET_KEY" in result.stderr

    def test_check_deploy_passes_with_documented_configuration(self):
        result = _run_django(
            ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            AIDTRACK_ENV="production",
            SECRET_KEY=get_random_secret_key(),
            DATABASE_URL="postgres://x@127.0.0.1:1/x",
            REDIS_URL="redis://127.0.0.1:1/0",
            ALLOWED_HOSTS="aidtrack.example.gov.cn",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_test_settings_are_not_production(self):
        assert settings.AIDTRACK_ENV == "test"
        assert settings.SESSION_COOKIE_HTTPONLY is True
        assert settings.X_FRAME_OPTIONS == "DENY"


class TestMoney:
    def test_chinese_units(self):
        with translation.override("zh-hans"):
            assert format_money(504000000) == "5.04亿元"
            assert format_money(1010000) == "101.00万元"
            # Django's zh-Hans format has no thousands separator.
            assert format_money(9999) == "9,999.00元"
            assert format_money(-250000) == "-25.00万元"

    def test_english_units_are_millions_and_billions(self):
        """English readers count in millions: 5.04亿元 is 504 million, never "hundred million"."""
        with translation.override("en"):
            assert format_money(504000000) == "504.00 million yuan"
            assert format_money(1010000) == "1.01 million yuan"
            assert format_money(3591000000) == "3.59 billion yuan"
            assert format_money(250000) == "250,000.00 yuan"
            assert format_money(-17870000) == "-17.87 million yuan"

    def test_rounding_is_half_up(self):
        with translation.override("zh-hans"):
            assert format_money(100005000) == "1.00亿元"
            assert format_money(100500000) == "1.01亿元"  # 1.005 rounds up

    def test_none_is_empty_and_full_amount_is_available(self):
        assert format_money(None) == ""
        with translation.override("zh-hans"):
            assert format_yuan(504000000) == "504,000,000.00元"
        with translation.override("en"):
            assert format_yuan(504000000) == "504,000,000.00 yuan"
