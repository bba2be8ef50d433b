"""The navigation bar's unread badge comes with the user's own query (accounts.backends)."""

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.context_processors import notifications
from accounts.models import Notification, User


def _notify(user, count, read=False):
    Notification.objects.bulk_create(
        Notification(user=user, message=f"m{i}", read_at=timezone.now() if read else None)
        for i in range(count)
    )


def test_a_page_shows_the_unread_count_without_a_query_of_its_own(world, client):
    user = world.user("coordinator")
    other = world.user("leader")
    _notify(user, 2)
    _notify(user, 3, read=True)
    _notify(other, 4)
    client.force_login(user)
    client.get("/pairings/pairings/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/pairings/pairings/")
    assert 'id="unread-badge">2<' in page.content.decode()
    assert not [
        q for q in queries if '"accounts_notification"' in q["sql"].split("FROM", 1)[-1][:40]
    ]
    loaded = [q["sql"] for q in queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(loaded) == 1 and "accounts_notification" in loaded[0]


def test_no_unread_shows_no_badge(world, client):
    user = world.user("coordinator")
    _notify(user, 1, read=True)
    client.force_login(user)
    assert 'id="unread-badge"' not in client.get("/pairings/pairings/").content.decode()


def test_a_user_loaded_otherwise_counts_when_the_bar_asks(world, django_assert_num_queries):
    """A user not loaded by the backend (just signed in) counts lazily, once asked."""
    user = User.objects.get(pk=world.user("coordinator").pk)
    _notify(user, 3)
    request = RequestFactory().get("/")
    request.user = user
    with django_assert_num_queries(0):
        badge = notifications(request)["unread_notifications"]
    with django_assert_num_queries(1):
        assert badge() == 3
