"""The demo published as IATI 2.03: what a reader of the file finds is what the dashboards say.

Every file is checked by tests/publishing/validator.py (schema and codelists).
The figures are read from the database and the dashboards' own selectors, not
written down: the demo makes them 204 projects and 5.04亿元 for 中山→六盘水.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import User
from funds.selectors import funds_summary
from pairings.demo import demo_load as pairings_demo_load
from pairings.models import Pairing
from projects.choices import ReportStatus
from projects.models import OutcomeReport, Project
from publishing.iati import export
from publishing.selection import selection_make
from tests.publishing.validator import activities, transactions_total, validate

pytestmark = pytest.mark.xdist_group("demo")

YEARS = (2021, 2022, 2023)


def test_liupanshui_as_its_coordinator_downloads_it(demo_loaded, client):
    root_pairing = pairings_demo_load()["zs-lps"]
    client.force_login(User.objects.get(username="coord_zs"))
    response = client.get(
        reverse("api:iati_activities"),
        {"pairing": root_pairing.pk, "from_year": YEARS[0], "year": YEARS[-1]},
    )
    assert response.status_code == 200
    root = validate(b"".join(response.streaming_content))

    tree = Pairing.objects.descendant_ids([root_pairing.pk])
    projects = Project.objects.filter(pairing__in=tree, year__in=YEARS)
    assert len(activities(root, "2")) == projects.count()  # the demo's 204
    assert len(activities(root, "1")) == len(tree)
    dashboard = [funds_summary(tree, year) for year in YEARS]
    assert transactions_total(root, "2") == sum(d["committed"] for d in dashboard)  # 5.04亿
    assert transactions_total(root, "3") == sum(d["disbursed"] for d in dashboard)
    assert transactions_total(root, "4") == sum(d["spent"] for d in dashboard)
    budgets = sum(
        (Decimal(b.findtext("value")) for a in activities(root, "1") for b in a.iter("budget")),
        Decimal(0),
    )
    assert budgets == sum(d["allocated"] for d in dashboard)

    # The outcome results: every approved report of the tree in those years, once.
    approved = OutcomeReport.objects.filter(
        pairing__in=tree, year__in=YEARS, status=ReportStatus.APPROVED
    )
    actuals = [actual for activity in activities(root, "1") for actual in activity.iter("actual")]
    assert approved.exists() and len(actuals) == approved.count()
    assert (
        OutcomeReport.objects.filter(pairing__in=tree)
        .exclude(status=ReportStatus.APPROVED)
        .exists()
    )  # and the drafts stay out


def test_every_pairing_exports_valid(demo_loaded):
    """What an independent validator would be given: each pairing's file, and the whole."""
    everything = Pairing.objects.all()
    for pairing in [None, *everything]:
        data = {} if pairing is None else {"pairing": str(pairing.pk)}
        selection = selection_make(pairings=everything, projects=Project.objects.all(), data=data)
        root = validate(b"".join(export(selection)))
        expected = selection.projects.count()
        assert len(activities(root, "2")) == expected
