"""In a real browser: a team member checks in on a phone; a leader's dashboard draws its charts."""

import pytest
from django.utils import timezone

from assessments.services import assessment_refresh
from cadres.models import CheckIn
from tests.cadres.conftest import make_on_post_member, make_team, member_user
from tests.e2e.test_first_visit import log_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def test_member_checks_in_from_a_phone(world, live_server, browser):
    team = make_team(world)
    member = make_on_post_member(world, 1, team, user=member_user("medic"))
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server, "medic")
        page.wait_for_url("**/cadres/check-in/")
        # The evening button is as wide as the phone: no zooming to tap it.
        button = page.locator("button[value='evening:well']")
        assert button.bounding_box()["width"] > PHONE["width"] * 0.8
        button.click()
        page.wait_for_load_state()
        assert page.locator(".alert-success").is_visible()
    finally:
        context.close()
    check_in = CheckIn.objects.get(person=member.person)
    assert (check_in.date, check_in.slot, check_in.state) == (
        timezone.localdate(),
        "evening",
        "well",
    )


def test_leader_sees_the_pairing_dashboard_with_charts(world, live_server, page):
    pairing = world.pairings["zs-lps"]
    assessment_refresh(pairing=pairing, year=timezone.localdate().year)
    log_in(page, live_server, "leader")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/assessments/pairing/{pairing.pk}/")
    assert pairing.helped_region.name in page.locator("h1").inner_text()
    # ECharts, served by the app itself, drew into its containers.
    page.wait_for_selector("[_echarts_instance_] svg", timeout=10_000)
    assert page.locator("[_echarts_instance_]").count() >= 2
