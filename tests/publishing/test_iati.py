"""The IATI export on factory-built edge cases: valid, scoped, netted, streamed, same bytes.

Every export here goes through tests/publishing/validator.py (the schema and
every code against its codelist), so an invalid file fails the test that made it.
"""

import html
import io
import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from aidtrack.core.testing import ADMIN, COORDINATOR, PARTNER
from funds.choices import TransactionKind
from funds.models import FundAllocation, FundTransaction
from funds.services import fund_transaction_reverse
from pairings.models import Agreement, AgreementTarget, Organization, Pairing
from projects.choices import ProjectStatus, ReportStatus
from projects.models import OutcomeReport, Project
from publishing import iati, mapping
from publishing.checks import iati_codes
from publishing.reads import Selection
from tests.factories import ProjectFactory
from tests.publishing.validator import activities, transactions_total, validate

URL = reverse("api:iati_activities")
CREDIT_CODE = "91350100M000100Y43"


def client_for(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role, write=False)}")
    return client


def download(client, **params) -> bytes:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    assert response.streaming
    return b"".join(response.streaming_content)


def by_identifier(root) -> dict:
    return {a.findtext("iati-identifier"): a for a in root.iter("iati-activity")}


def identifier(project) -> str:
    return f"{mapping.reporting_org()[0]}-{quote(project.code, safe='-_.')}"


def record(project, kind, amount, day):
    return FundTransaction.objects.create(
        project=project, kind=kind, amount=Decimal(amount), date=day
    )


@pytest.fixture
def edge_cases(world, indicators):
    """Projects of 中山港街道 → 水城区 (the coordinator's scope) that stretch the mapping."""
    pairing = world.in_scope_pairing
    FundAllocation.objects.create(
        pairing=pairing, year=2023, amount=Decimal("3000000.00"), allocated_on=date(2023, 2, 20)
    )
    coded = Organization.objects.create(
        name="水城区某某合作社 & <公司>",
        kind="enterprise",
        region=world.regions["sc"],
        credit_code=CREDIT_CODE,
    )
    plain = Organization.objects.create(
        name="水城区第一中学", kind="school", region=world.regions["sc"]
    )
    no_budget = ProjectFactory(
        pairing=pairing,
        code="NB-1",
        budget=0,
        implementing_organization=plain,
        description="控制字符\x01与\x0b被去掉",
    )
    with_code = ProjectFactory(
        pairing=pairing,
        code="CC 1/二",
        implementing_organization=coded,
        status=ProjectStatus.IN_PROGRESS,
        planned_start_date=date(2023, 3, 1),
        actual_start_date=date(2023, 3, 10),
        planned_end_date=date(2023, 12, 31),
    )
    reversed_ = ProjectFactory(pairing=pairing, code="RV-1", status=ProjectStatus.CANCELLED)
    record(reversed_, TransactionKind.COMMITMENT, "500.00", date(2023, 3, 1))
    wrong = record(reversed_, TransactionKind.COMMITMENT, "900.00", date(2023, 3, 2))
    fund_transaction_reverse(wrong, date=date(2023, 3, 3), note="录入错误", user=world.user(ADMIN))
    record(reversed_, TransactionKind.DISBURSEMENT, "200.00", date(2023, 4, 1))
    record(reversed_, TransactionKind.EXPENDITURE, "50.00", date(2023, 5, 1))
    # Results: quarterly approved reports on a project, a draft that must not show,
    # and on the pairing an approved year against its agreement's target, with the
    # year before as baseline.
    trained = indicators["people_trained"]
    for quarter, value in ((1, 30), (2, 45)):
        OutcomeReport.objects.create(
            indicator=trained,
            project=with_code,
            year=2023,
            quarter=quarter,
            value=Decimal(value),
            status=ReportStatus.APPROVED,
        )
    OutcomeReport.objects.create(
        indicator=trained,
        project=with_code,
        year=2023,
        quarter=3,
        value=Decimal(99),
        status=ReportStatus.DRAFT,
    )
    for year, value in ((2022, 100), (2023, 150)):
        OutcomeReport.objects.create(
            indicator=trained,
            pairing=pairing,
            year=year,
            value=Decimal(value),
            status=ReportStatus.APPROVED,
        )
    agreement = Agreement.objects.create(pairing=pairing, year=2023)
    AgreementTarget.objects.create(
        agreement=agreement,
        indicator_code="people_trained",
        indicator_name="培训人次",
        target=Decimal(120),
        unit="人次",
    )
    return {"no_budget": no_budget, "with_code": with_code, "reversed": reversed_}


