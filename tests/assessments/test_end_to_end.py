"""From records to dashboards: every figure equals the raw rows, before and after a change.

Real deployments, projects with transactions, allocations, donations,
investments, parks, consumption support, outcome reports and needs in
中山→六盘水 (a city pairing), the county pairing below it and 天河→七星关 in
another tree. The expected figures are recomputed here in plain SQL over the
raw tables, independently of the selectors, and compared with what the
overview, the pairing page and the API show.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER
from assessments import services
from assessments.models import PairingYearSummary
from cadres.services import deployment_recall
from projects.services import report_approve
from tests.assessments.books import PREVIOUS, YEAR, refresh_everything, tree_of
from tests.funds.conftest import record

WAN = Decimal(10_000)
CENT = Decimal("0.01")
REPORTED = ("labour_transferred", "people_trained", "cadres_trained")


# --- the expected figures, from the raw tables ---------------------------------------


def scalar(sql: str, *params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def money(sql: str, *params) -> Decimal:
    return Decimal(scalar(f"SELECT COALESCE(({sql}), 0)", *params)).quantize(CENT)


def percent(part, whole) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(CENT, ROUND_HALF_UP) if whole else None


def deployments_begun(tree, year, condition: str) -> int:
    return scalar(
        "SELECT COUNT(*) FROM cadres_deployment d JOIN cadres_person p ON p.id = d.person_id "
        "WHERE d.pairing_id = ANY(%s) AND EXTRACT(YEAR FROM d.start_date) = %s "
        f"AND d.status <> 'planned' AND {condition}",
        list(tree),
        year,
    )


def raw(tree, year: int) -> dict:
    """Every figure of ``tree`` (pairing ids) for ``year``: money in yuan, counts, rates."""
    tree = list(tree)
    end = date(year, 12, 31)
    stages = {
        kind: money(
            "SELECT SUM(t.amount) FROM funds_fundtransaction t "
            "JOIN projects_project p ON p.id = t.project_id "
            "WHERE p.pairing_id = ANY(%s) AND p.year = %s AND t.kind = %s",
            tree,
            year,
            kind,
        )
        for kind in ("commitment", "expenditure")
    }
    parks = {
        kind: scalar(
            "SELECT COUNT(*) FROM funds_park WHERE pairing_id = ANY(%s) "
            "AND opened_on <= %s AND kind = %s",
            tree,
            end,
            kind,
        )
        for kind in ("agricultural", "industrial")
    }
    needs = {
        status: scalar(
            "SELECT COUNT(*) FROM projects_need WHERE pairing_id = ANY(%s) "
            f"AND EXTRACT(YEAR FROM collected_on) = %s {condition}",
            tree,
            year,
        )
        for status, condition in (("collected", ""), ("resolved", "AND status = 'resolved'"))
    }
    figures = {
        "fiscal_aid": money(
            "SELECT SUM(amount) FROM funds_fundallocation WHERE pairing_id = ANY(%s) AND year = %s",
            tree,
            year,
        ),
        "fund_execution_rate": percent(stages["expenditure"], stages["commitment"]),
        "donations": money(
            "SELECT SUM(amount) FROM funds_donation WHERE pairing_id = ANY(%s) "
            "AND EXTRACT(YEAR FROM date) = %s",
            tree,
            year,
        ),
        "cadres_sent": deployments_begun(tree, year, "p.category = 'cadre'"),
        "talents_sent": deployments_begun(
            tree, year, "p.category = 'talent' AND d.kind = 'long_term'"
        ),
        "professional_person_times": deployments_begun(tree, year, "d.kind = 'short_term'"),
        "people_on_post": scalar(
            "SELECT COUNT(DISTINCT person_id) FROM cadres_deployment WHERE pairing_id = ANY(%s) "
            "AND status <> 'planned' AND start_date <= %s "
            "AND COALESCE(actual_end_date, planned_end_date) >= %s",
            tree,
            end,
            end,
        ),
        "enterprises_invested": scalar(
            "SELECT COUNT(DISTINCT enterprise_id) FROM funds_investment "
            "WHERE pairing_id = ANY(%s) AND EXTRACT(YEAR FROM agreed_on) = %s",
            tree,
            year,
        ),
        "investment_in_place": money(
            "SELECT SUM(t.amount) FROM funds_investmenttranche t "
            "JOIN funds_investment i ON i.id = t.investment_id "
            "WHERE i.pairing_id = ANY(%s) AND EXTRACT(YEAR FROM t.date) = %s",
            tree,
            year,
        ),
        "parks_agricultural": parks["agricultural"],
        "parks_industrial": parks["industrial"],
        "parks_built": parks["agricultural"] + parks["industrial"],
        "consumption_support": money(
            "SELECT SUM(amount) FROM funds_consumptionsupport "
            "WHERE pairing_id = ANY(%s) AND year = %s",
            tree,
            year,
        ),
        "projects_completed": scalar(
            "SELECT COUNT(*) FROM projects_project WHERE pairing_id = ANY(%s) "
            "AND status IN ('completed', 'accepted') AND EXTRACT(YEAR FROM actual_end_date) = %s",
            tree,
            year,
        ),
        "projects_by_status": dict(
            rows(
                "SELECT status, COUNT(*) FROM projects_project "
                "WHERE pairing_id = ANY(%s) AND year = %s GROUP BY status",
                tree,
                year,
            )
        ),
        "needs_collected": needs["collected"],
        "needs_resolved": needs["resolved"],
        "needs_resolution_rate": percent(needs["resolved"], needs["collected"]),
    }
    for code in REPORTED:
        figures[code] = money(
            "SELECT SUM(r.value) FROM projects_outcomereport r "
            "JOIN projects_indicator i ON i.id = r.indicator_id "
            "LEFT JOIN projects_project p ON p.id = r.project_id "
            "WHERE i.code = %s AND r.status = 'approved' AND r.year = %s "
            "AND (r.pairing_id = ANY(%s) OR p.pairing_id = ANY(%s))",
            code,
            year,
            tree,
            tree,
        )
    return figures


def rows(sql: str, *params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def distinct_enterprises(tree, years) -> int:
    return scalar(
        "SELECT COUNT(DISTINCT enterprise_id) FROM funds_investment "
        "WHERE pairing_id = ANY(%s) AND EXTRACT(YEAR FROM agreed_on) = ANY(%s)",
        list(tree),
        list(years),
    )


MONEY_INDICATORS = ("fiscal_aid", "donations", "investment_in_place", "consumption_support")


def in_indicator_units(figures: dict) -> dict:
    """The raw figures as the rubric's indicators state them: money in 万元."""
    return {
        code: (value / WAN).quantize(CENT) if code in MONEY_INDICATORS else value
        for code, value in figures.items()
    }


