"""A leader's first look: the year every dashboard opens on, pairings without data,
tiles that link to the lists recounting them over a period, the export of the
period shown, and the pages that explain a score and a grade."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER
from aidtrack.core.years import default_year, year_asked, years_with_data
from assessments.models import OfficialGrade, Rubric
from assessments.services import rubric_load_default
from tests.assessments.books import PREVIOUS, YEAR
from tests.assessments.test_links import RECOUNT_TILE, _number, follow

THIS_YEAR = timezone.localdate().year


def client_of(world, role) -> Client:
    client = Client()
    client.force_login(world.user(role))
    return client


# --- one rule for the year ------------------------------------------------------------


def test_the_rule_is_the_latest_year_with_data_never_one_to_come(books, ledger):
    city = books.pairings["zs-lps"]
    assert years_with_data([city.pk]) == {PREVIOUS, YEAR}
    assert default_year([city.pk]) == YEAR
    # Money recorded for a year to come does not move the dashboards there.
    ledger.allocation(city, THIS_YEAR + 1, "1000000")
    assert default_year([city.pk]) == YEAR
    # Nothing anywhere: the current year.
    assert default_year([]) == THIS_YEAR
    assert year_asked("2022", YEAR) == 2022
    assert year_asked("x", YEAR) == year_asked("99999", YEAR) == YEAR


def test_the_rule_looks_at_the_newest_years_first_and_back_to_any(world, ledger):
    """Newest years first (cheap at national scale), and still every year back."""
    city = world.pairings["zs-lps"]
    ledger.allocation(city, THIS_YEAR - 5, "1000000")
    assert years_with_data([city.pk], after=THIS_YEAR - 4) == set()
    assert default_year([city.pk]) == THIS_YEAR - 5
    ledger.allocation(city, THIS_YEAR - 2, "1000000")
    assert years_with_data([city.pk], after=THIS_YEAR - 4) == {THIS_YEAR - 2}
    assert default_year([city.pk]) == THIS_YEAR - 2
    ledger.project(world.pairings["zsg-sc"], THIS_YEAR)  # below the city
    assert years_with_data([city.pk], after=THIS_YEAR - 1) == {THIS_YEAR}
    assert default_year([city.pk]) == THIS_YEAR


def test_every_dashboard_and_tab_opens_on_the_latest_year_with_data(books):
    # A rubric for this year does not make it the year shown: it has no data.
    rubric_load_default(year=THIS_YEAR)
    leader, coordinator = client_of(books, LEADER), client_of(books, COORDINATOR)
    city = books.pairings["zs-lps"]
    overview = leader.get("/assessments/")
    assert overview.context["year"] == YEAR
    assert THIS_YEAR in overview.context["years"]  # still offered
    assert leader.get(f"/assessments/pairing/{city.pk}/").context["year"] == YEAR
    hub = coordinator.get(f"/pairings/pairings/{city.pk}/?tab=assessment")
    assert hub.context["assessment_year"] == YEAR
    funds = coordinator.get(f"/pairings/pairings/{city.pk}/?tab=funds")
    assert funds.context["funds_year"] == YEAR
    compare = leader.get("/assessments/compare/")
    assert compare.context["form"].initial["year"] == [YEAR]
    # Pairings without a year: the rule's year is added.
    both = leader.get("/assessments/compare/", {"pairing": [city.pk, books.pairings["gz-bj"].pk]})
    assert {column["year"] for column in both.context["columns"]} == {YEAR}
    # A year asked for is shown as asked.
    assert leader.get("/assessments/", {"year": PREVIOUS}).context["year"] == PREVIOUS


def test_a_pairing_opens_on_its_own_latest_year(books, ledger):
    """The rule looks at the pairings in view: 天河→七星关 had nothing in 2022."""
    other = books.pairings["th-xqg"]
    assert years_with_data([other.pk]) == {YEAR}
    assert default_year([books.pairings["zsg-sc"].pk]) == YEAR


# --- no data ---------------------------------------------------------------------------


def test_pairings_without_data_show_no_data_and_are_not_ranked(books):
    """In 2022 广州→毕节 recorded nothing: not "0 较差", and out of the ranking."""
    page = client_of(books, LEADER).get(
        "/assessments/", {"year": PREVIOUS, "pairing": books.pairings["gd-gz"].pk}
    )
    rows = {row["pairing"].pk: row for row in page.context["rows"]}
    city, empty = rows[books.pairings["zs-lps"].pk], rows[books.pairings["gz-bj"].pk]
    assert city["has_data"] and city["rank"] == 1
    assert empty["summary"] is not None  # computed, with nothing in it
    assert not empty["has_data"] and "rank" not in empty
    assert page.context["rows"][-1] is empty
    assert str(books.pairings["gz-bj"]) not in page.context["chart_data"]["ranking"]["names"]
    html = page.content.decode()
    assert html.count('class="text-end text-muted no-data"') == 1


def test_the_comparison_shows_no_data_too(books):
    city, empty = books.pairings["zs-lps"], books.pairings["gz-bj"]
    page = client_of(books, LEADER).get(
        "/assessments/compare/", {"pairing": [city.pk, empty.pk], "year": PREVIOUS}
    )
    has_data = {column["pairing"]: column["has_data"] for column in page.context["columns"]}
    assert has_data == {city: True, empty: False}
    assert 'class="text-muted no-data"' in page.content.decode()


def test_a_pairing_dashboard_without_data_says_so(books):
    page = client_of(books, LEADER).get(
        f"/assessments/pairing/{books.pairings['gz-bj'].pk}/", {"year": PREVIOUS}
    )
    assert page.context["has_data"] is False
    assert 'class="alert alert-secondary no-data"' in page.content.decode()


# --- every tile is a link that recounts, over a period too ----------------------------


def _tiles(page) -> dict:
    return {tile["key"]: tile for tile in page.context["tiles"]}


def _recount_tiles(client, page):
    followed = set()
    for key, tile in _tiles(page).items():
        assert tile["url"], key
        rows = follow(client, tile["url"])
        assert RECOUNT_TILE[key](rows) == _number(tile["value"] or 0), (key, tile["url"])
        followed.add(key)
    rows = follow(client, page.context["projects_url"])
    assert len(rows) == page.context["projects_total"]
    for entry in page.context["projects_by_status"]:
        assert len(follow(client, entry["url"])) == entry["count"], entry
    return followed


@pytest.mark.parametrize("role", [LEADER, COORDINATOR])
def test_overview_tiles_over_a_period_link_to_lists_that_recount_them(books, role):
    client = client_of(books, role)
    page = client.get("/assessments/", {"year": YEAR, "from": PREVIOUS})
    assert page.context["period"] == [PREVIOUS, YEAR]
    followed = _recount_tiles(client, page)
    assert "fiscal_aid" in followed and "people_on_post" in followed
    fiscal = parse_qs(urlsplit(_tiles(page)["fiscal_aid"]["url"]).query)
    assert fiscal["from_year"] == [str(PREVIOUS)] and fiscal["year"] == [str(YEAR)]
    # A stock counts at the end of the period: no range.
    assert "from_year" not in _tiles(page)["people_on_post"]["url"]


def test_drilled_down_and_single_year_tiles_recount(books):
    client = client_of(books, ADMIN)
    city = books.pairings["zs-lps"]
    for params in ({"year": YEAR}, {"year": YEAR, "from": PREVIOUS}):
        page = client.get("/assessments/", {**params, "pairing": city.pk})
        _recount_tiles(client, page)
        assert f"pairing={city.pk}" in _tiles(page)["cadres_sent"]["url"]
    pairing_page = client.get(f"/assessments/pairing/{city.pk}/", {"year": YEAR})
    _recount_tiles(client, pairing_page)


def test_the_period_keeps_each_years_own_rows(books):
    """``from_year`` applies the year filter's own rule to each year: 2022's money,
    2023's projects completed (a 2022 project finished in 2023 counts in 2023)."""
    client = client_of(books, ADMIN)
    city = books.pairings["zs-lps"].pk
    both = follow(client, f"/funds/allocations/?pairing={city}&from_year={PREVIOUS}&year={YEAR}")
    single = [
        follow(client, f"/funds/allocations/?pairing={city}&year={year}")
        for year in (PREVIOUS, YEAR)
    ]
    assert sorted(row.pk for row in both) == sorted(row.pk for rows in single for row in rows)
    completed = follow(
        client, f"/projects/projects/?pairing={city}&from_year={PREVIOUS}&completed_in={YEAR}"
    )
    assert len(completed) == 2
    refused = client.get(f"/funds/allocations/?from_year=0&year={YEAR}")
    assert refused.context["filterset"].errors


