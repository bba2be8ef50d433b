"""API tokens: hashed at rest, refused when wrong, expired, revoked or inactive.

A token's key is shown once and only its SHA-256 digest is stored; the
``create_api_token`` command prints the key alone on its last line so that
scripts can capture it. Read-only tokens may read but not write.
"""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ADMIN, COORDINATOR, PARTNER
from pairings.models import Pairing
from tests.factories import new_pairing_data

PAIRINGS_URL = "/api/v1/pairings/"


def client_for(key, keyword="Token"):
    """An API client with ``key``; messages in English (the language cookie) for readability."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {key}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_refused(response, message):
    assert response.status_code == 401, response.content
    assert response.json() == {"code": "authentication_failed", "message": message}
    assert response["WWW-Authenticate"] == 'Token realm="api"'


class TestStorage:
    def test_only_the_digest_is_stored(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), name="sync", days=30)
        assert token.digest == hashlib.sha256(key.encode()).hexdigest()
        assert token.prefix == key[:8]
        assert len(key) >= 43  # 256 random bits, URL-safe

        row = ApiToken.objects.filter(pk=token.pk).values().get()
        for column, value in row.items():
            assert key not in str(value), column

    def test_history_masks_the_digest(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        (record,) = ChangeRecord.objects.for_object(token).filter(action="create")
        assert record.changes["digest"] == "***"
        assert key not in str(record.changes)
        assert token.digest not in str(record.changes)

    def test_expiry_is_set_from_days(self, world):
        token, _key = api_token_create(user=world.user(COORDINATOR), days=7)
        assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
        assert token.can_write is False  # read-only unless asked

    def test_a_token_must_last_at_least_a_day(self, world):
        with pytest.raises(ValueError):
            api_token_create(user=world.user(COORDINATOR), days=0)


class TestAuthentication:
    def test_key_authenticates_as_its_user(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        response = client_for(key).get("/api/v1/users/")
        assert response.status_code == 200
        assert [row["username"] for row in response.json()["results"]] == ["coord"]

    def test_bearer_keyword_is_accepted(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        assert client_for(key, keyword="Bearer").get(PAIRINGS_URL).status_code == 200

    def test_wrong_key_is_401(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        assert_refused(client_for(key[:-1] + "x").get(PAIRINGS_URL), "Invalid token.")

    def test_malformed_header_is_401(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        assert_refused(client_for(f"{key} extra").get(PAIRINGS_URL), "Malformed token header.")

    def test_expired_token_is_401(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        token.expires_at = timezone.now() - timedelta(seconds=1)
        token.save()
        assert_refused(client_for(key).get(PAIRINGS_URL), "Token has expired.")

    def test_expiry_message_in_chinese_by_default(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.get(PAIRINGS_URL)
        assert response.status_code == 401
        assert response.json()["message"] == "令牌已过期。"

    def test_revoked_token_is_401(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        api_token_revoke(token=token)
        assert token.revoked_at is not None
        assert_refused(client_for(key).get(PAIRINGS_URL), "Invalid token.")
        assert not ApiToken.objects.active().filter(pk=token.pk).exists()

    def test_inactive_user_is_401(self, world):
        user = world.user(COORDINATOR)
        _token, key = api_token_create(user=user, days=30)
        user.is_active = False
        user.save()
        assert_refused(client_for(key).get(PAIRINGS_URL), "User inactive or deleted.")

    def test_a_token_used_before_is_refused_once_its_user_is_inactive(self, world):
        """Tokens come from a queryset built once per process (accounts.authentication):
        each request still reads the token and its user afresh."""
        user = world.user(COORDINATOR)
        _token, key = api_token_create(user=user, days=30)
        client = client_for(key)
        assert client.get(PAIRINGS_URL).status_code == 200
        user.is_active = False
        user.save()
        assert_refused(client.get(PAIRINGS_URL), "User inactive or deleted.")

    def test_last_use_is_recorded_at_most_once_a_minute(self, world):
        token, key = api_token_create(user=world.user(COORDINATOR), days=30)
        assert token.last_used_at is None
        client = client_for(key)
        client.get(PAIRINGS_URL)
        token.refresh_from_db()
        first_use = token.last_used_at
        assert first_use is not None
        assert timezone.now() - first_use < timedelta(minutes=1)

        client.get(PAIRINGS_URL)
        token.refresh_from_db()
        assert token.last_used_at == first_use  # within the minute: no write

        ApiToken.objects.filter(pk=token.pk).update(
            last_used_at=timezone.now() - timedelta(minutes=5)
        )
        client.get(PAIRINGS_URL)
        token.refresh_from_db()
        assert timezone.now() - token.last_used_at < timedelta(minutes=1)

        # Bookkeeping only: recording the use adds no history.
        assert not ChangeRecord.objects.for_object(token).filter(action="update").exists()


class TestWriteAccess:
    def test_read_only_token_may_read_but_not_write(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), can_write=False, days=30)
        client = client_for(key)
        assert client.get(PAIRINGS_URL).status_code == 200

        before = Pairing.objects.count()
        response = client.post(PAIRINGS_URL, new_pairing_data(world), format="json")
        assert response.status_code == 403
        assert response.json() == {
            "code": "permission_denied",
            "message": "This API token is read-only.",
        }
        assert Pairing.objects.count() == before

    def test_write_token_may_write(self, world):
        _token, key = api_token_create(user=world.user(COORDINATOR), can_write=True, days=30)
        response = client_for(key).post(PAIRINGS_URL, new_pairing_data(world), format="json")
        assert response.status_code == 201, response.content

    def test_write_token_does_not_extend_the_role(self, world):
        """A leader's write token still cannot write: the role decides."""
        _token, key = api_token_create(user=world.user("leader"), can_write=True, days=30)
        response = client_for(key).post(PAIRINGS_URL, new_pairing_data(world), format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


class TestCreateApiTokenCommand:
    def run(self, *args):
        out, err = StringIO(), StringIO()
        call_command("create_api_token", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def test_prints_the_key_alone_on_the_last_line(self, world):
        out, err = self.run("admin", "--write", "--days", "7", "--name", "部署脚本")
        key = out.strip().splitlines()[-1]
        assert key and " " not in key
        assert key not in err  # the explanation goes to stderr, without the key

        token = ApiToken.objects.get(digest=hashlib.sha256(key.encode()).hexdigest())
        assert token.user == world.user(ADMIN)
        assert token.can_write is True
        assert token.name == "部署脚本"
        assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
        assert token.prefix in err

        client = client_for(key)
        assert client.get(PAIRINGS_URL).status_code == 200
        response = client.post(PAIRINGS_URL, new_pairing_data(world), format="json")
        assert response.status_code == 201, response.content

    def test_creation_is_attributed_to_the_command(self, world):
        out, _err = self.run("admin")
        key = out.strip().splitlines()[-1]
        token = ApiToken.objects.get(digest=hashlib.sha256(key.encode()).hexdigest())
        (record,) = ChangeRecord.objects.for_object(token).filter(action="create")
        assert record.source == "command"
        assert record.actor_id is None

    def test_read_only_by_default(self, world):
        out, _err = self.run(PARTNER)
        key = out.strip().splitlines()[-1]
        assert ApiToken.objects.get(prefix=key[:8]).can_write is False

    def test_unknown_user_is_an_error(self, world):
        with pytest.raises(CommandError, match="no user named"):
            self.run("nobody")
        assert not ApiToken.objects.exists()

    def test_inactive_user_is_an_error(self, world):
        user = world.user(COORDINATOR)
        user.is_active = False
        user.save()
        with pytest.raises(CommandError, match="inactive"):
            self.run(user.username)

    def test_days_must_be_positive(self, world):
        with pytest.raises(CommandError, match="--days"):
            self.run("admin", "--days", "0")


def test_admin_revokes_tokens_through_the_service(world, client):
    token, key = api_token_create(user=world.user(PARTNER), days=30)
    admin_user = world.user(ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/pairings/").status_code == 401