# What the overview's tiles show, by tile key → raw figure (yuan, counts).
TILE_FIGURES = {
    "fiscal_aid": "fiscal_aid",
    "people_on_post": "people_on_post",
    "cadres_sent": "cadres_sent",
    "talents_sent": "talents_sent",
    "professional_person_times": "professional_person_times",
    "enterprises": "enterprises_invested",
    "investment_in_place": "investment_in_place",
    "parks_agricultural": "parks_agricultural",
    "parks_industrial": "parks_industrial",
    "consumption": "consumption_support",
    "labour_transferred": "labour_transferred",
    "needs_resolved": "needs_resolved",
}


def signed_in(world, role=LEADER) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


def page_figures(client, pairing, year=YEAR) -> dict:
    page = client.get(f"/assessments/pairing/{pairing.pk}/", {"year": year})
    assert page.status_code == 200
    return {
        (figure["code"], figure["method"]): figure for figure in page.context["summary"]["figures"]
    }


def overview_tiles(client, **params) -> dict:
    page = client.get("/assessments/", {"year": YEAR, **params})
    assert page.status_code == 200
    tiles = {tile["key"]: tile["value"] for tile in page.context["tiles"]}
    tiles["projects_by_status"] = {
        entry["status"]: entry["count"] for entry in page.context["projects_by_status"]
    }
    return tiles


def nonzero(counts: dict) -> dict:
    return {status: count for status, count in counts.items() if count}


def assert_pairing_page_matches(client, world, key, year=YEAR):
    pairing = world.pairings[key]
    expected = in_indicator_units(raw(tree_of(world, key), year))
    previous = in_indicator_units(raw(tree_of(world, key), year - 1))
    figures = page_figures(client, pairing, year)
    assert figures, "the rubric scores something"
    for (code, _method), figure in figures.items():
        assert figure["actual"] == expected[code], (key, code)
        assert figure["previous"] == previous[code], (key, code, "previous year")
        if figure["target"]:
            completion = (figure["actual"] * 100 / figure["target"]).quantize(CENT, ROUND_HALF_UP)
            assert figure["completion"] == completion, code
    summary = PairingYearSummary.objects.get(pairing=pairing, year=year)
    assert summary.score == sum(figure["points"] for figure in figures.values())
    return figures


