"""A coordinator's day in a real browser: a filter chosen by name, a breakdown typed in
labelled boxes and read back as a table, an amount shown in 万元 as it is typed."""

import pytest
from django.utils.translation import override
from playwright.sync_api import expect

from projects.breakdown import PART_LABELS
from projects.models import OutcomeReport
from tests.e2e.test_first_visit import log_in
from tests.projects.conftest import make_project

pytestmark = pytest.mark.e2e


def test_a_list_is_filtered_by_a_pairing_chosen_by_name(world, live_server, page):
    mine = make_project(world, index=1, name="水城区茶叶基地", pairing=world.in_scope_pairing)
    make_project(world, index=2, name="六盘水市级项目", pairing=world.pairings["zs-lps"])
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}/projects/projects/")
    assert "六盘水市级项目" in page.locator("table").inner_text()

    box = page.locator("#id_pairing")
    box.press_sequentially("中山港", delay=30)
    # Focusing offered the first pairings in scope; the text typed narrows them to one.
    suggestions = page.locator("#id_pairing-options option")
    expect(suggestions).to_have_count(1)
    label = suggestions.get_attribute("value")
    assert label == "中山港街道 → 水城区"
    # Picking the suggestion makes the text its label, which fetches the suggestions for
    # that label (none: "→" is in no name); their arrival must not undo the pick.
    page.evaluate(
        "() => { window.suggestionsSwapped = new Promise((done) =>"
        " document.addEventListener('htmx:afterSwap', done, { once: true })); }"
    )
    box.fill(label)
    page.evaluate("() => window.suggestionsSwapped")
    assert page.locator("#id_pairing-value").input_value() == str(world.in_scope_pairing.pk)
    page.locator("form.filter-panel button[type=submit]").click()
    page.wait_for_url(f"**pairing={world.in_scope_pairing.pk}**")

    table = page.locator("table").inner_text()
    assert mine.name in table and "六盘水市级项目" not in table
    # The box shows the pairing's name again, not its id.
    assert page.locator("#id_pairing").input_value() == "中山港街道 → 水城区"


def test_a_breakdown_is_typed_in_labelled_boxes_and_shown_as_a_table(
    world, indicators, live_server, page
):
    labour = indicators["labour_transferred"]
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}/projects/outcome-reports/add/")
    with override("zh-hans"):
        east, poor = str(PART_LABELS["east"]), str(PART_LABELS["formerly_poor"])
    # Before an indicator with a breakdown is chosen, no box is shown.
    assert not page.get_by_label(east).is_visible()
    page.select_option("#id_indicator", str(labour.pk))
    assert page.get_by_label(east).is_visible()
    page.select_option("#id_pairing", str(world.in_scope_pairing.pk))
    page.fill("#id_year", "2023")
    page.fill("#id_value", "1000")
    page.get_by_label(east).fill("800")
    page.get_by_label(poor).fill("400")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/outcome-reports/*/")

    report = OutcomeReport.objects.get()
    assert report.breakdown == {"east": 800, "formerly_poor": 400}
    table = page.locator("table.breakdown-table")
    rows = [row.inner_text().split("\t") for row in table.locator("tbody tr").all()]
    assert [(label.strip(), figure.strip()) for label, figure in rows] == [
        (east, "800"),
        (poor, "400"),
    ]


def test_an_amount_typed_in_yuan_shows_itself_in_wan(world, live_server, page):
    log_in(page, live_server, "admin")
    page.wait_for_url("**/")
    page.goto(f"{live_server.url}/funds/allocations/add/")
    page.locator("#id_amount").press_sequentially("50000000")
    assert "5,000.00" in page.locator("[data-amount-shown]").inner_text()
