"""Fixtures for the assessments tests.

The selectors of CONTRACT.md arrive with the cadres, projects and funds
branches. Until then (and to control the figures) ``fake_selectors`` puts
stand-ins where ``assessments.sources`` imports them from: cadres' and
projects' counts come from real Deployment and Project rows; money, needs and
reported indicators from values the test sets per pairing and year.
"""

import sys
import types
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

import cadres.selectors
from assessments.default_rubric import DEFAULT_ITEMS
from cadres.models import Deployment
from projects.models import Indicator, Project

MONEY_KEYS = (
    "allocated",
    "committed",
    "disbursed",
    "spent",
    "donations_cash",
    "donations_in_kind",
    "investment_agreed",
    "investment_in_place",
    "consumption",
)
COUNT_KEYS = ("enterprises", "parks_agricultural", "parks_industrial")

# code: (Chinese name, unit, category)
CATALOGUE = {
    "fiscal_aid": ("财政援助资金", "万元", "funds"),
    "fund_execution_rate": ("资金执行率", "%", "funds"),
    "donations": ("社会帮扶资金", "万元", "funds"),
    "cadres_sent": ("选派党政干部", "人", "people"),
    "talents_sent": ("选派专业技术人才", "人", "people"),
    "professional_person_times": ("专业技术人才帮扶", "人次", "people"),
    "people_trained": ("培训人员", "人次", "people"),
    "cadres_trained": ("培训干部", "人次", "people"),
    "labour_transferred": ("劳务输出", "人", "labour"),
    "enterprises_invested": ("引导企业投资", "家", "industry"),
    "investment_in_place": ("实际到位投资", "万元", "industry"),
    "parks_built": ("共建产业园区", "个", "industry"),
    "consumption_support": ("消费帮扶", "万元", "consumption"),
    "projects_completed": ("完成项目", "个", "projects"),
    "needs_resolved": ("解决需求", "项", "needs"),
}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def indicators(db):
    """The catalogue entries the default rubric scores (the projects fixture's codes)."""
    assert {item.indicator_code for item in DEFAULT_ITEMS} <= CATALOGUE.keys()
    return {
        code: Indicator.objects.get_or_create(
            code=code,
            defaults={"name_zh": name, "name_en": code, "unit": unit, "category": category},
        )[0]
        for code, (name, unit, category) in CATALOGUE.items()
    }


@dataclass
class FakeSelectors:
    funds: dict = field(default_factory=lambda: defaultdict(dict))
    reported: dict = field(default_factory=lambda: defaultdict(dict))
    needs: dict = field(default_factory=lambda: defaultdict(dict))
    calls: list = field(default_factory=list)

    def set_funds(self, pairing, year, **values):
        self.funds[(pairing.pk, year)].update(values)

    def set_reported(self, pairing, year, **values):
        self.reported[(pairing.pk, year)].update(values)

    def set_needs(self, pairing, year, collected, resolved):
        self.needs[(pairing.pk, year)] = {"collected": collected, "resolved": resolved}

    # -- funds.selectors --------------------------------------------------------
    def funds_summary(self, pairing_ids, year):
        self.calls.append(("funds_summary", frozenset(pairing_ids), year))
        rows = [self.funds.get((pid, year), {}) for pid in pairing_ids]
        summary = {
            key: sum((Decimal(r.get(key, 0)) for r in rows), Decimal(0)) for key in MONEY_KEYS
        }
        summary.update({key: sum(int(r.get(key, 0)) for r in rows) for key in COUNT_KEYS})
        committed = summary["committed"]
        summary["execution_rate"] = (
            (summary["spent"] / committed * 100).quantize(Decimal("0.01")) if committed else None
        )
        return summary

    # -- projects.selectors -----------------------------------------------------
    def indicator_totals(self, pairing_ids, year):
        totals = defaultdict(Decimal)
        for pid in pairing_ids:
            for code, value in self.reported.get((pid, year), {}).items():
                totals[code] += Decimal(value)
        return dict(totals)

    def needs_summary(self, pairing_ids, year):
        rows = [self.needs.get((pid, year), {}) for pid in pairing_ids]
        collected = sum(r.get("collected", 0) for r in rows)
        resolved = sum(r.get("resolved", 0) for r in rows)
        rate = Decimal(resolved * 100 / collected).quantize(Decimal("0.01")) if collected else None
        return {"collected": collected, "resolved": resolved, "rate": rate}

    @staticmethod
    def projects_by_status(pairing_ids, year=None):
        projects = Project.objects.filter(pairing__in=pairing_ids)
        if year is not None:
            projects = projects.filter(year=year)
        counts = defaultdict(int)
        for status in projects.values_list("status", flat=True):
            counts[status] += 1
        return dict(counts)

    @staticmethod
    def projects_completed(pairing_ids, year):
        return Project.objects.filter(
            pairing__in=pairing_ids,
            status__in=("completed", "accepted"),
            actual_end_date__year=year,
        ).count()

    # -- cadres.selectors (real rows) ---------------------------------------------
    @staticmethod
    def deployments_started(pairing_ids, year, *, category=None, kind=None, direction=None):
        rows = Deployment.objects.filter(pairing__in=pairing_ids, start_date__year=year)
        rows = rows.exclude(status="planned")
        if category:
            rows = rows.filter(person__category=category)
        if kind:
            rows = rows.filter(kind=kind)
        if direction:
            rows = rows.filter(direction=direction)
        return rows.count()

    @classmethod
    def professional_person_times(cls, pairing_ids, year):
        return cls.deployments_started(pairing_ids, year, kind="short_term")

    @staticmethod
    def people_on_post(pairing_ids, on):
        rows = Deployment.objects.filter(pairing__in=pairing_ids).filter(
            cadres.selectors.deployment_active_on(on)
        )
        return {
            "total": rows.values("person").distinct().count(),
            "by_category": {},
            "by_specialty": {},
            "by_direction": {},
        }

    @staticmethod
    def deployments_ending_within(pairing_ids, days=60, today=None):
        today = today or timezone.localdate()
        return (
            Deployment.objects.filter(pairing__in=pairing_ids, status="on_post")
            .filter(Q(planned_end_date__gte=today, planned_end_date__lte=today + timedelta(days)))
            .order_by("planned_end_date")
        )


@pytest.fixture
def fake_selectors(monkeypatch):
    fake = FakeSelectors()
    for name in (
        "deployments_started",
        "professional_person_times",
        "people_on_post",
        "deployments_ending_within",
    ):
        monkeypatch.setattr(cadres.selectors, name, getattr(fake, name), raising=False)
    for module_name, names in (
        ("funds.selectors", ("funds_summary",)),
        (
            "projects.selectors",
            ("indicator_totals", "needs_summary", "projects_by_status", "projects_completed"),
        ),
    ):
        module = types.ModuleType(module_name)
        for name in names:
            setattr(module, name, getattr(fake, name))
        monkeypatch.setitem(sys.modules, module_name, module)
    return fake


def agreement_targets(pairing, year, **targets):
    """The pairing's agreement for ``year`` with ``targets`` (indicator code → value)."""
    from pairings.models import Agreement, AgreementTarget

    agreement, _ = Agreement.objects.get_or_create(pairing=pairing, year=year)
    for code, value in targets.items():
        name, unit, _category = CATALOGUE[code]
        AgreementTarget.objects.update_or_create(
            agreement=agreement,
            indicator_code=code,
            defaults={"indicator_name": name, "unit": unit, "target": Decimal(value)},
        )
    return agreement


ASSESSED_YEAR = 2023
START = date(ASSESSED_YEAR, 3, 1)