def test_edge_cases_are_valid_and_mapped(world, edge_cases):
    root = validate(download(client_for(world, COORDINATOR)))
    found = by_identifier(root)

    no_budget = found[identifier(edge_cases["no_budget"])]
    assert no_budget.find("budget") is None
    implementing = no_budget.find("participating-org[@role='4']")
    assert (
        implementing.get("ref") is None and implementing.findtext("narrative") == "水城区第一中学"
    )
    assert implementing.get("type") == "80"
    assert "控制字符与被去掉" in no_budget.find("description").findtext("narrative")
    assert no_budget.find("result") is None  # zero results: no result element at all
    # A project without dates starts, as planned, in its programme year.
    assert [(d.get("type"), d.get("iso-date")) for d in no_budget.iter("activity-date")] == [
        ("1", "2023-01-01")
    ]

    coded = found[f"{mapping.reporting_org()[0]}-CC%201%2F%E4%BA%8C"]
    implementing = coded.find("participating-org[@role='4']")
    assert implementing.get("ref") == f"CN-USCI-{CREDIT_CODE}"
    assert implementing.findtext("narrative") == "水城区某某合作社 & <公司>"
    assert coded.find("activity-status").get("code") == "2"
    [result] = coded.findall("result")
    periods = result.findall("indicator/period")
    assert [
        (p.find("period-start").get("iso-date"), p.find("actual").get("value")) for p in periods
    ] == [
        ("2023-01-01", "30.00"),
        ("2023-04-01", "45.00"),
    ]  # the draft's 99 is not there

    reversed_ = found[identifier(edge_cases["reversed"])]
    assert reversed_.find("activity-status").get("code") == "5"
    amounts = [
        (t.find("transaction-type").get("code"), t.findtext("value"))
        for t in reversed_.iter("transaction")
    ]
    assert amounts == [("2", "500.00"), ("3", "200.00"), ("4", "50.00")]  # 900 and −900 netted
    # The activity changed when its last entry was recorded, after the project itself.
    last_entry = max(
        FundTransaction.objects.filter(project=edge_cases["reversed"]).values_list(
            "created_at", flat=True
        )
    )
    assert datetime.fromisoformat(reversed_.get("last-updated-datetime")) == last_entry
    assert last_entry > edge_cases["reversed"].updated_at

    pairing = found[f"{mapping.reporting_org()[0]}-PAIRING-{world.in_scope_pairing.pk}"]
    assert pairing.get("hierarchy") == "1"
    assert [b.findtext("value") for b in pairing.iter("budget")] == ["3000000.00"]
    children = {r.get("ref") for r in pairing.iter("related-activity") if r.get("type") == "2"}
    assert identifier(edge_cases["no_budget"]) in children
    indicator = pairing.find("result/indicator")
    assert indicator.find("baseline") is None  # nothing approved before the first period
    by_start = {p.find("period-start").get("iso-date"): p for p in indicator.findall("period")}
    assert by_start["2023-01-01"].find("target").get("value") == "120.00"
    assert by_start["2023-01-01"].find("actual").get("value") == "150.00"
    assert by_start["2022-01-01"].find("actual").get("value") == "100.00"
    for project in activities(root, "2"):
        parents = [r.get("ref") for r in project.iter("related-activity") if r.get("type") == "1"]
        assert len(parents) == 1


