"""API brakes: per-token rates, a stricter rate for failed authentication, RateLimit headers.

The suite runs with the rates off (settings.API_THROTTLE_RATES); each test
here sets low ones and starts from an empty cache.
"""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from aidtrack.core import throttling
from aidtrack.core.testing import COORDINATOR, LEADER

URL = "/api/v1/pairings/"


@pytest.fixture(autouse=True)
def _fresh_counts(monkeypatch):
    # Each test's override_settings(CACHES=...) swaps the cache behind this proxy.
    cache.clear()
    monkeypatch.setattr(throttling, "_cache_down_until", 0.0)
    yield
    cache.clear()


def token_client(key, address="10.0.0.1"):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@override_settings(API_THROTTLE_RATES={"api": "100/min", "api_anon": "30/min"})
def test_three_hundred_fast_calls_with_a_token_meet_429(world):
    client = token_client(world.token(COORDINATOR))
    statuses = []
    for _ in range(300):
        response = client.get(URL)
        statuses.append(response.status_code)
        if response.status_code == 200:
            last_ok = response
    assert statuses[:100] == [200] * 100
    assert set(statuses[100:]) == {429}

    assert last_ok["RateLimit-Limit"] == "100"
    assert last_ok["RateLimit-Remaining"] == "0"
    assert 0 < int(last_ok["RateLimit-Reset"]) <= 60

    refused = client.get(URL)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "throttled" and body["message"]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Limit"] == "100"
    assert refused["RateLimit-Remaining"] == "0"
    assert int(refused["RateLimit-Reset"]) == int(refused["Retry-After"])


@override_settings(API_THROTTLE_RATES={"api": "3/min", "api_anon": "30/min"})
def test_each_token_and_each_session_counts_alone(world):
    first = token_client(world.token(COORDINATOR))
    remaining = [first.get(URL)["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    assert first.get(URL).status_code == 429
    # Another token of another user, from the same address: its own count.
    assert token_client(world.token(LEADER)).get(URL).status_code == 200
    session = APIClient()
    session.force_login(world.user(COORDINATOR))
    assert session.get(URL).status_code == 200


@override_settings(API_THROTTLE_RATES={"api": "1000/min", "api_anon": "30/min"})
def test_a_hundred_bad_tokens_meet_429(world):
    statuses = [
        token_client(f"bad-token-{index}", address="10.0.0.66").get(URL).status_code
        for index in range(100)
    ]
    assert statuses[:30] == [401] * 30
    assert set(statuses[30:]) == {429}
    refused = token_client("bad-token", address="10.0.0.66").get(URL)
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    # Without any credentials the same address is just as over its rate.
    assert APIClient(REMOTE_ADDR="10.0.0.66").get(URL).status_code == 429
    # Another address, and a valid token from this one, are not.
    assert token_client("bad-token", address="10.0.0.67").get(URL).status_code == 401
    assert token_client(world.token(COORDINATOR), address="10.0.0.66").get(URL).status_code == 200


@override_settings(API_THROTTLE_RATES={"api": "1000/min", "api_anon": "5/min"})
def test_a_forged_forwarded_for_does_not_escape_the_count(world):
    for index in range(5):
        token_client("bad").get(URL, HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")
    assert token_client("bad").get(URL, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


@override_settings(
    API_THROTTLE_RATES={"api": "2/min", "api_anon": "2/min"},
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            # Nothing listens on port 1: every cache call fails at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    },
)
def test_a_dead_cache_turns_the_brakes_off_not_the_api(world):
    client = token_client(world.token(COORDINATOR))
    for _ in range(5):
        response = client.get(URL)
        assert response.status_code == 200
        assert "RateLimit-Limit" not in response
    for _ in range(5):
        assert token_client("bad").get(URL).status_code == 401


@override_settings(
    API_THROTTLE_RATES={"api": "1000/min", "api_anon": "5/min"}, TRUSTED_PROXY_COUNT=1
)
def test_behind_a_proxy_each_caller_counts_by_the_address_the_proxy_saw(world):
    proxy = "172.18.0.5"
    for _ in range(5):
        token_client("bad", address=proxy).get(URL, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    over = token_client("bad", address=proxy).get(URL, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert over.status_code == 429
    # Another caller through the same proxy: its own count, whatever it puts in front.
    other = token_client("bad", address=proxy).get(
        URL, HTTP_X_FORWARDED_FOR="198.51.100.1, 198.51.100.2"
    )
    assert other.status_code == 401
