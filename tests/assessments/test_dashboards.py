"""Dashboards, export, hub tab and API: what they show, to whom, and at what cost."""

import io
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN, COORDINATOR, LEADER
from assessments.models import OfficialGrade, PairingYearSummary
from assessments.selectors import summaries_read
from assessments.services import assessment_refresh, rubric_load_default
from cadres.models import Deployment
from tests import shared
from tests.assessments.conftest import ASSESSED_YEAR, Ledger, agreement_targets
from tests.cadres.test_deployments import make_deployment

YEAR = ASSESSED_YEAR


@shared.layer("dashboards")
def _dashboards_layer(state):
    ledger = Ledger(state["world"])
    state["dashboards"] = build_dashboards(state["world"], ledger)
    state["ledger"] = ledger


@pytest.fixture
def dashboards(shared_state, world, indicators, ledger):
    """Summaries for every pairing of the world, with figures and an official grade;
    a shared layer (tests/shared.py)."""
    if shared_state is not None and "dashboards" in shared_state:
        return shared_state["dashboards"]
    return build_dashboards(world, ledger)


def build_dashboards(world, ledger):
    rubric_load_default(year=YEAR)
    zs_lps = world.pairings["zs-lps"]
    ledger.allocation(zs_lps, YEAR, "150000000")
    ledger.project(zs_lps, YEAR, committed="100", disbursed="80", spent="80")
    ledger.allocation(world.pairings["th-xqg"], YEAR, "20000000")
    agreement_targets(zs_lps, YEAR, fiscal_aid=10000)
    agreement_targets(world.pairings["gz-bj"], YEAR, fiscal_aid=10000)
    OfficialGrade.objects.create(
        pairing=zs_lps,
        year=YEAR,
        level="national",
        grade="好",
        document_reference="通报〔2024〕1号",
    )
    refresh_all(world)
    return world


def refresh_all(world):
    for pairing in world.pairings.values():
        assessment_refresh(pairing=pairing, year=YEAR)


def browser(world, role):
    from django.test import Client

    client = Client()
    client.force_login(world.user(role))
    return client


def overview(client, **params):
    return client.get("/assessments/", {"year": YEAR, **params})


# --- overview and drill-down ---------------------------------------------------------


def test_overview_drills_down_province_city_county(dashboards):
    client = browser(dashboards, LEADER)
    top = overview(client)
    assert top.status_code == 200
    assert [row["pairing"] for row in top.context["rows"]] == [dashboards.pairings["gd-gz"]]
    province = overview(client, pairing=dashboards.pairings["gd-gz"].pk)
    ranked = [row["pairing"] for row in province.context["rows"]]
    # 中山→六盘水 scores 12 × 120 % for fiscal aid; 广州→毕节 0 against its target.
    assert ranked == [dashboards.pairings["zs-lps"], dashboards.pairings["gz-bj"]]
    assert list(province.context["breadcrumbs"]) == [dashboards.pairings["gd-gz"]]
    city = overview(client, pairing=dashboards.pairings["gz-bj"].pk)
    assert [row["pairing"] for row in city.context["rows"]] == [dashboards.pairings["th-xqg"]]
    tiles = {tile["key"]: tile["value"] for tile in province.context["tiles"]}
    assert tiles["fiscal_aid"] == D(170_000_000)  # the province's tree: 1.5亿 + 0.2亿


def test_overview_rows_show_computed_and_official_grades(dashboards):
    page = overview(browser(dashboards, LEADER), pairing=dashboards.pairings["gd-gz"].pk)
    row = page.context["rows"][0]
    assert row["summary"]["grade"] and row["official"]["national"].grade == "好"
    assert "通报〔2024〕1号" in page.content.decode()


