"""The leader's landing on the demo: the latest year with data, figures that are not
all zero, and every tile a link to a list that recounts it (one year and 2021–2023)."""

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from assessments.selectors import summaries_read, summary_has_data
from pairings.demo import demo_load as pairings_demo_load
from tests.assessments.test_links import RECOUNT_TILE, _number, follow

pytestmark = pytest.mark.xdist_group("demo")


def _recount(client, page) -> dict:
    """Follow every tile of ``page``; each list must recount its tile. The values."""
    values = {}
    for tile in page.context["tiles"]:
        rows = follow(client, tile["url"])
        value = _number(tile["value"] or 0)
        assert RECOUNT_TILE[tile["key"]](rows) == value, (tile["key"], tile["url"])
        values[tile["key"]] = value
    assert len(follow(client, page.context["projects_url"])) == page.context["projects_total"]
    for entry in page.context["projects_by_status"]:
        assert len(follow(client, entry["url"])) == entry["count"], entry
    return values


def test_the_leaders_landing_recounts_on_the_demo(demo_loaded):
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    landing = client.get("/assessments/")
    year = landing.context["year"]
    assert year <= timezone.localdate().year
    # The latest year with data for the pairings shown, never a later one.
    shown = [row["pairing"].pk for row in landing.context["rows"]]
    summaries = summaries_read(shown, range(year, timezone.localdate().year + 1))
    with_data = {y for (_pk, y), summary in summaries.items() if summary_has_data(summary)}
    assert min(with_data) == year == max(with_data)
    values = _recount(client, landing)
    assert any(values.values())
    # Ranked pairings have data; the others show "No data" and come last.
    rows = landing.context["rows"]
    ranked = [row for row in rows if row.get("rank")]
    assert rows[: len(ranked)] == ranked
    assert [row["rank"] for row in ranked] == list(range(1, len(ranked) + 1))
    assert all(row["has_data"] for row in ranked)
    assert all(
        not row["has_data"] or row["summary"]["score"] is None for row in rows[len(ranked) :]
    )

    # The articles' period, at the top and drilled down to 中山→六盘水.
    period = client.get("/assessments/", {"year": 2023, "from": 2021})
    assert _recount(client, period)["fiscal_aid"] > 0
    zs_lps = pairings_demo_load()["zs-lps"]
    city = client.get("/assessments/", {"year": 2023, "from": 2021, "pairing": zs_lps.pk})
    city_values = _recount(client, city)
    assert city_values["cadres_sent"] > 0 and city_values["investment_in_place"] > 0
