"""Sign-in brakes (django-axes): ten wrong passwords lock the account and the address.

The lockout refuses even the right password, with a message saying how long
and who can lift it; an administrator's unlock (admin action or command)
lets the owner in at once. A right password forgets the account's own
failures but never the address's. API tokens and the test client's
force_login do not pass through the brake.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER

PASSWORD = "aidtrack-test"  # tests/factories.py
LOGIN = reverse("accounts:login")


def attempt(username, password, address="10.1.2.3"):
    return Client(REMOTE_ADDR=address).post(LOGIN, {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def lockout_text(minutes=30) -> str:
    """The lockout message as a Chinese user reads it (the interface's default language)."""
    return f"该账号或该地址的登录失败次数过多。请在 {minutes} 分钟后重试，或请管理员解锁该账号。"


def test_the_eleventh_try_is_refused_even_with_the_right_password(world):
    assert settings.AXES_FAILURE_LIMIT == 10
    for _ in range(9):
        refused = attempt("coord", "wrong")
        assert refused.status_code == 200 and not signed_in(refused)
    tenth = attempt("coord", "wrong")
    assert tenth.status_code == 429

    eleventh = attempt("coord", PASSWORD)
    assert eleventh.status_code == 429 and not signed_in(eleventh)
    page = eleventh.content.decode()
    assert 'id="lockout-message"' in page and lockout_text() in page
    assert 29 * 60 < int(eleventh["Retry-After"]) <= 30 * 60
    # The form is still there, in Chinese, for when the lockout ends.
    assert 'name="username"' in page and 'value="coord"' in page


def test_the_page_says_how_long_is_left(world):
    for _ in range(10):
        attempt("coord", "wrong")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=20))
    refused = attempt("coord", PASSWORD)
    assert refused.status_code == 429
    assert lockout_text(minutes=10) in refused.content.decode()
    assert 9 * 60 < int(refused["Retry-After"]) <= 10 * 60


def test_an_administrator_unlocks_the_account_in_the_admin(world):
    for _ in range(10):
        attempt("coord", "wrong")
    assert attempt("coord", PASSWORD).status_code == 429

    administrator = world.user(ADMIN)
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    admin_client = Client()
    admin_client.force_login(administrator)
    done = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [world.user(COORDINATOR).pk]},
    )
    assert done.status_code == 302
    assert not AccessAttempt.objects.filter(username="coord").exists()
    assert signed_in(attempt("coord", PASSWORD))


def test_the_command_line_unlock_works_too(world):
    for _ in range(10):
        attempt("coord", "wrong")
    call_command("axes_reset_username", "coord")
    assert signed_in(attempt("coord", PASSWORD))


def test_ten_failures_from_one_address_lock_the_address_for_every_account(world):
    for index in range(10):
        attempt(f"nobody{index}", "wrong", address="10.9.9.9")
    assert attempt("leader", PASSWORD, address="10.9.9.9").status_code == 429
    # The same account from another address is not locked by that address.
    assert signed_in(attempt("leader", PASSWORD, address="10.8.8.8"))


def test_a_right_password_forgets_the_accounts_failures(world):
    for _ in range(9):
        attempt("coord", "wrong")
    assert signed_in(attempt("coord", PASSWORD))
    for _ in range(9):
        attempt("coord", "wrong")
    assert signed_in(attempt("coord", PASSWORD))


def test_signing_in_to_ones_own_account_does_not_wipe_an_addresss_failures(world):
    """Else one valid account would let its holder guess other accounts' passwords forever."""
    for _ in range(9):
        attempt("coord", "wrong", address="10.6.6.6")
    assert signed_in(attempt("leader", PASSWORD, address="10.6.6.6"))
    assert attempt("coord", "wrong", address="10.6.6.6").status_code == 429
    assert attempt("coord", PASSWORD, address="10.6.6.6").status_code == 429


@pytest.mark.parametrize("role", [COORDINATOR, LEADER])
def test_tokens_and_force_login_pass_a_locked_account(world, role):
    user = world.user(role)
    for _ in range(10):
        attempt(user.username, "wrong")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    assert api.get("/api/v1/pairings/").status_code == 200
    client = Client()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_one_callers_failures_do_not_lock_the_others(world):
    def through_proxy(username, password, caller):
        return Client(REMOTE_ADDR="172.18.0.5").post(
            LOGIN, {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=caller
        )

    for index in range(10):
        through_proxy(f"nobody{index}", "wrong", "198.51.100.1")
    assert through_proxy("leader", PASSWORD, "198.51.100.1").status_code == 429
    assert signed_in(through_proxy("leader", PASSWORD, "198.51.100.2"))
