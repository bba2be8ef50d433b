"""Importing a year's vouchers: the ledger's rules hold across the sheet, all rows or none."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aidtrack.core import summaries
from aidtrack.core.imports.engine import Run
from aidtrack.core.imports.reading import open_sheet
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import COORDINATOR
from funds.models import FundTransaction
from funds.views import FundTransactionViews
from tests.funds.conftest import funded_project

HEADER = "项目,类型,日期,金额（万元）,凭证号,备注"


def sheet(*lines: str, header: str = HEADER):
    data = ("\n".join((header, *lines)) + "\n").encode("utf-8-sig")
    return open_sheet(io.BytesIO(data), name="台账.csv")


def run(world, *lines, commit=True, header=HEADER, role=COORDINATOR):
    importer = Run(FundTransactionViews, world.user(role))
    with sheet(*lines, header=header) as opened:
        return importer.commit(opened) if commit else importer.check(opened)


@pytest.fixture
def project(world):
    return funded_project(world, year=2024, allocation="1000000.00", code="ZS-2024-001")


def errors(outcome):
    return [(error.row, error.column, error.message) for error in outcome.errors]


def test_a_sheet_in_ten_thousand_yuan_with_dates_as_people_write_them(world, project):
    outcome = run(
        world,
        "ZS-2024-001,下达,2024年3月1日,５０,记-0001,",
        f"{project.name},拨付,2024/3/15,20.5,记-0002,首笔",
        "zs-2024-001,支出,2024.4.1,10,记-0003,",
    )
    assert errors(outcome) == [] and outcome.counts["new"] == 3
    ledger = {t.kind: t for t in FundTransaction.objects.filter(project=project)}
    assert ledger["commitment"].amount == Decimal("500000.00")
    assert ledger["disbursement"].amount == Decimal("205000.00")
    assert str(ledger["expenditure"].date) == "2024-04-01"


def test_rows_are_checked_in_order_against_the_rows_before_them(world, project):
    lines = (
        "ZS-2024-001,下达,2024-03-01,30,记-0001,",
        "ZS-2024-001,拨付,2024-03-02,20,记-0002,",
        "ZS-2024-001,拨付,2024-03-03,20,记-0003,",  # 40 disbursed > 30 committed
    )
    outcome = run(world, *lines)
    assert outcome.counts == {"new": 2, "changed": 0, "unchanged": 0, "invalid": 1}
    assert [(row, column) for row, column, _message in errors(outcome)] == [(4, "金额（万元）")]
    assert FundTransaction.objects.count() == 0  # all rows or none


def test_a_check_writes_nothing_and_a_commit_writes_once(world, project):
    line = "ZS-2024-001,下达,2024-03-01,30,记-0001,"
    changes_before = ChangeRecord.objects.count()
    checked = run(world, line, commit=False)
    assert checked.counts["new"] == 1
    assert FundTransaction.objects.count() == 0
    assert ChangeRecord.objects.count() == changes_before
    assert run(world, line).counts["new"] == 1
    again = run(world, line)
    assert again.counts == {"new": 0, "changed": 0, "unchanged": 1, "invalid": 0}
    assert FundTransaction.objects.count() == 1


def test_a_recorded_voucher_is_never_changed_by_an_import(world, project):
    run(world, "ZS-2024-001,下达,2024-03-01,30,记-0001,")
    outcome = run(world, "ZS-2024-001,下达,2024-03-01,31,记-0001,")
    assert outcome.counts["invalid"] == 1
    assert "never changed" in errors(outcome)[0][2] or "不再修改" in errors(outcome)[0][2]
    assert FundTransaction.objects.get().amount == Decimal("300000.00")


def test_a_repeated_row_and_unknown_or_out_of_scope_projects_are_named(world, project):
    outside = funded_project(world, in_scope=False, year=2024, code="TH-2024-001")
    outcome = run(
        world,
        "ZS-2024-001,下达,2024-03-01,30,记-0001,",
        "ZS-2024-001,下达,2024-03-01,30,记-0001,",
        "NO-SUCH,下达,2024-03-01,30,记-0002,",
        f"{outside.code},下达,2024-03-01,30,记-0003,",
        "ZS-2024-001,捐赠,2024-03-01,30,记-0004,",
        "ZS-2024-001,下达,下周,=1+1,记-0005,",
    )
    found = errors(outcome)
    assert found[0][0] == 3 and "2" in found[0][2]
    assert found[1][:2] == (4, "项目") and "NO-SUCH" in found[1][2]
    assert found[2][:2] == (5, "项目") and "TH-2024-001" in found[2][2]
    assert found[3][:2] == (6, "类型")
    assert {(row, column) for row, column, _message in found[4:]} == {
        (7, "日期"),
        (7, "金额（万元）"),
    }
    assert FundTransaction.objects.count() == 0


def test_a_sheet_without_a_required_column_is_refused_whole(world, project):
    from aidtrack.core.imports.reading import FileRefused

    with pytest.raises(FileRefused, match="(?i)金额|amount"):
        run(world, "ZS-2024-001,下达,2024-03-01", header="项目,类型,日期")


def test_an_import_announces_its_figures_once_and_costs_the_same_queries_for_more_rows(
    world, project
):
    heard = []
    summaries.subscribe(heard.append)
    try:
        lines = [f"ZS-2024-001,下达,2024-03-01,0.01,记-{n:04d}," for n in range(5)]
        run(world, *lines)
        assert len(heard) == 1 and (project.pairing_id, 2024) in heard[0]

        def queries(count, start):
            rows = [
                f"ZS-2024-001,下达,2024-03-01,0.01,记-{n:04d}," for n in range(start, start + count)
            ]
            with CaptureQueriesContext(connection) as captured:
                assert run(world, *rows).counts["new"] == count
            return len(captured)

        assert queries(10, 100) == queries(100, 200)
    finally:
        summaries.unsubscribe(heard.append)


def test_a_repeated_cell_is_judged_alike_in_every_row(world, project):
    # The engine reads each distinct cell once per column and run, keeping its
    # value or its refusal: every row that repeats a refused cell is refused too.
    outcome = run(
        world,
        "ZS-2024-001,下达,2024-03-01,30,记-0001,",
        "ZS-2024-001,下达,下周,30,记-0002,",
        "ZS-2024-001,下达,2024-03-01,30,记-0003,",
        "ZS-2024-001,下达,下周,30,记-0004,",
        commit=False,
    )
    assert [(row, column) for row, column, _message in errors(outcome)] == [
        (3, "日期"),
        (5, "日期"),
    ]
    assert outcome.counts["new"] == 2
