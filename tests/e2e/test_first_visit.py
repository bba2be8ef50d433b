"""A coordinator's first visit, in a real browser: login, scope, language, errors."""

import pytest

from pairings.models import Pairing

pytestmark = pytest.mark.e2e


def log_in(page, live_server, username, password="aidtrack-test"):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form:has(#id_username) button[type=submit]")


def test_coordinator_sees_own_pairings_in_chinese_and_switches_to_english(world, live_server, page):
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    table = page.locator("table").first
    assert "中山港街道" in table.inner_text()
    assert "天河区" not in table.inner_text()  # 广州 → 毕节 is outside the scope

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Pairings").is_visible()


def test_invalid_edit_shows_errors_and_saves_nothing(world, live_server, page):
    pairing = world.in_scope_pairing
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}/pairings/pairings/{pairing.pk}/edit/")
    page.fill("#id_end_date", "2020-01-01")  # before the start date
    page.click("main form button[type=submit]")
    assert page.locator(".alert-danger").is_visible()
    assert page.locator(".invalid-feedback").count() >= 1
    pairing.refresh_from_db()
    assert pairing.end_date is None
    assert Pairing.objects.filter(end_date__isnull=False).count() == 0
