"""Fixtures for the assessments tests: the real indicator catalogue and real records.

Summaries are computed by the real selectors of cadres, projects and funds,
so the tests build the records those selectors read (``Ledger``) and, where
a test checks a figure, recompute it from the raw rows in SQL of its own
(test_end_to_end.py).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase

from cadres.models import Deployment
from cadres.services import deployment_start
from funds.models import ConsumptionSupport, Donation, Park
from pairings.models import Agreement, AgreementTarget, Organization
from projects.models import Indicator, Need, OutcomeReport
from tests import shared
from tests.cadres.test_deployments import host
from tests.cadres.test_people import make_person
from tests.factories import ProjectFactory
from tests.funds.conftest import allocate, in_place, record

ASSESSED_YEAR = 2023
START = date(ASSESSED_YEAR, 3, 1)


@pytest.fixture(autouse=True)
def _clear_cache():
    shared.clear_cache()
    yield
    shared.clear_cache()


def agreement_targets(pairing, year, **targets):
    """The pairing's agreement for ``year`` with ``targets`` (indicator code → value)."""
    agreement, _ = Agreement.objects.get_or_create(pairing=pairing, year=year)
    catalogue = Indicator.objects.in_bulk(list(targets), field_name="code")
    for code, value in targets.items():
        AgreementTarget.objects.update_or_create(
            agreement=agreement,
            indicator_code=code,
            defaults={
                "indicator_name": catalogue[code].name_zh,
                "unit": catalogue[code].unit,
                "target": Decimal(value),
            },
        )
    return agreement


@dataclass
class Ledger:
    """Builds the records the selectors count, each through the owning app's rules
    where they have a service (deployments start, money moves under its checks)."""

    world: object
    _next: dict = field(default_factory=lambda: {"person": 0, "name": 0})

    def _index(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    def _in_zhongshan_tree(self, pairing) -> bool:
        return pairing.pk in {self.world.pairings[k].pk for k in ("zs-lps", "zsg-sc")}

    # -- cadres ----------------------------------------------------------------------
    def deployment(
        self,
        pairing,
        start: date,
        end: date,
        *,
        category="cadre",
        kind="long_term",
        started=True,
    ):
        """A deployment of a new person; on post from ``start`` unless only planned."""
        index = self._index("person")
        in_scope = self._in_zhongshan_tree(pairing)
        person = make_person(self.world, in_scope, index, category=category)
        deployment = Deployment.objects.create(
            person=person,
            pairing=pairing,
            direction="east_to_west",
            kind=kind,
            host_organization=host(self.world, in_scope),
            post="乡村振兴局副局长",
            start_date=start,
            planned_end_date=end,
        )
        if started:
            deployment = deployment_start(deployment=deployment, on=start)
        return deployment

    # -- projects and their money -------------------------------------------------------
    def allocation(self, pairing, year: int, amount):
        return allocate(pairing, year, Decimal(amount))

    def project(self, pairing, year: int, *, committed=0, disbursed=0, spent=0, **fields):
        """A project of the programme year with money moved in three stages (within an
        allocation the caller has made)."""
        project = ProjectFactory(pairing=pairing, year=year, **fields)
        day = date(year, 6, 1)
        for kind, amount in (
            ("commitment", committed),
            ("disbursement", disbursed),
            ("expenditure", spent),
        ):
            if amount:
                record(project, kind, amount, day)
        return project

    def completed_project(self, pairing, year: int, ended: date, **fields):
        return self.project(
            pairing,
            year,
            status="completed",
            actual_start_date=date(year, 3, 1),
            actual_end_date=ended,
            **fields,
        )

    # -- funds beyond projects --------------------------------------------------------------
    def donation(self, pairing, day: date, amount, kind="cash"):
        return Donation.objects.create(
            pairing=pairing,
            date=day,
            kind=kind,
            donor_name=f"爱心企业{self._index('name')}",
            recipient_name="青松村幸福小学",
            amount=Decimal(amount),
            items="校服、书包" if kind == "in_kind" else "",
        )

    def investment(self, pairing, agreed_on: date, agreed, *, enterprise=None, tranches=()):
        """An investment (by ``enterprise`` index, or a new enterprise) and its tranches."""
        from funds.models import Investment

        index = enterprise if enterprise is not None else 100 + self._index("name")
        # One enterprise by its name, wherever it invests.
        enterprise_ = Organization.objects.get_or_create(
            name=f"测试投资企业{index}有限公司",
            defaults={"kind": "enterprise", "region": pairing.helping_region},
        )[0]
        investment = Investment.objects.create(
            enterprise=enterprise_,
            pairing=pairing,
            name=f"投资项目{self._index('name')}",
            industry="食品加工",
            amount_agreed=Decimal(agreed),
            agreed_on=agreed_on,
        )
        for day, amount in tranches:
            in_place(investment, amount, day)
        return investment

    def park(self, pairing, kind: str, opened_on: date | None):
        return Park.objects.create(
            name=f"共建园区{self._index('name')}",
            kind=kind,
            pairing=pairing,
            region=pairing.helped_region,
            opened_on=opened_on,
        )

    def consumption(self, pairing, year: int, amount, month=None):
        return ConsumptionSupport.objects.create(
            pairing=pairing, product="刺梨汁", amount=Decimal(amount), year=year, month=month
        )

    # -- outcome reports and needs -----------------------------------------------------------
    def report(self, code: str, year: int, value, *, status="approved", month=None, **subject):
        """A report on ``pairing=`` or ``project=``; approved unless told otherwise."""
        return OutcomeReport.objects.create(
            indicator=Indicator.objects.get(code=code),
            year=year,
            month=month,
            value=Decimal(value),
            status=status,
            **subject,
        )

    def need(self, pairing, collected_on: date, *, resolved_on: date | None = None):
        resolved = (
            {"status": "resolved", "resolved_on": resolved_on, "resolution_note": "专家到场指导"}
            if resolved_on
            else {}
        )
        return Need.objects.create(
            pairing=pairing,
            raised_by_region=pairing.helped_region,
            raised_by_department="农业农村局",
            collected_on=collected_on,
            category="science",
            description=f"需求{self._index('name')}:病虫害防治技术",
            **resolved,
        )


@pytest.fixture
def ledger(shared_state, world):
    """The ledger the shared layers were built with (its counters go on), or a new one."""
    if shared_state is not None and "ledger" in shared_state:
        return shared_state["ledger"]
    return Ledger(world)


def _build_books(world, indicators, ledger):
    from tests.assessments.books import build_books

    # As if committed: the refreshes the records queue run.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return build_books(world, indicators, ledger)


@shared.layer("books")
def _books_layer(state):
    ledger = Ledger(state["world"])
    state["books"] = _build_books(state["world"], state["indicators"], ledger)
    state["ledger"] = ledger


@pytest.fixture
def books(shared_state, world, indicators, ledger):
    """Two years of records in 中山→六盘水, the county pairing below it, and 天河→七星关
    (tests/assessments/books.py); a shared layer (tests/shared.py).

    Built as if committed (the refreshes they queue run), so that what a test
    changes afterwards is refreshed on its own.
    """
    if shared_state is not None and "books" in shared_state:
        return shared_state["books"]
    return _build_books(world, indicators, ledger)