def assert_tiles_match(tiles: dict, expected: dict):
    for tile, figure in TILE_FIGURES.items():
        assert tiles[tile] == expected[figure], tile
    assert nonzero(tiles["projects_by_status"]) == expected["projects_by_status"]


# --- every figure equals the raw rows ------------------------------------------------------


def test_the_records_are_what_the_figures_are_about(books):
    """The fixture's records give distinct, non-trivial figures (else the checks prove little)."""
    city = raw(tree_of(books, "zs-lps"), YEAR)
    assert city["fiscal_aid"] == Decimal("180000000.00")
    assert city["fund_execution_rate"] == Decimal("50.00")  # 35M of 70M
    assert (city["cadres_sent"], city["talents_sent"], city["professional_person_times"]) == (
        2,
        1,
        2,
    )
    assert city["people_on_post"] == 4
    assert city["enterprises_invested"] == 2
    assert city["labour_transferred"] == Decimal("4000.00")
    assert city["projects_completed"] == 2
    assert (city["needs_collected"], city["needs_resolved"]) == (3, 2)
    assert city != raw(tree_of(books, "zsg-sc"), YEAR)


@pytest.mark.parametrize("key", ["zs-lps", "zsg-sc", "th-xqg", "gd-gz"])
def test_pairing_page_figures_equal_the_raw_rows(books, key):
    figures = assert_pairing_page_matches(signed_in(books), books, key)
    # Every computed indicator is on the page, and the reported ones the rubric scores.
    assert {code for code, _method in figures} >= {
        "fiscal_aid",
        "fund_execution_rate",
        "donations",
        "cadres_sent",
        "talents_sent",
        "professional_person_times",
        "enterprises_invested",
        "investment_in_place",
        "parks_built",
        "consumption_support",
        "projects_completed",
        "needs_resolved",
        "needs_resolution_rate",
        *REPORTED,
    }


def test_overview_tiles_equal_the_raw_rows(books):
    client = signed_in(books)
    assert_tiles_match(
        overview_tiles(client, pairing=books.pairings["zs-lps"].pk),
        raw(tree_of(books, "zs-lps"), YEAR),
    )
    # The top level: the province pairing's tree, 天河→七星关 included.
    assert_tiles_match(overview_tiles(client), raw(tree_of(books, "gd-gz"), YEAR))


def test_overview_over_two_years_adds_flows_and_counts_enterprises_once(books):
    tiles = overview_tiles(signed_in(books), pairing=books.pairings["zs-lps"].pk, **{"from": 2022})
    tree = tree_of(books, "zs-lps")
    both = [raw(tree, year) for year in (PREVIOUS, YEAR)]
    for tile in ("fiscal_aid", "cadres_sent", "investment_in_place", "consumption"):
        assert tiles[tile] == sum(figures[TILE_FIGURES[tile]] for figures in both), tile
    # Stocks at the end of the period.
    assert tiles["people_on_post"] == both[1]["people_on_post"]
    assert tiles["parks_agricultural"] == both[1]["parks_agricultural"] == 2
    # Enterprise 1 agreed in both years: two enterprises, not three.
    assert sum(figures["enterprises_invested"] for figures in both) == 3
    assert tiles["enterprises"] == distinct_enterprises(tree, (PREVIOUS, YEAR)) == 2


def test_ranking_rows_show_each_pairing_score_and_grade(books):
    page = signed_in(books).get(
        "/assessments/", {"year": YEAR, "pairing": books.pairings["gd-gz"].pk}
    )
    for row in page.context["rows"]:
        summary = PairingYearSummary.objects.get(pairing=row["pairing"], year=YEAR)
        assert (row["summary"]["score"], row["summary"]["grade"]) == (summary.score, summary.grade)
    assert [row["summary"]["score"] for row in page.context["rows"]] == sorted(
        (row["summary"]["score"] for row in page.context["rows"]), reverse=True
    )


def test_api_figures_equal_the_raw_rows(books):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {books.token(LEADER)}")
    response = api.get(
        "/api/v1/assessments/", {"year": YEAR, "pairing": books.pairings["zs-lps"].pk}
    )
    assert response.status_code == 200
    results = {row["pairing"]: row for row in response.json()["results"]}
    assert set(results) == set(tree_of(books, "zs-lps"))
    for key in ("zs-lps", "zsg-sc"):
        row = results[books.pairings[key].pk]
        expected = raw(tree_of(books, key), YEAR)
        in_units = in_indicator_units(expected)
        for figure in row["indicators"]:
            actual = None if figure["actual"] is None else Decimal(figure["actual"])
            assert actual == in_units[figure["code"]], (key, figure["code"])
        assert Decimal(row["tiles"]["fiscal_aid"]) == expected["fiscal_aid"]
        assert row["tiles"]["people_on_post"] == expected["people_on_post"]
        assert Decimal(row["score"]) == sum(Decimal(f["points"]) for f in row["indicators"])
        assert row["refreshed_at"] and not row["refresh_failed"]