def test_year_filter_keeps_budgets_and_results_of_those_years(world, edge_cases):
    ProjectFactory(pairing=world.in_scope_pairing, code="Y2022", year=2022)
    root = validate(download(client_for(world, COORDINATOR), year=2022))
    projects = {a.findtext("iati-identifier") for a in activities(root, "2")}
    assert projects == {f"{mapping.reporting_org()[0]}-Y2022"}
    pairing = by_identifier(root)[
        f"{mapping.reporting_org()[0]}-PAIRING-{world.in_scope_pairing.pk}"
    ]
    assert pairing.find("budget") is None  # the allocation is 2023's
    starts = {p.get("iso-date") for p in pairing.iter("period-start")}
    assert starts == {"2022-01-01"}

    root = validate(download(client_for(world, COORDINATOR), year=2023))
    pairing = by_identifier(root)[
        f"{mapping.reporting_org()[0]}-PAIRING-{world.in_scope_pairing.pk}"
    ]
    indicator = pairing.find("result/indicator")
    # The year before the first period asked for, approved, is the baseline.
    assert indicator.find("baseline").attrib == {
        "year": "2022",
        "iso-date": "2022-12-31",
        "value": "100.00",
    }
    assert [p.get("iso-date") for p in indicator.iter("period-start")] == ["2023-01-01"]


def test_scope_and_parameters(world, edge_cases):
    coordinator = client_for(world, COORDINATOR)
    outside = ProjectFactory(pairing=world.out_of_scope_pairing, code="OUT-1")
    root = validate(download(coordinator))
    pairing_ids = {int(i.rsplit("-", 1)[1]) for i in by_identifier(root) if "-PAIRING-" in i}
    visible = set(Pairing.objects.for_user(world.user(COORDINATOR)).values_list("pk", flat=True))
    assert pairing_ids == visible
    assert identifier(outside) not in by_identifier(root)

    assert coordinator.get(URL, {"pairing": world.out_of_scope_pairing.pk}).status_code == 404
    refused = coordinator.get(URL, {"yaer": 2023})
    assert refused.status_code == 400 and "yaer" in refused.json()["errors"]
    assert coordinator.get(URL, {"year": "abc"}).status_code == 400
    assert coordinator.get(URL, {"status": "nonsense"}).status_code == 400
    assert APIClient().get(URL).status_code == 401

    partner = validate(download(client_for(world, PARTNER), pairing=world.out_of_scope_pairing.pk))
    assert identifier(outside) in by_identifier(partner)

    only = validate(download(coordinator, status=ProjectStatus.CANCELLED))
    assert {a.findtext("iati-identifier") for a in activities(only, "2")} == {
        identifier(edge_cases["reversed"])
    }


def test_command_writes_the_bytes_the_api_sends(world, edge_cases, tmp_path):
    pairing = world.pairings["zs-lps"].pk
    response = client_for(world, COORDINATOR).get(URL, {"pairing": pairing, "year": 2023})
    assert response["Content-Disposition"] == (
        f'attachment; filename="iati-activities-pairing-{pairing}-2023.xml"'
    )
    sent = b"".join(response.streaming_content)
    path = tmp_path / "out.xml"
    call_command(
        "export_iati",
        "--user",
        "coord",
        "--pairing",
        str(pairing),
        "--year",
        "2023",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )
    assert path.read_bytes() == sent
    everything = tmp_path / "all.xml"
    call_command("export_iati", "--output", str(everything), stdout=io.StringIO())
    root = validate(everything.read_bytes())
    assert len(activities(root, "1")) == Pairing.objects.count()
    assert len(activities(root, "2")) == Project.objects.count()


def _export_queries(chunk: int) -> int:
    selection = Selection(pairings=Pairing.objects.all(), projects=Project.objects.all())
    with CaptureQueriesContext(connection) as queries:
        data = b"".join(iati.export(selection, chunk=chunk))
    validate(data)
    return len(queries)


def test_queries_do_not_grow_with_rows(world, edge_cases):
    """A fixed number per chunk of projects: the same for 3 projects as for 12."""
    few = _export_queries(chunk=100)
    for index in range(9):
        project = ProjectFactory(pairing=world.in_scope_pairing, code=f"MORE-{index}")
        record(project, TransactionKind.COMMITMENT, "10.00", date(2023, 3, 1))
    assert _export_queries(chunk=100) == few
    # In chunks of 4: three reads per chunk of projects (12 projects: 3 chunks, not 1),
    # and one read finding the end after a full chunk.
    assert _export_queries(chunk=4) == few + 2 * 3 + 1


