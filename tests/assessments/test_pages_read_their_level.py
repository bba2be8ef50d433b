"""The dashboards read the level they show, never every pairing in scope.

Nationally there are two thousand pairings; the overview of a province shows
its thirty cities. Each page is checked by the pairings it loads (every
``Pairing`` instance built during the request) and its query count.
"""

from contextlib import contextmanager

from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext

from aidtrack.core.testing import COORDINATOR, LEADER
from pairings.models import Pairing
from tests.assessments import test_dashboards
from tests.assessments.test_dashboards import YEAR, browser, overview

dashboards = test_dashboards.dashboards  # the fixture, with its shared layer


@contextmanager
def pairings_loaded():
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=Pairing)
    try:
        yield loaded
    finally:
        post_init.disconnect(count, sender=Pairing)


def test_the_overview_loads_only_the_level_it_shows(dashboards):
    client = browser(dashboards, LEADER)
    p = dashboards.pairings
    overview(client)  # warm the caches
    with pairings_loaded() as loaded, CaptureQueriesContext(connection) as top_queries:
        top = overview(client)
    assert [row["pairing"] for row in top.context["rows"]] == [p["gd-gz"]]
    assert {pairing.pk for pairing in loaded} == {p["gd-gz"].pk}
    assert top.context["rows"][0]["children"] == 2

    overview(client, pairing=p["zs-lps"].pk)
    with pairings_loaded() as loaded, CaptureQueriesContext(connection) as city_queries:
        city = overview(client, pairing=p["zs-lps"].pk)
    assert [row["pairing"] for row in city.context["rows"]] == [p["zsg-sc"]]
    assert city.context["breadcrumbs"] == [p["gd-gz"], p["zs-lps"]]
    # The parent, the breadcrumb above it and the one row: not the other city's tree.
    assert {pairing.pk for pairing in loaded} == {p["gd-gz"].pk, p["zs-lps"].pk, p["zsg-sc"].pk}
    # Drilled in, one more query: the parent with the pairings above it.
    assert len(city_queries) == len(top_queries) + 1


def test_a_coordinators_top_level_is_their_scope(dashboards):
    client = browser(dashboards, COORDINATOR)
    with pairings_loaded() as loaded:
        top = overview(client)
    assert [row["pairing"] for row in top.context["rows"]] == [dashboards.pairings["zs-lps"]]
    assert {pairing.pk for pairing in loaded} == {dashboards.pairings["zs-lps"].pk}


def test_the_overview_links_its_level_to_the_comparison(dashboards):
    page = overview(browser(dashboards, LEADER), pairing=dashboards.pairings["gd-gz"].pk)
    url = page.context["compare_url"]
    assert url.startswith("/assessments/compare/?year=")
    for key in ("zs-lps", "gz-bj"):
        assert f"pairing={dashboards.pairings[key].pk}" in url


def test_the_comparison_picker_lists_the_neighbourhood_not_every_pairing(dashboards):
    client = browser(dashboards, LEADER)
    p = dashboards.pairings
    params = {"year": YEAR, "pairing": [p["zs-lps"].pk, p["gz-bj"].pk]}
    client.get("/assessments/compare/", params)
    with pairings_loaded() as loaded, CaptureQueriesContext(connection) as queries:
        page = client.get("/assessments/compare/", params)
    assert len(page.context["columns"]) == 2
    options = {
        int(value) for value, _label in page.context["form"].fields["pairing"].widget.choices
    }
    # The chosen, their siblings (none other), their parent's level and the pairings below.
    assert options == {p[key].pk for key in ("zs-lps", "gz-bj", "zsg-sc", "th-xqg")}
    assert {pairing.pk for pairing in loaded} <= options
    before = len(queries)
    counties = {"year": YEAR, "pairing": [p["zsg-sc"].pk, p["th-xqg"].pk]}
    client.get("/assessments/compare/", counties)  # their summaries into the cache
    with CaptureQueriesContext(connection) as queries:
        client.get("/assessments/compare/", counties)
    assert len(queries) == before
    # Before anything is chosen: the top level of the scope.
    empty = client.get("/assessments/compare/")
    options = {
        int(value) for value, _label in empty.context["form"].fields["pairing"].widget.choices
    }
    assert options == {p["gd-gz"].pk}
