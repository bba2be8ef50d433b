"""Long selects are searchable (static/js/aidtrack.js): a box above every select of more
than SEARCHABLE_OPTIONS options narrows it as one types, Enter picks the first match."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import override

from pairings.choices import PairingLevel
from tests.e2e.test_first_visit import log_in
from tests.factories import PairingFactory, region

pytestmark = pytest.mark.e2e

YEAR = 2023
# More prefecture pairings under 广东 → 贵州 than SEARCHABLE_OPTIONS (15).
EXTRA_PAIRINGS = 18

VISIBLE_OPTIONS = """(select) => Array.from(document.querySelector(select).options)
  .filter((option) => !option.hidden).map((option) => option.textContent.trim())"""
CHOSEN = """(select) => Array.from(document.querySelector(select).selectedOptions)
  .map((option) => option.value)"""


def many_pairings(world) -> None:
    gd_gz = world.pairings["gd-gz"]
    for n in range(1, EXTRA_PAIRINGS + 1):
        PairingFactory(
            helping_region=region(f"4490{n:02d}", f"测试帮扶市{n:02d}", world.regions["gd"]),
            helped_region=region(f"5290{n:02d}", f"测试受援市{n:02d}", world.regions["gzh"]),
            level=PairingLevel.PREFECTURE,
            parent=gd_gz,
        )


def test_a_long_multiple_select_is_narrowed_by_typing_and_two_pairings_are_picked(
    world, live_server, page
):
    many_pairings(world)
    gd_gz, zs_lps, gz_bj = (world.pairings[key] for key in ("gd-gz", "zs-lps", "gz-bj"))
    log_in(page, live_server, "leader")
    page.wait_for_load_state()
    # The overview's "Compare" brings a level here: the province and the 20 pairings below it.
    page.goto(f"{live_server.url}/assessments/compare/?pairing={gd_gz.pk}&year={YEAR}")
    box = page.locator('input[data-select-search="id_pairing"]')
    with override("zh-hans"):
        assert box.get_attribute("placeholder") == str(_("Type to narrow the list"))
    # A short list (the years) is left as it is.
    assert page.locator('input[data-select-search="id_year"]').count() == 0

    box.press_sequentially("测试帮扶市0", delay=20)
    shown = page.evaluate(VISIBLE_OPTIONS, "#id_pairing")
    # 01–09 match; the province stays in sight because it is chosen.
    assert len(shown) == 10 and str(gd_gz) in shown
    assert all("测试帮扶市0" in name for name in shown if name != str(gd_gz))

    # Enter toggles the first match: the province out, then 中山 → 六盘水 and 广州 → 毕节 in.
    box.fill("广东")
    box.press("Enter")
    box.press_sequentially("中山", delay=20)
    box.press("Enter")
    assert box.input_value() == ""  # cleared for the next name
    box.press_sequentially("广州 毕节", delay=20)
    box.press("Enter")
    assert sorted(page.evaluate(CHOSEN, "#id_pairing")) == sorted([str(zs_lps.pk), str(gz_bj.pk)])
    assert "广州市 → 毕节市" in page.locator("#id_pairing-search-status").inner_text()
    # A click toggles one option and keeps the others (natively it would choose it alone).
    box.fill("测试帮扶市07")
    box.dispatch_event("input")
    page.locator("#id_pairing option", has_text="测试帮扶市07").click()
    assert len(page.evaluate(CHOSEN, "#id_pairing")) == 3
    page.locator("#id_pairing option", has_text="测试帮扶市07").click()
    assert sorted(page.evaluate(CHOSEN, "#id_pairing")) == sorted([str(zs_lps.pk), str(gz_bj.pk)])
    box.fill("")
    # Enter with nothing typed submits the form, as a text box does.
    with page.expect_navigation():
        box.press("Enter")

    asked = parse_qs(urlparse(page.url).query)
    assert sorted(asked["pairing"]) == sorted([str(zs_lps.pk), str(gz_bj.pk)])
    assert asked["year"] == [str(YEAR)]
    # The comparison applies: a column for each pairing picked, none other.
    headers = page.locator("table thead th").all_inner_texts()
    assert sorted(h.split("\n")[0] for h in headers[1:]) == ["中山市 → 六盘水市", "广州市 → 毕节市"]


def test_a_long_select_of_an_edit_form_picks_by_typing(world, indicators, live_server, page):
    labour = indicators["labour_transferred"]
    log_in(page, live_server, "coord")
    page.wait_for_url("**/pairings/pairings/")
    page.goto(f"{live_server.url}/projects/outcome-reports/add/")
    box = page.locator('input[data-select-search="id_indicator"]')
    box.press_sequentially(labour.name_zh, delay=20)
    with translation.override("zh-hans"):  # the page's language, whatever the process's
        shown = str(labour)
    assert page.evaluate(VISIBLE_OPTIONS, "#id_indicator")[1:] == [shown]
    box.press("Enter")
    assert page.locator("#id_indicator").input_value() == str(labour.pk)
    # The change is the select's own: the indicator's breakdown boxes appear.
    assert page.locator("[data-breakdown-for]:not(.d-none)").count() > 0
    # Escape clears the text and shows every option again.
    box.press("Escape")
    every = page.locator("#id_indicator option").count()
    assert every > 15 and len(page.evaluate(VISIBLE_OPTIONS, "#id_indicator")) == every