def _api_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        validate(download(client, pairing=client.pairing))
    return len(queries)


def test_api_queries_do_not_grow_with_rows(world, edge_cases):
    """The coordinator's pairing's file: as many queries for 3 projects as for 12.

    Signed in (a token's ``last_used_at`` is written at most once a minute,
    which would make the count depend on the clock)."""
    client = APIClient()
    client.force_login(world.user(COORDINATOR))
    client.pairing = world.pairings["zs-lps"].pk
    _api_queries(client)  # the first request of a view builds its documented parameters
    few = _api_queries(client)
    for index in range(9):
        project = ProjectFactory(pairing=world.in_scope_pairing, code=f"MORE-{index}")
        record(project, TransactionKind.COMMITMENT, "10.00", date(2023, 3, 1))
    assert _api_queries(client) == few


def test_the_system_check_refuses_a_code_off_its_list(settings, monkeypatch):
    assert iati_codes() == []
    settings.IATI_REPORTING_ORG_TYPE = "99"
    settings.IATI_REPORTING_ORG_REF = "XX-NOWHERE-1"
    errors = iati_codes()
    assert {error.id for error in errors} == {"publishing.E001"}
    assert len(errors) == 2
    settings.IATI_REPORTING_ORG_TYPE = "10"
    settings.IATI_REPORTING_ORG_REF = "XI-IATI-AIDTRACK"
    monkeypatch.delitem(mapping.SECTORS, "digital")
    assert [error.id for error in iati_codes()] == ["publishing.E002"]
    assert checks.Error  # registered with Django's checks (publishing.apps)


def test_region_coordinates_become_a_point(world, edge_cases):
    region = world.regions["sc"]
    type(region).objects.filter(pk=region.pk).update(latitude=26.5, longitude=104.8)
    root = validate(download(client_for(world, COORDINATOR)))
    project = by_identifier(root)[identifier(edge_cases["no_budget"])]
    assert project.findtext("location/point/pos") == "26.500000 104.800000"
    assert project.find("location").get("ref") == "GB/T2260:520204"
    assert project.find("location/feature-designation").get("code") == "ADM3"


def test_totals_read_back(world, edge_cases):
    root = validate(download(client_for(world, ADMIN)))
    assert transactions_total(root, "2") == Decimal("500.00")


def test_the_pairing_dashboard_offers_the_file(world, edge_cases, client):
    """The button on a pairing's dashboard downloads its file in the browser's session."""
    client.force_login(world.user(COORDINATOR))
    pairing = world.in_scope_pairing
    page = client.get(reverse("assessments:pairing", args=[pairing.pk]), {"year": 2023})
    assert page.status_code == 200
    [link] = re.findall(r'href="([^"]*iati/activities\.xml[^"]*)"', page.content.decode())
    link = html.unescape(link)
    assert link == f"{URL}?pairing={pairing.pk}&year=2023"
    response = client.get(link)
    root = validate(b"".join(response.streaming_content))
    assert {a.findtext("iati-identifier") for a in activities(root, "2")} == {
        identifier(project) for project in Project.objects.filter(pairing=pairing, year=2023)
    }


def test_the_pairing_page_offers_the_file_of_every_year(world, edge_cases, client):
    client.force_login(world.user(COORDINATOR))
    pairing = world.pairings["zs-lps"]
    page = client.get(pairing.get_absolute_url())
    [link] = re.findall(r'href="([^"]*iati/activities\.xml[^"]*)"', page.content.decode())
    assert html.unescape(link) == f"{URL}?pairing={pairing.pk}"
    root = validate(b"".join(client.get(html.unescape(link)).streaming_content))
    tree = Pairing.objects.descendant_ids([pairing.pk])
    assert len(activities(root, "2")) == Project.objects.filter(pairing__in=tree).count()