def test_coordinator_sees_only_their_pairings(dashboards):
    client = browser(dashboards, COORDINATOR)
    top = overview(client)
    assert [row["pairing"] for row in top.context["rows"]] == [dashboards.pairings["zs-lps"]]
    assert overview(client, pairing=dashboards.pairings["gz-bj"].pk).status_code == 404
    assert overview(client, pairing=dashboards.pairings["gd-gz"].pk).status_code == 404
    outside = dashboards.out_of_scope_pairing
    assert client.get(f"/assessments/pairing/{outside.pk}/").status_code == 404
    assert client.post(f"/assessments/pairing/{outside.pk}/refresh/").status_code == 404
    assert client.get("/assessments/export/", {"pairing": outside.pk}).status_code == 404
    inside = client.get(f"/assessments/pairing/{dashboards.in_scope_pairing.pk}/")
    assert inside.status_code == 200


def test_pages_read_summaries_through_the_cache(dashboards, django_assert_num_queries):
    ids = [pairing.pk for pairing in dashboards.pairings.values()]
    with django_assert_num_queries(1):
        first = summaries_read(ids, [YEAR])
    with django_assert_num_queries(0):
        assert summaries_read(ids, [YEAR]) == first
    # A refresh forgets the cached copy of what it rewrote, and only that.
    assessment_refresh(pairing=dashboards.pairings["th-xqg"], year=YEAR)
    with django_assert_num_queries(1):
        summaries_read(ids, [YEAR])


def test_pairing_page_query_count_is_constant(dashboards):
    client = browser(dashboards, COORDINATOR)
    # The current year's page: only it lists the terms ending soon.
    today = date.today()
    url = f"/assessments/pairing/{dashboards.pairings['zs-lps'].pk}/?year={today.year}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(6):
        make_deployment(
            dashboards,
            index=index,
            start_date=today - timedelta(days=200),
            planned_end_date=today + timedelta(days=10 + index),
        )
    Deployment.objects.update(status="on_post")
    client.get(url)  # the new people's organisations moved the scope mark: read again, once
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert len(page.context["ending"]) == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- pairing page, refresh, comparison ----------------------------------------------


def test_pairing_page_shows_indicators_grades_and_links(dashboards):
    zs_lps = dashboards.pairings["zs-lps"]
    page = browser(dashboards, LEADER).get(f"/assessments/pairing/{zs_lps.pk}/?year={YEAR}")
    assert page.status_code == 200
    summary = page.context["summary"]
    fiscal = next(f for f in summary["figures"] if f["code"] == "fiscal_aid")
    assert fiscal["actual"] == D("15000.00") and fiscal["completion"] == D("150.00")
    assert page.context["official"]["national"].grade == "好"
    assert not page.context["can_refresh"]
    body = page.content.decode()
    assert "echarts.min.js" in body and 'id="chart-data"' in body
    assert "assessments.css" in body


def test_leaders_change_nothing(dashboards):
    client = browser(dashboards, LEADER)
    zs_lps = dashboards.pairings["zs-lps"]
    assert client.post(f"/assessments/pairing/{zs_lps.pk}/refresh/").status_code == 403
    assert client.post("/assessments/officialgrades/add/", {}).status_code == 403
    assert client.post("/assessments/rubrics/add/", {"year": 2030, "name": "x"}).status_code == 403


def test_coordinators_refresh_their_pairings(dashboards, ledger):
    client = browser(dashboards, COORDINATOR)
    zs_lps = dashboards.pairings["zs-lps"]
    ledger.allocation(zs_lps, YEAR, "30000000")  # not refreshed yet: no commit in a test
    before = client.get(f"/assessments/pairing/{zs_lps.pk}/", {"year": YEAR})
    assert before.context["can_refresh"]
    fiscal = next(f for f in before.context["summary"]["figures"] if f["code"] == "fiscal_aid")
    assert fiscal["actual"] == D("15000.00")
    response = client.post(f"/assessments/pairing/{zs_lps.pk}/refresh/?year={YEAR}")
    assert response.status_code == 302
    page = client.get(response.url)
    fiscal = next(f for f in page.context["summary"]["figures"] if f["code"] == "fiscal_aid")
    assert fiscal["actual"] == D("18000.00")


