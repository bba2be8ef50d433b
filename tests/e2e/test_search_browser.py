"""The navbar's search in a real browser: suggestions as a coordinator types, within scope."""

import pytest

from tests.cadres.test_people import make_person
from tests.e2e.test_content_security_policy import COLLECT_VIOLATIONS, violations
from tests.e2e.test_first_visit import log_in
from tests.factories import ProjectFactory

pytestmark = pytest.mark.e2e


def test_coordinator_types_in_the_navbar_and_finds_only_their_own_records(world, live_server, page):
    person = make_person(world, True, 0, name="茶山帮扶干部")
    make_person(world, False, 0, name="茶山外地干部")
    project = ProjectFactory(pairing=world.in_scope_pairing, code="LPS-01", name="茶山提质项目")
    ProjectFactory(pairing=world.out_of_scope_pairing, code="BJ-01", name="茶山外地项目")

    page.add_init_script(COLLECT_VIOLATIONS)
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.locator("#navbar-search").press_sequentially("茶山", delay=50)
    suggestions = page.locator("#search-suggestions")
    suggestions.get_by_role("link", name="茶山帮扶干部").wait_for()
    text = suggestions.inner_text()
    assert "茶山提质项目" in text
    assert "外地" not in text  # 天河 → 七星关's person and project stay hidden

    suggestions.get_by_role("link", name="茶山帮扶干部").click()
    page.wait_for_url(f"**{person.get_absolute_url()}")
    assert "茶山帮扶干部" in page.locator("main").inner_text()

    # Enter opens the results page, grouped by kind, each hit a link to its record.
    page.locator("#navbar-search").fill("茶山")
    page.locator("#navbar-search").press("Enter")
    page.wait_for_url("**/search/?q=*")
    main = page.locator("main")
    assert "外地" not in main.inner_text()
    main.get_by_role("link", name="LPS-01 茶山提质项目").click()
    page.wait_for_url(f"**{project.get_absolute_url()}")
    assert violations(page) == []  # the box, its suggestions and the results need no inline code

    # Escape closes the suggestions.
    page.locator("#navbar-search").press_sequentially("茶山", delay=50)
    suggestions.get_by_role("link", name="茶山帮扶干部").wait_for()
    page.locator("#navbar-search").press("Escape")
    assert suggestions.inner_text().strip() == ""
