"""The navigation bar's menus are rendered once per menu and language, and stay right."""

from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from aidtrack.core import navigation


def _context(user):
    request = RequestFactory().get("/")
    request.user = user
    return navigation.navigation(request)


def test_each_role_gets_its_own_menu_and_language(world):
    navigation._MENUS.clear()
    leader, admin = world.user("leader"), world.user("admin")
    with translation.override("en"):
        for_leader = _context(leader)
        for_admin = _context(admin)
        leader_html, admin_html = for_leader["nav_menu"](), for_admin["nav_menu"]()
        assert leader_html == render_to_string(
            "core/navigation_menu.html", {"nav_groups": for_leader["nav_groups"]}
        )
        # Only administrators may change users: the accounts pages are theirs.
        assert "/accounts/users/" in admin_html and "/accounts/users/" not in leader_html
    with translation.override("zh-hans"):
        chinese = _context(leader)["nav_menu"]()
    assert chinese != leader_html
    assert chinese == render_to_string(
        "core/navigation_menu.html", {"nav_groups": _context(leader)["nav_groups"]}
    )
    assert len(navigation._MENUS) == 3


def test_the_menu_is_made_once_then_reused(world, monkeypatch):
    navigation._MENUS.clear()
    made = []
    real = navigation.render_to_string
    monkeypatch.setattr(
        navigation, "render_to_string", lambda *a, **k: made.append(1) or real(*a, **k)
    )
    leader = world.user("leader")
    first = _context(leader)["nav_menu"]()
    assert _context(leader)["nav_menu"]() == first
    assert len(made) == 1


def test_no_menu_without_a_browser_user(world):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert navigation.navigation(request) == {"nav_groups": [], "nav_menu": ""}