def test_comparison_puts_pairings_and_years_side_by_side(dashboards):
    client = browser(dashboards, LEADER)
    zs_lps, gz_bj = dashboards.pairings["zs-lps"], dashboards.pairings["gz-bj"]
    page = client.get("/assessments/compare/", {"pairing": [zs_lps.pk, gz_bj.pk], "year": YEAR})
    # In display order (by the sides' division codes): 广州 440100 before 中山 442000.
    assert [(c["pairing"], c["year"]) for c in page.context["columns"]] == [
        (gz_bj, YEAR),
        (zs_lps, YEAR),
    ]
    fiscal = next(row for row in page.context["rows"] if row["figure"]["code"] == "fiscal_aid")
    assert [cell["actual"] for cell in fiscal["cells"]] == [D("2000.00"), D("15000.00")]
    alone = client.get("/assessments/compare/", {"pairing": [zs_lps.pk], "year": YEAR})
    assert alone.context["columns"] == [] and alone.context["form"].errors


def test_comparison_offers_only_pairings_in_scope(dashboards):
    client = browser(dashboards, COORDINATOR)
    outside = dashboards.out_of_scope_pairing
    page = client.get(
        "/assessments/compare/",
        {"pairing": [dashboards.in_scope_pairing.pk, outside.pk], "year": YEAR},
    )
    assert page.context["columns"] == [] and "pairing" in page.context["form"].errors


# --- export, hub, API ---------------------------------------------------------------


def test_excel_export_has_a_sheet_per_pairing_and_the_rubric(dashboards):
    client = browser(dashboards, LEADER)
    gd_gz = dashboards.pairings["gd-gz"]
    response = client.get("/assessments/export/", {"year": YEAR, "pairing": gd_gz.pk, "below": 1})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    pairings = [gd_gz, dashboards.pairings["gz-bj"], dashboards.pairings["zs-lps"]]
    assert workbook.sheetnames[:3] == [str(pairing) for pairing in pairings]
    assert len(workbook.sheetnames) == 4  # and the rubric
    sheet = workbook[str(dashboards.pairings["zs-lps"])]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert D("15000.00") in [D(str(v)) for v in values if isinstance(v, int | float)]
    rubric = workbook[workbook.sheetnames[-1]]
    assert rubric["A1"].value.startswith(f"{YEAR} ")
    assert rubric.max_row > 16  # 16 indicators, their header, and the grades


def _exported_rows(client, dashboards, pairing_key: str) -> tuple[list[tuple], list[tuple]]:
    """(the pairing's sheet, the rubric sheet) of the overview's export, as rows of values."""
    pairing = dashboards.pairings[pairing_key]
    response = client.get("/assessments/export/", {"year": YEAR, "pairing": pairing.pk})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, rubric = workbook[workbook.sheetnames[0]], workbook[workbook.sheetnames[-1]]
    return list(sheet.iter_rows(values_only=True)), list(rubric.iter_rows(values_only=True))


def test_excel_export_speaks_english_in_the_english_interface(dashboards, indicators):
    client = browser(dashboards, LEADER)
    client.cookies["django_language"] = "en"
    fiscal = indicators["fiscal_aid"]
    rows, rubric = _exported_rows(client, dashboards, "zs-lps")
    by_label = {row[0]: row[1:] for row in rows if row and row[0]}
    # The indicator row: English name and unit, the figures as numbers.
    figure = by_label[fiscal.name_en]
    assert figure[0] == "10,000 yuan (万元)"
    assert fiscal.name_zh not in by_label
    # Grades in their English wording: the official 好, and the computed grade.
    assert by_label["Official grade (National)"][0] == "Good"
    assert by_label["Computed grade"][0] in {"Good", "Fairly good", "Fair", "Poor"}
    # The rubric: indicators, units and the thresholds' grades in English.
    rubric_rows = {row[0]: row[1:] for row in rubric if row and row[0]}
    assert rubric_rows[fiscal.name_en][0] == "10,000 yuan (万元)"
    assert {"Good", "Fairly good", "Fair", "Poor"} <= set(rubric_rows)
    assert not any("好" in str(label) for label in rubric_rows)


