"""In a real browser: the programme's map draws and drills down to a pairing's dashboard."""

import re

import pytest

from assessments.services import assessment_refresh
from pairings.coordinates import region_coordinates_fill
from pairings.models import Pairing, Region
from tests.e2e.test_first_visit import log_in
from tests.factories import ProjectFactory

pytestmark = pytest.mark.e2e

YEAR = 2023

# The chart behind a [data-map] element (assessments_map.js keeps it there), as plain data.
SERIES = """(selector) => {
  const chart = document.querySelector(selector).programmeMap;
  return chart.getOption().series.map((s) => ({ type: s.type, name: s.name, data: s.data }));
}"""

# Where a region point is drawn, in page pixels.
# Resolves once the chart has drawn its last frame (ECharts' "finished"), or after 2 s if it
# had already: a click at a computed pixel must not land while the redraw still animates.
SETTLED = """(selector) => new Promise((resolve) => {
  const chart = document.querySelector(selector).programmeMap;
  chart.on("finished", () => resolve(true));
  setTimeout(() => resolve(false), 2000);
})"""

PIXEL = """([selector, lnglat]) => {
  const element = document.querySelector(selector);
  const [x, y] = element.programmeMap.convertToPixel({ geoIndex: 0 }, lnglat);
  const box = element.getBoundingClientRect();
  return [box.left + x, box.top + y];
}"""


def test_the_overview_map_draws_lines_and_a_region_click_opens_the_dashboard(
    world, live_server, page
):
    region_coordinates_fill()
    gd_gz, zs_lps = world.pairings["gd-gz"], world.pairings["zs-lps"]
    for pairing in (zs_lps, world.pairings["gz-bj"]):
        assessment_refresh(pairing=pairing, year=YEAR)
    log_in(page, live_server, "leader")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/assessments/?year={YEAR}&pairing={gd_gz.pk}")
    page.wait_for_selector("[data-map=overview] canvas", timeout=15_000)
    series = page.evaluate(SERIES, "[data-map=overview]")
    lines = [item for s in series if s["type"] == "lines" for item in s["data"]]
    assert sorted(line["name"] for line in lines) == ["中山市 → 六盘水市", "广州市 → 毕节市"]
    places = {item["name"] for s in series if s["type"] == "scatter" for item in s["data"]}
    assert places == {"中山市", "广州市", "六盘水市", "毕节市"}

    # The width switch redraws with the people's weights, still two lines.
    page.click("[data-map-weight=people]")
    assert page.get_attribute("[data-map-weight=people]", "aria-pressed") == "true"
    series = page.evaluate(SERIES, "[data-map=overview]")
    assert sum(len(s["data"]) for s in series if s["type"] == "lines") == 2

    # A click on 六盘水 (the helped end of 中山 → 六盘水) opens that pairing's dashboard.
    page.locator("[data-map=overview]").scroll_into_view_if_needed()
    page.evaluate(SETTLED, "[data-map=overview]")
    lps = Region.objects.get(code="520200")
    x, y = page.evaluate(PIXEL, ["[data-map=overview]", [lps.longitude, lps.latitude]])
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert re.search(rf"/assessments/pairing/{zs_lps.pk}/\?year={YEAR}$", page.url)


# A click on a line, as ECharts reports one to the chart's listeners: thin lines (no
# money yet) are too fine a target for a mouse click at a computed pixel.
CLICK_LINE = """([selector, name]) => {
  const chart = document.querySelector(selector).programmeMap;
  for (const series of chart.getOption().series) {
    const item = series.type === "lines" && series.data.find((line) => line.name === name);
    if (item) {
      chart.trigger("click", { componentType: "series", seriesType: "lines", name, data: item });
      return true;
    }
  }
  return false;
}"""


def test_a_click_on_a_line_opens_its_pairing_s_dashboard(world, live_server, page):
    region_coordinates_fill()
    gd_gz, gz_bj = world.pairings["gd-gz"], world.pairings["gz-bj"]
    log_in(page, live_server, "leader")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/assessments/?year={YEAR}&pairing={gd_gz.pk}")
    page.wait_for_selector("[data-map=overview] canvas", timeout=15_000)
    with page.expect_navigation():
        assert page.evaluate(CLICK_LINE, ["[data-map=overview]", "广州市 → 毕节市"])
    assert re.search(rf"/assessments/pairing/{gz_bj.pk}/\?year={YEAR}$", page.url)


def test_the_map_s_programme_filter_redraws_its_lines_and_keeps_the_years(world, live_server, page):
    region_coordinates_fill()
    gd_gz, gz_bj = world.pairings["gd-gz"], world.pairings["gz-bj"]
    Pairing.objects.filter(pk=gz_bj.pk).update(programme="counterpart")
    log_in(page, live_server, "leader")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/assessments/?year={YEAR}&from={YEAR - 1}&pairing={gd_gz.pk}")
    page.wait_for_selector("[data-map=overview] canvas", timeout=15_000)

    with page.expect_navigation():
        page.select_option("#map-programme", "counterpart")  # submits its form (data-autosubmit)
    for part in (
        "programme=counterpart",
        f"year={YEAR}",
        f"from={YEAR - 1}",
        f"pairing={gd_gz.pk}",
    ):
        assert part in page.url
    page.wait_for_selector("[data-map=overview] canvas", timeout=15_000)
    series = page.evaluate(SERIES, "[data-map=overview]")
    lines = [item["name"] for s in series if s["type"] == "lines" for item in s["data"]]
    assert lines == ["广州市 → 毕节市"]
    assert page.locator("#map-programme").input_value() == "counterpart"
    # The years shown are kept, and so is the map's programme when the year changes.
    assert page.locator("#year").input_value() == str(YEAR)
    assert f"{YEAR - 1}–{YEAR}" in page.locator("h1").inner_text()
    other = next(
        value
        for value in page.locator("#year option").evaluate_all("(os) => os.map((o) => o.value)")
        if value != str(YEAR)
    )
    with page.expect_navigation():
        page.select_option("#year", other)
    assert f"year={other}" in page.url
    assert "programme=counterpart" in page.url

    # Every programme again: both lines.
    with page.expect_navigation():
        page.select_option("#map-programme", "")
    page.wait_for_selector("[data-map=overview] canvas", timeout=15_000)
    series = page.evaluate(SERIES, "[data-map=overview]")
    assert sum(len(s["data"]) for s in series if s["type"] == "lines") == 2


def test_the_pairing_dashboard_places_its_projects_at_their_counties(world, live_server, page):
    region_coordinates_fill()
    zs_lps = world.pairings["zs-lps"]
    ProjectFactory(pairing=zs_lps, region=Region.objects.get(code="520204"), year=YEAR)
    assessment_refresh(pairing=zs_lps, year=YEAR)
    log_in(page, live_server, "leader")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/assessments/pairing/{zs_lps.pk}/?year={YEAR}")
    page.wait_for_selector("[data-map=pairing] canvas", timeout=15_000)
    series = page.evaluate(SERIES, "[data-map=pairing]")
    points = [item for s in series if s["type"] == "scatter" for item in s["data"]]
    assert [(point["name"], point["value"][2]) for point in points] == [("水城区", 1)]
    assert "region=520204" in points[0]["url"]
