"""Two years of real records in three pairings, for the end-to-end and link tests.

中山→六盘水 (a city pairing), 中山港街道→水城区 (the county pairing below it)
and 天河→七星关 (in another tree), with deployments, projects and their
money, allocations, donations, investments, parks, consumption support,
approved and unapproved outcome reports and needs, in 2022 and 2023.
"""

from datetime import date

from aidtrack.core.testing import COORDINATOR
from assessments.models import Rubric, RubricItem
from assessments.services import assessment_refresh_many, rubric_load_default
from tests.assessments.conftest import agreement_targets

YEAR, PREVIOUS = 2023, 2022


def build_books(world, indicators, ledger):
    """The records, and fresh summaries of every pairing for both years.

    Returns the world with what tests change: ``road`` (a 2023 city project
    with money on it), ``cadre`` (on post in the city) and ``pending_report``
    (a submitted report, not counted until approved).
    """
    for year in (PREVIOUS, YEAR):
        rubric_load_default(year=year)
    # The resolution rate is not in the default rubric: score it too, so every
    # computed indicator appears on the pairing page.
    RubricItem.objects.create(
        rubric=Rubric.objects.get(year=YEAR),
        indicator=indicators["needs_resolution_rate"],
        weight=1,
        order=99,
    )
    city, county, other = (world.pairings[key] for key in ("zs-lps", "zsg-sc", "th-xqg"))
    agreement_targets(city, YEAR, fiscal_aid=20000, cadres_sent=2, labour_transferred=5000)

    # Money: allocations and projects with their three stages.
    ledger.allocation(city, PREVIOUS, "120000000")
    ledger.allocation(city, YEAR, "150000000")
    ledger.allocation(county, YEAR, "30000000")
    ledger.allocation(other, YEAR, "20000000")
    books = world
    books.road = ledger.project(
        city, YEAR, committed="40000000", disbursed="30000000", spent="20000000"
    )
    ledger.completed_project(
        city,
        YEAR,
        date(YEAR, 10, 15),
        committed="10000000",
        disbursed="10000000",
        spent="10000000",
    )
    # A 2022 project finished in 2023: 2022 money, completed in 2023.
    ledger.completed_project(
        city, PREVIOUS, date(YEAR, 2, 1), committed="5000000", disbursed="5000000", spent="5000000"
    )
    ledger.project(city, YEAR, status="approved")
    ledger.project(county, YEAR, committed="20000000", disbursed="10000000", spent="5000000")
    ledger.project(other, YEAR, committed="5000000", disbursed="1000000", spent="1000000")

    # People: begun in the year, on post at its end, planned only, short stints.
    books.cadre = ledger.deployment(city, date(YEAR, 3, 1), date(YEAR + 2, 2, 28))
    ledger.deployment(city, date(YEAR, 4, 1), date(YEAR + 1, 12, 31), category="talent")
    ledger.deployment(
        city, date(YEAR, 5, 1), date(YEAR, 8, 1), category="talent", kind="short_term"
    )
    ledger.deployment(city, date(YEAR, 9, 1), date(YEAR + 2, 8, 31), started=False)
    ledger.deployment(city, date(PREVIOUS, 7, 1), date(YEAR + 1, 6, 30))
    ledger.deployment(county, date(YEAR, 3, 1), date(YEAR + 2, 2, 28))
    ledger.deployment(
        county, date(YEAR, 6, 1), date(YEAR, 7, 1), category="talent", kind="short_term"
    )
    ledger.deployment(other, date(YEAR, 3, 1), date(YEAR + 2, 2, 28))

    # Social support, investment, parks, consumption.
    ledger.donation(city, date(PREVIOUS, 5, 1), "100000")
    ledger.donation(city, date(YEAR, 5, 1), "300000")
    ledger.donation(city, date(YEAR, 6, 1), "80000", kind="in_kind")
    ledger.donation(county, date(YEAR, 7, 1), "50000")
    ledger.donation(other, date(YEAR, 7, 1), "70000")
    ledger.investment(
        city,
        date(PREVIOUS, 5, 1),
        "50000000",
        enterprise=1,
        tranches=[(date(PREVIOUS, 9, 1), "20000000"), (date(YEAR, 3, 1), "10000000")],
    )
    # Enterprise 1 agrees again in 2023; enterprise 2 invests in the city and the county.
    ledger.investment(
        city, date(YEAR, 4, 1), "8000000", enterprise=1, tranches=[(date(YEAR, 8, 1), "8000000")]
    )
    ledger.investment(city, date(YEAR, 5, 1), "3000000", enterprise=2)
    ledger.investment(
        county, date(YEAR, 6, 1), "4000000", enterprise=2, tranches=[(date(YEAR, 10, 1), "2000000")]
    )
    ledger.park(city, "agricultural", date(PREVIOUS, 6, 1))
    ledger.park(city, "industrial", date(YEAR, 9, 1))
    ledger.park(city, "industrial", None)  # still being built
    ledger.park(county, "agricultural", date(YEAR, 3, 1))
    ledger.consumption(city, PREVIOUS, "1000000")
    ledger.consumption(city, YEAR, "2000000", month=3)
    ledger.consumption(city, YEAR, "500000")
    ledger.consumption(county, YEAR, "800000", month=5)
    ledger.consumption(other, YEAR, "900000")

    # Outcome reports: only approved ones count.
    ledger.report("labour_transferred", YEAR, 3000, month=6, pairing=city)
    books.pending_report = ledger.report(
        "labour_transferred",
        YEAR,
        999,
        month=7,
        pairing=city,
        status="submitted",
        submitted_by=world.user(COORDINATOR),
    )
    ledger.report("labour_transferred", YEAR, 1000, pairing=county)
    ledger.report("labour_transferred", YEAR, 500, pairing=other)
    ledger.report("people_trained", YEAR, 500, project=books.road)
    ledger.report("cadres_trained", PREVIOUS, 40, pairing=city)
    ledger.report("people_trained", YEAR, 70, month=2, pairing=city, status="returned")

    # Needs: collected in the year, and of those resolved.
    ledger.need(city, date(YEAR, 2, 1), resolved_on=date(YEAR, 5, 1))
    ledger.need(city, date(YEAR, 3, 1))
    ledger.need(city, date(PREVIOUS, 11, 1), resolved_on=date(YEAR, 1, 10))
    ledger.need(county, date(YEAR, 4, 1), resolved_on=date(YEAR, 6, 1))

    refresh_everything(world)
    return books


def refresh_everything(world):
    counts = assessment_refresh_many(
        pairing_ids=[p.pk for p in world.pairings.values()], years=[PREVIOUS, YEAR]
    )
    assert counts["failed"] == 0


def tree_of(world, key) -> list[int]:
    """The pairing and the pairings below it, spelled out rather than asked of the app."""
    below = {"gd-gz": ["zs-lps", "zsg-sc", "gz-bj", "th-xqg"], "zs-lps": ["zsg-sc"]}
    return [world.pairings[k].pk for k in (key, *below.get(key, []))]