def test_excel_export_keeps_chinese_in_the_chinese_interface(dashboards, indicators):
    fiscal = indicators["fiscal_aid"]
    rows, rubric = _exported_rows(browser(dashboards, LEADER), dashboards, "zs-lps")
    by_label = {row[0]: row[1:] for row in rows if row and row[0]}
    assert by_label[fiscal.name_zh][0] == "万元"
    assert any(values and values[0] == "好" for values in by_label.values())  # the official
    assert {"好", "较好", "一般", "较差"} <= {row[0] for row in rubric if row}


def test_hub_tab_summarises_the_current_assessment(dashboards):
    zs_lps = dashboards.pairings["zs-lps"]
    page = browser(dashboards, COORDINATOR).get(f"/pairings/pairings/{zs_lps.pk}/?tab=assessment")
    assert page.status_code == 200
    assert page.context["hub_tab"].key == "assessment"
    assert page.context["assessment"]["score"] is not None
    assert f"/assessments/pairing/{zs_lps.pk}/?year={YEAR}" in page.content.decode()


def test_api_returns_the_figures_the_page_shows(dashboards):
    zs_lps = dashboards.pairings["zs-lps"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {dashboards.token(LEADER)}")
    response = api.get("/api/v1/assessments/", {"year": YEAR, "pairing": zs_lps.pk})
    assert response.status_code == 200
    rows = {row["pairing"]: row for row in response.json()["results"]}
    assert set(rows) == {zs_lps.pk, dashboards.pairings["zsg-sc"].pk}  # the pairing and below
    row = rows[zs_lps.pk]
    page = browser(dashboards, LEADER).get(f"/assessments/pairing/{zs_lps.pk}/?year={YEAR}")
    summary = page.context["summary"]
    assert D(row["score"]) == summary["score"]
    assert row["computed_grade"] == summary["grade"]
    assert [g["grade"] for g in row["official_grades"]] == ["好"]
    for api_figure, page_figure in zip(row["indicators"], summary["figures"], strict=True):
        assert api_figure["code"] == page_figure["code"]
        for key in ("actual", "target", "completion", "change", "points"):
            expected = page_figure[key]
            assert (None if api_figure[key] is None else D(api_figure[key])) == expected, key
    assert row["refreshed_at"] and row["refresh_failed"] is False
    assert api.get(f"/api/v1/assessments/{row['id']}/").json() == row  # the detail, as listed


def test_api_is_read_only_and_scoped(dashboards):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {dashboards.token(COORDINATOR)}")
    listed = {row["pairing"] for row in api.get("/api/v1/assessments/").json()["results"]}
    assert dashboards.out_of_scope_pairing.pk not in listed
    assert dashboards.in_scope_pairing.pk in listed
    summary = PairingYearSummary.objects.get(pairing=dashboards.in_scope_pairing, year=YEAR)
    assert api.patch(f"/api/v1/assessments/{summary.pk}/", {"score": "100"}).status_code == 405
    assert api.delete(f"/api/v1/assessments/{summary.pk}/").status_code == 405


def test_api_query_count_is_constant(dashboards):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {dashboards.token(ADMIN)}")
    api.get("/api/v1/assessments/")
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/assessments/", {"year": YEAR})
    for pairing in dashboards.pairings.values():
        assessment_refresh(pairing=pairing, year=YEAR - 1)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/assessments/").json()["results"]) == 10
    assert len(many) == len(few)


def test_pairing_page_links_the_pairings_below_when_there_are_some(dashboards):
    client = browser(dashboards, LEADER)
    city, county = dashboards.pairings["zs-lps"], dashboards.pairings["zsg-sc"]
    assert client.get(f"/assessments/pairing/{city.pk}/?year={YEAR}").context["has_children"]
    page = client.get(f"/assessments/pairing/{county.pk}/?year={YEAR}")
    assert page.context["has_children"] is False
    below = f"/assessments/?year={YEAR}&amp;pairing={county.pk}"
    assert below not in page.content.decode()
    page = client.get(f"/assessments/pairing/{city.pk}/?year={YEAR}")
    assert f"/assessments/?year={YEAR}&amp;pairing={city.pk}" in page.content.decode()
