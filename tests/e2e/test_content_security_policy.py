"""In a real browser, under the Content-Security-Policy: nothing the pages need is refused.

Every CSP violation the browser reports (a refused inline script, handler or
style) is collected from the page; the pages a leader, a coordinator and an
administrator open — the dashboards with their ECharts charts, lists, forms,
the API docs, the admin — must report none, and still work.
"""

import pytest
from django.utils import timezone

from aidtrack.core.testing import ADMIN
from assessments.services import assessment_refresh
from tests.e2e.test_first_visit import log_in

pytestmark = pytest.mark.e2e

# Registered before any page script runs; violations are kept on window.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
    + " " + (event.sourceFile || "") + ":" + (event.lineNumber || ""));
});
"""


def violations(page):
    return page.evaluate("window.__cspViolations || []")


def visit(page, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], url


def test_dashboards_draw_their_charts_under_the_policy(world, live_server, page):
    page.add_init_script(COLLECT_VIOLATIONS)
    pairing = world.pairings["zs-lps"]
    year = timezone.localdate().year
    assessment_refresh(pairing=pairing, year=year)
    log_in(page, live_server, "leader")
    page.wait_for_load_state()

    response = page.goto(f"{live_server.url}/assessments/pairing/{pairing.pk}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    page.wait_for_selector("[_echarts_instance_] svg", timeout=10_000)
    assert page.locator("[_echarts_instance_]").count() >= 2
    height = page.locator("[data-chart=money]").bounding_box()["height"]
    assert height == pytest.approx(260, abs=1)  # from assessments.css, not style="…"
    assert violations(page) == []

    page.goto(f"{live_server.url}/assessments/?year={year}")
    page.wait_for_selector("[_echarts_instance_] svg", timeout=10_000)
    assert page.locator("[data-chart=ranking]").bounding_box()["height"] >= 220
    assert violations(page) == []
    # The year select still submits its form without an inline handler.
    with page.expect_navigation():
        page.dispatch_event("#year", "change")
    assert f"year={year}" in page.url
    assert violations(page) == []


def test_coordinator_and_administrator_pages_report_no_violation(world, live_server, page):
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    assert violations(page) == []
    for path in (
        "/pairings/pairings/",
        "/cadres/people/",
        "/projects/projects/add/",
        "/api/v1/docs/",
    ):
        visit(page, live_server.url + path)
    # The API docs start from their script file: the operations are listed.
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert violations(page) == []

    # The collector does see a violation: an inline style injected now is refused.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<b style=\"color: red\">x</b>')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any(v.startswith("style-src") for v in violations(page))


def test_the_admin_reports_no_violation(world, live_server, page):
    administrator = world.user(ADMIN)
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, "admin")
    page.wait_for_load_state()
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{administrator.pk}/change/",
    ):
        visit(page, live_server.url + path)
