"""In a real browser, on the demo: a leader lands on the overview of the latest year
with data, sees figures that are not zero, and a tile opens the list that recounts it."""

import pytest
from django.core.management import call_command

from assessments.selectors import summaries_read, summary_has_data
from pairings.models import Pairing
from tests.e2e.test_first_visit import log_in

pytestmark = pytest.mark.e2e

# Tiles whose list counts rows one for one (people on post counts people, not stints).
COUNTED_ONE_FOR_ONE = [
    "cadres_sent",
    "talents_sent",
    "professional_person_times",
    "needs_resolved",
    "parks_agricultural",
    "parks_industrial",
    "projects",
]


def _whole(text: str) -> int | None:
    text = text.strip().replace(",", "")
    return int(text) if text.isdigit() else None


# The whole demo is loaded inside this test (a live server needs it committed);
# on a slow machine that alone can take minutes, so it gets more than the default.
@pytest.mark.timeout(600)
def test_the_leaders_landing_shows_the_latest_year_and_tiles_that_recount(
    transactional_db, live_server, page
):
    for command, *args in (
        ("load_regions",),
        ("load_indicators",),
        ("load_default_rubric", "--years", "2021-2025"),
        ("load_demo",),
    ):
        call_command(command, *args, verbosity=0)
    top = list(Pairing.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    summaries = summaries_read(top, range(2000, 2101))
    latest = max(year for (_pk, year), summary in summaries.items() if summary_has_data(summary))

    log_in(page, live_server, "leader", password="aidtrack-demo")
    page.wait_for_url("**/assessments/")
    assert page.locator("h1").inner_text().endswith(str(latest))
    tiles = {
        link.get_attribute("data-tile"): _whole(link.inner_text())
        for link in page.locator("a[data-tile]").all()
    }
    assert any(tiles.values())  # not a screen of zeros
    key = next(key for key in COUNTED_ONE_FOR_ONE if tiles.get(key))
    page.locator(f"a[data-tile='{key}']").click()
    page.wait_for_load_state()
    assert _whole(page.locator("h1 .badge").inner_text()) == tiles[key]