def test_the_api_takes_the_same_range(books):
    """The lists' filters serve the API too: ``from_year`` there, and bounded."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {books.token(LEADER)}")
    city = books.pairings["zs-lps"].pk
    both = api.get(
        "/api/v1/deployments/", {"pairing": city, "from_year": PREVIOUS, "start_year": YEAR}
    )
    one = api.get("/api/v1/deployments/", {"pairing": city, "start_year": YEAR})
    assert both.status_code == one.status_code == 200
    assert len(both.json()["results"]) == len(one.json()["results"]) + 1  # 2022's cadre
    assert api.get("/api/v1/deployments/", {"from_year": 99999}).status_code == 400


# --- the export covers the period shown -----------------------------------------------


def test_the_export_covers_every_year_of_the_period(books):
    client = client_of(books, LEADER)
    city = books.pairings["zs-lps"]
    overview = client.get("/assessments/", {"year": YEAR, "from": PREVIOUS, "pairing": city.pk})
    assert f"from={PREVIOUS}" in overview.content.decode()
    response = client.get(
        "/assessments/export/", {"year": YEAR, "from": PREVIOUS, "pairing": city.pk, "below": 1}
    )
    assert response.status_code == 200
    assert f"assessment-{PREVIOUS}-{YEAR}.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    county = books.pairings["zsg-sc"]
    titles = [f"{year} {pairing}" for year in (PREVIOUS, YEAR) for pairing in (city, county)]
    assert workbook.sheetnames[:4] == [title[:31] for title in titles]
    rubrics = workbook.sheetnames[4:]  # each year's rubric
    assert [title.rsplit(" ", 1)[-1] for title in rubrics] == [str(PREVIOUS), str(YEAR)]
    assert workbook[workbook.sheetnames[0]]["B2"].value == PREVIOUS
    # One year: as before, one sheet per pairing and the rubric.
    single = client.get("/assessments/export/", {"year": YEAR, "pairing": city.pk})
    assert len(load_workbook(io.BytesIO(single.content)).sheetnames) == 2


# --- how a score is made; why a grade differs -----------------------------------------


def test_the_scoring_page_explains_the_rubric_and_is_linked(books):
    client = client_of(books, LEADER)
    page = client.get("/assessments/scoring/")
    assert page.status_code == 200
    assert page.context["year"] == YEAR
    rubric = Rubric.objects.get(year=YEAR)
    assert len(page.context["items"]) == rubric.items.count()
    assert page.context["total_weight"] == sum(item.weight for item in rubric.items.all())
    fiscal = next(e for e in page.context["items"] if e["item"].indicator.code == "fiscal_aid")
    assert fiscal["computed"] and fiscal["origin_url"] == f"/funds/allocations/?year={YEAR}"
    labour = next(
        e for e in page.context["items"] if e["item"].indicator.code == "labour_transferred"
    )
    assert not labour["computed"] and "status=approved" in labour["origin_url"]
    assert list(page.context["thresholds"])
    for url in ("/assessments/", f"/assessments/pairing/{books.pairings['zs-lps'].pk}/"):
        assert f"/assessments/scoring/?year={YEAR}" in client.get(url).content.decode()


def test_the_dashboard_says_why_the_computed_grade_differs_from_the_official(books):
    city = books.pairings["zs-lps"]
    OfficialGrade.objects.create(
        pairing=city, year=YEAR, level="national", grade="好", document_reference="通报〔2024〕1号"
    )
    page = client_of(books, LEADER).get(f"/assessments/pairing/{city.pk}/", {"year": YEAR})
    summary = page.context["summary"]
    assert summary["grade"] != "好"
    assert [grade.grade for grade in page.context["official_differs"]] == ["好"]
    below = page.context["below_target"]
    assert below and all(figure["points"] < figure["weight"] for figure in below)
    assert [figure["lost"] for figure in below] == sorted(
        (figure["lost"] for figure in below), reverse=True
    )
    html = page.content.decode()
    assert "grade-differs" in html and "通报〔2024〕1号" in html
    # The same grade: nothing to explain.
    OfficialGrade.objects.filter(pairing=city).update(grade=summary["grade"])
    again = client_of(books, LEADER).get(f"/assessments/pairing/{city.pk}/", {"year": YEAR})
    assert again.context["official_differs"] == []
