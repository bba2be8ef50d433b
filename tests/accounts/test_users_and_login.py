"""Signing in, where each role lands, and administering accounts.

People sign in with a password; partner-system accounts are API-only and are
refused at the login form. Accounts are administered by administrators: they
create users (passwords validated) and set each user's pairing scope. The
API's /users/ shows administrators every account and everyone else only
their own. Sessions expire after two idle hours.
"""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER, PARTNER, SIGNED_IN

PASSWORD = "aidtrack-test"  # tests/factories.py
STRONG_PASSWORD = "Kx9!vLq2#Tz-7wR"
PAIRING_LIST = reverse("pairings:pairing_list")
USER_LIST = reverse("accounts:user_list")
OVERVIEW = reverse("assessments:overview")


def signed_in(world, role):
    client = Client()
    client.force_login(world.user(role))
    return client


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestLogin:
    def test_coordinator_lands_on_the_pairing_list(self, world):
        client = Client()
        assert client.get(reverse("accounts:login")).status_code == 200
        response = client.post(
            reverse("accounts:login"), {"username": "coord", "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain == [(reverse("home"), 302), (PAIRING_LIST, 302)]
        assert response.status_code == 200
        assert is_signed_in(client)

    def test_wrong_password_is_refused(self, world):
        client = Client()
        response = client.post(
            reverse("accounts:login"), {"username": "coord", "password": "wrong"}
        )
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert not is_signed_in(client)

    def test_partner_account_is_refused_as_api_only(self, world):
        client = Client()
        response = client.post(
            reverse("accounts:login"), {"username": "partner", "password": PASSWORD}
        )
        assert response.status_code == 200
        assert [e.code for e in response.context["form"].errors.as_data()["__all__"]] == [
            "api_only"
        ]
        # locale/zh_Hans: "This account is for a partner system and may only use the API."
        assert "此账户属于合作方系统，只能通过 API 使用。" in response.content.decode()
        assert not is_signed_in(client)

    def test_inactive_account_is_refused(self, world):
        user = world.user(COORDINATOR)
        user.is_active = False
        user.save()
        client = Client()
        client.post(reverse("accounts:login"), {"username": "coord", "password": PASSWORD})
        assert not is_signed_in(client)

    def test_each_request_reads_the_account_afresh(self, world):
        """The session's user comes from a queryset built once per process (accounts.backends):
        a change to the account shows on the very next request."""
        client = signed_in(world, COORDINATOR)
        assert is_signed_in(client)
        user = world.user(COORDINATOR)
        user.full_name = "改过的名字"
        user.save()
        assert "改过的名字" in client.get(reverse("home"), follow=True).content.decode()
        user.is_active = False
        user.save()
        response = client.get(PAIRING_LIST)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_next_parameter_is_honoured(self, world):
        client = Client()
        target = reverse("pairings:region_list")
        response = client.post(
            f"{reverse('accounts:login')}?next={target}",
            {"username": "coord", "password": PASSWORD, "next": target},
        )
        assert response.status_code == 302
        assert response["Location"] == target


class TestHome:
    @pytest.mark.parametrize(
        ("role", "start_page"),
        [(ADMIN, PAIRING_LIST), (COORDINATOR, PAIRING_LIST), (LEADER, OVERVIEW)],
    )
    def test_people_are_sent_to_their_start_page(self, world, role, start_page):
        response = signed_in(world, role).get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == start_page

    def test_a_leader_signing_in_lands_on_the_assessment_overview(self, world):
        response = Client().post(
            reverse("accounts:login"), {"username": "leader", "password": PASSWORD}, follow=True
        )
        assert response.redirect_chain == [(reverse("home"), 302), (OVERVIEW, 302)]
        assert response.status_code == 200
        assert "assessments/overview.html" in [t.name for t in response.templates]

    def test_partner_accounts_get_403(self, world):
        assert signed_in(world, PARTNER).get(reverse("home")).status_code == 403

    def test_anonymous_visitors_are_sent_to_login(self, db):
        response = Client().get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


class TestUserPages:
    def test_admin_lists_every_account(self, world):
        response = signed_in(world, ADMIN).get(USER_LIST)
        assert response.status_code == 200
        listed = {user.username for user, _cells in response.context["rows"]}
        assert listed == {"admin", "coord", "leader", "partner"}

    @pytest.mark.parametrize("role", [COORDINATOR, LEADER])
    def test_user_pages_are_admin_only(self, world, role):
        client = signed_in(world, role)
        assert client.get(USER_LIST).status_code == 403
        other = world.user(ADMIN)
        detail = reverse("accounts:user_detail", args=[other.pk])
        assert client.get(detail).status_code == 403

    def test_partner_gets_403(self, world):
        assert signed_in(world, PARTNER).get(USER_LIST).status_code == 403

    @pytest.mark.parametrize("role", [COORDINATOR, LEADER])
    def test_only_admins_may_add_or_edit_accounts(self, world, role):
        client = signed_in(world, role)
        me = world.user(role)
        assert client.get(reverse("accounts:user_add")).status_code == 403
        assert client.get(reverse("accounts:user_edit", args=[me.pk])).status_code == 403
        response = client.post(
            reverse("accounts:user_edit", args=[me.pk]),
            {"username": me.username, "role": "admin", "is_active": "on"},
        )
        assert response.status_code == 403
        me.refresh_from_db()
        assert me.role == role


class TestAdministeringUsers:
    def user_data(self, world, **changes):
        data = {
            "username": "newcoord",
            "full_name": "新协调员",
            "email": "newcoord@example.gov.cn",
            "organization_name": "中山市协作办",
            "role": "coordinator",
            "scope_pairings": [world.pairings["zs-lps"].pk],
            "is_active": "on",
            "password": STRONG_PASSWORD,
        }
        data.update(changes)
        return data

    def test_admin_creates_a_user_with_a_password_and_scope(self, world):
        admin = world.user(ADMIN)
        response = signed_in(world, ADMIN).post(reverse("accounts:user_add"), self.user_data(world))
        assert response.status_code == 302
        user = User.objects.get(username="newcoord")
        assert response["Location"] == user.get_absolute_url()
        assert user.check_password(STRONG_PASSWORD)
        assert user.role == "coordinator"
        assert set(user.scope_pairings.all()) == {world.pairings["zs-lps"]}

        (record,) = ChangeRecord.objects.for_object(user).filter(action="create")
        assert record.actor_id == admin.pk
        assert record.source == "web"
        assert record.changes["password"] == "***"

        # The new account can sign in with its password (through the page: the
        # sign-in brake needs the request, which client.login() does not pass).
        client = Client()
        client.post(
            reverse("accounts:login"), {"username": "newcoord", "password": STRONG_PASSWORD}
        )
        assert is_signed_in(client)

    @pytest.mark.parametrize(
        "password",
        ["12345678", "password", "short1!", "newcoord1"],
        ids=["numeric", "common", "too_short", "like_username"],
    )
    def test_weak_password_is_refused(self, world, password):
        response = signed_in(world, ADMIN).post(
            reverse("accounts:user_add"), self.user_data(world, password=password)
        )
        assert response.status_code == 400
        assert response.context["form"].errors["password"]
        assert not User.objects.filter(username="newcoord").exists()

    def test_new_user_needs_a_password(self, world):
        response = signed_in(world, ADMIN).post(
            reverse("accounts:user_add"), self.user_data(world, password="")
        )
        assert response.status_code == 400
        assert "password" in response.context["form"].errors
        assert not User.objects.filter(username="newcoord").exists()

    def test_admin_changes_scope_and_keeps_the_password(self, world):
        coordinator = world.user(COORDINATOR)
        out_of_scope = world.out_of_scope_pairing
        assert out_of_scope.pk not in coordinator.pairing_ids_in_scope()

        response = signed_in(world, ADMIN).post(
            reverse("accounts:user_edit", args=[coordinator.pk]),
            {
                "username": coordinator.username,
                "full_name": coordinator.full_name,
                "role": "coordinator",
                "scope_pairings": [world.pairings["gz-bj"].pk],
                "is_active": "on",
                "password": "",
            },
        )
        assert response.status_code == 302
        coordinator = User.objects.get(pk=coordinator.pk)
        assert set(coordinator.scope_pairings.all()) == {world.pairings["gz-bj"]}
        assert coordinator.check_password(PASSWORD)
        scope = coordinator.pairing_ids_in_scope()
        assert out_of_scope.pk in scope
        assert world.in_scope_pairing.pk not in scope


class TestUsersApi:
    def get_usernames(self, world, role):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
        response = client.get("/api/v1/users/")
        assert response.status_code == 200
        return {row["username"] for row in response.json()["results"]}

    def test_admin_sees_every_account(self, world):
        assert self.get_usernames(world, ADMIN) == {"admin", "coord", "leader", "partner"}

    @pytest.mark.parametrize("role", [COORDINATOR, LEADER, PARTNER])
    def test_others_see_only_themselves(self, world, role):
        assert self.get_usernames(world, role) == {world.user(role).username}

    def test_accounts_are_read_only_over_the_api(self, world):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
        response = client.post("/api/v1/users/", {"username": "x"}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"

    def test_scope_is_listed_but_no_secret_is(self, world):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
        [row] = client.get("/api/v1/users/").json()["results"]
        assert row["scope_pairings"] == [world.pairings["zs-lps"].pk]
        assert "password" not in row


class TestPasswordChange:
    def test_change_keeps_the_user_signed_in(self, world):
        client = signed_in(world, COORDINATOR)
        assert client.get(reverse("accounts:password_change")).status_code == 200
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": STRONG_PASSWORD,
                "new_password2": STRONG_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_change_done")
        assert client.get(response["Location"]).status_code == 200
        assert client.get(PAIRING_LIST).status_code == 200  # session survives

        user = User.objects.get(pk=world.user(COORDINATOR).pk)
        assert user.check_password(STRONG_PASSWORD)
        assert not user.check_password(PASSWORD)

    def test_wrong_old_password_changes_nothing(self, world):
        client = signed_in(world, COORDINATOR)
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": "not-it",
                "new_password1": STRONG_PASSWORD,
                "new_password2": STRONG_PASSWORD,
            },
        )
        assert response.status_code == 200
        assert "old_password" in response.context["form"].errors
        assert User.objects.get(pk=world.user(COORDINATOR).pk).check_password(PASSWORD)

    def test_page_needs_login(self, db):
        response = Client().get(reverse("accounts:password_change"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


class TestSessions:
    def test_idle_timeout_is_two_hours(self):
        assert settings.SESSION_COOKIE_AGE == 120 * 60
        assert settings.SESSION_COOKIE_HTTPONLY is True

    def test_a_session_is_renewed_once_a_minute_not_written_by_every_page(self, world):
        from django.contrib.sessions.models import Session
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from aidtrack.core.middleware import SlidingSessionMiddleware

        client = Client()
        client.post(reverse("accounts:login"), {"username": "coord", "password": PASSWORD})
        client.get(PAIRING_LIST)
        key = client.session.session_key
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAIRING_LIST).status_code == 200
        assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        # A minute later the next page renews the idle timeout.
        session = client.session
        session[SlidingSessionMiddleware.RENEWED_KEY] -= settings.SESSION_RENEW_SECONDS
        session.save()
        Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=10))
        client.get(PAIRING_LIST)
        renewed = Session.objects.get(pk=key).expire_date
        assert renewed > timezone.now() + timedelta(minutes=119)
        assert client.session[SlidingSessionMiddleware.RENEWED_KEY] >= time.time() - 5

    def test_signed_in_session_expires_after_the_idle_timeout(self, world):
        client = Client()
        client.post(reverse("accounts:login"), {"username": "coord", "password": PASSWORD})
        assert client.session.get_expiry_age() == 120 * 60


class TestNavigation:
    @pytest.mark.parametrize("role", [r for r in SIGNED_IN if r != PARTNER])
    def test_users_entry_is_shown_only_to_admins(self, world, role):
        html = signed_in(world, role).get(PAIRING_LIST).content.decode()
        users_link = f'<a class="dropdown-item" href="{USER_LIST}">用户</a>'
        assert (users_link in html) == (role == ADMIN)
        # Everyone who uses the browser sees the pairing pages.
        assert f'href="{PAIRING_LIST}"' in html