# --- after a change: stale until the refresh after the commit, then right again ----------


def change_records(books):
    """A new expenditure, an approved report, a deployment ended early."""
    record(books.road, "expenditure", "5000000", date(YEAR, 11, 1), user=books.user(ADMIN))
    report_approve(books.pending_report, user=books.user(ADMIN))
    deployment_recall(books.cadre, on=date(YEAR, 6, 30), reason="病休")


def test_a_change_is_stale_until_the_refresh_after_commit(
    books, django_capture_on_commit_callbacks, monkeypatch
):
    client = signed_in(books, COORDINATOR)
    city = books.pairings["zs-lps"]
    tree = tree_of(books, "zs-lps")
    before = raw(tree, YEAR)
    page_before = page_figures(client, city)
    refreshed = []
    refresh = services.assessment_refresh_set

    def counting_refresh(*, pairing_ids, years):
        refreshed.extend((pk, year) for pk in pairing_ids for year in years)
        return refresh(pairing_ids=pairing_ids, years=years)

    monkeypatch.setattr(services, "assessment_refresh_set", counting_refresh)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        change_records(books)
        after = raw(tree, YEAR)
        # The records changed …
        assert after["fund_execution_rate"] == Decimal("57.14")  # 40M of 70M
        assert after["labour_transferred"] == before["labour_transferred"] + 999
        assert after["people_on_post"] == before["people_on_post"] - 1
        # … the dashboards not yet: nothing is refreshed before the commit.
        assert refreshed == []
        assert page_figures(client, city) == page_before
        assert overview_tiles(client, pairing=city.pk)["people_on_post"] == before["people_on_post"]

    assert callbacks, "the changes queued a refresh for after the commit"
    # After it, the summaries of the pairing and those above it are right again …
    assert_pairing_page_matches(client, books, "zs-lps")
    assert_tiles_match(overview_tiles(client, pairing=city.pk), after)
    assert_tiles_match(overview_tiles(signed_in(books)), raw(tree_of(books, "gd-gz"), YEAR))
    # … each refreshed once for the three changes (debounced), and the other tree not at all.
    assert refreshed.count((city.pk, YEAR)) == 1
    assert refreshed.count((books.pairings["gd-gz"].pk, YEAR)) == 1
    assert {pid for pid, _year in refreshed}.isdisjoint(
        {books.pairings["gz-bj"].pk, books.pairings["th-xqg"].pk}
    )


def test_a_change_in_the_county_refreshes_the_city_above(
    books, ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ledger.report("labour_transferred", YEAR, 250, month=9, pairing=books.pairings["zsg-sc"])
    client = signed_in(books)
    for key in ("zsg-sc", "zs-lps", "gd-gz"):
        assert_pairing_page_matches(client, books, key)


# --- the dashboards answer from summaries ---------------------------------------------------


def grow(books, ledger, count: int):
    """``count`` more projects in the city, each with its money moved."""
    city = books.pairings["zs-lps"]
    ledger.allocation(city, YEAR, str(3_000_000 * count))
    for _ in range(count):
        ledger.project(city, YEAR, committed="3000000", disbursed="2000000", spent="1000000")


def test_dashboard_query_counts_do_not_grow_with_projects_and_transactions(books, ledger):
    client = signed_in(books)
    city = books.pairings["zs-lps"]
    urls = [
        f"/assessments/?year={YEAR}",
        f"/assessments/?year={YEAR}&pairing={city.pk}",
        f"/assessments/?year={YEAR}&from={PREVIOUS}&pairing={city.pk}",
        f"/assessments/pairing/{city.pk}/?year={YEAR}",
    ]

    def counts():
        for url in urls:
            client.get(url)  # warm the cache, as any earlier visit would
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    few = counts()
    grow(books, ledger, 12)
    refresh_everything(books)
    many = counts()
    assert many == few
    tiles = overview_tiles(client, pairing=city.pk)
    by_status = raw(tree_of(books, "zs-lps"), YEAR)["projects_by_status"]
    assert nonzero(tiles["projects_by_status"]) == by_status
    assert sum(by_status.values()) == 4 + 12
