"""Summary refresh and the dashboards that read it, on an existing (national) database.

    DATABASE_URL=postgres://…/aidtrack_scale_copy .venv/bin/python bench/refresh.py [--year Y]

Writes summaries into that database (use a copy of the national dataset,
never the original). Prints, each against a floor measured in the same run:

* the refresh of one county pairing, one province pairing (the largest), all
  pairings for a year, and the nightly three years (``refresh_all``), against
  one set-based SQL statement that rolls every figure's aggregates up the tree
  for all pairings and one year (recursive (root, descendant) pairs; no ORM,
  no scoring, no writing);
* ``refresh_pending`` after a county's change;
* the overview (top level, and drilled into the largest province) and the
  pairing dashboard, against a SELECT of the summary rows they show.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

settings.DEBUG = False
logging.getLogger("aidtrack.request").setLevel(logging.WARNING)

# One statement: the pairs, then every family's own aggregates per pairing,
# rolled up per root (distinct counts over the pairs), all joined per root.
FLOOR_SQL = """
WITH RECURSIVE pairs(root, id) AS (
    SELECT id, id FROM pairings_pairing
    UNION SELECT pairs.root, child.id
    FROM pairings_pairing child JOIN pairs ON child.parent_id = pairs.id
),
alloc AS (
    SELECT pairs.root, sum(a.amount) AS allocated FROM funds_fundallocation a
    JOIN pairs ON pairs.id = a.pairing_id WHERE a.year = %(year)s GROUP BY pairs.root
),
stages AS (
    SELECT pairs.root, sum(o.committed) AS committed, sum(o.disbursed) AS disbursed,
           sum(o.spent) AS spent
    FROM (SELECT p.pairing_id,
                 sum(t.amount) FILTER (WHERE t.kind = 'commitment') AS committed,
                 sum(t.amount) FILTER (WHERE t.kind = 'disbursement') AS disbursed,
                 sum(t.amount) FILTER (WHERE t.kind = 'expenditure') AS spent
          FROM funds_fundtransaction t JOIN projects_project p ON p.id = t.project_id
          WHERE p.year = %(year)s GROUP BY p.pairing_id) o
    JOIN pairs ON pairs.id = o.pairing_id GROUP BY pairs.root
),
status AS (
    SELECT o.root, json_object_agg(o.status, o.n) AS by_status
    FROM (SELECT pairs.root, p.status, count(*) AS n FROM projects_project p
          JOIN pairs ON pairs.id = p.pairing_id WHERE p.year = %(year)s
          GROUP BY pairs.root, p.status) o
    GROUP BY o.root
),
completed AS (
    SELECT pairs.root, count(*) AS completed FROM projects_project p
    JOIN pairs ON pairs.id = p.pairing_id
    WHERE p.status IN ('completed', 'accepted') AND p.actual_end_date BETWEEN %(first)s AND %(last)s
    GROUP BY pairs.root
),
reported AS (
    SELECT o.root, json_object_agg(o.code, o.total) AS reported
    FROM (SELECT pairs.root, i.code, sum(r.value) AS total
          FROM (SELECT r.pairing_id AS pid, r.indicator_id, r.value FROM projects_outcomereport r
                WHERE r.status = 'approved' AND r.year = %(year)s AND r.pairing_id IS NOT NULL
                UNION ALL
                SELECT p.pairing_id, r.indicator_id, r.value FROM projects_outcomereport r
                JOIN projects_project p ON p.id = r.project_id
                WHERE r.status = 'approved' AND r.year = %(year)s) r
          JOIN projects_indicator i ON i.id = r.indicator_id
          JOIN pairs ON pairs.id = r.pid GROUP BY pairs.root, i.code) o
    GROUP BY o.root
),
needs AS (
    SELECT pairs.root, count(*) AS collected,
           count(*) FILTER (WHERE n.status = 'resolved') AS resolved
    FROM projects_need n JOIN pairs ON pairs.id = n.pairing_id
    WHERE n.collected_on BETWEEN %(first)s AND %(last)s GROUP BY pairs.root
),
sent AS (
    SELECT pairs.root,
           count(*) FILTER (WHERE pe.category = 'cadre') AS cadres,
           count(*) FILTER (WHERE pe.category = 'talent' AND d.kind = 'long_term') AS talents,
           count(*) FILTER (WHERE d.kind = 'short_term') AS person_times
    FROM cadres_deployment d JOIN cadres_person pe ON pe.id = d.person_id
    JOIN pairs ON pairs.id = d.pairing_id
    WHERE d.status <> 'planned' AND d.start_date BETWEEN %(first)s AND %(last)s
    GROUP BY pairs.root
),
on_post AS (
    SELECT pairs.root, count(DISTINCT d.person_id) AS on_post FROM cadres_deployment d
    JOIN pairs ON pairs.id = d.pairing_id
    WHERE d.status <> 'planned' AND d.start_date <= %(last)s
      AND coalesce(d.actual_end_date, d.planned_end_date) >= %(last)s
    GROUP BY pairs.root
),
donations AS (
    SELECT pairs.root, sum(x.amount) AS donations FROM funds_donation x
    JOIN pairs ON pairs.id = x.pairing_id WHERE x.date BETWEEN %(first)s AND %(last)s
    GROUP BY pairs.root
),
enterprises AS (
    SELECT pairs.root, count(DISTINCT x.enterprise_id) AS enterprises,
           array_agg(DISTINCT x.enterprise_id) AS enterprise_ids
    FROM funds_investment x JOIN pairs ON pairs.id = x.pairing_id
    WHERE x.agreed_on BETWEEN %(first)s AND %(last)s GROUP BY pairs.root
),
in_place AS (
    SELECT pairs.root, sum(t.amount) AS in_place FROM funds_investmenttranche t
    JOIN funds_investment x ON x.id = t.investment_id JOIN pairs ON pairs.id = x.pairing_id
    WHERE t.date BETWEEN %(first)s AND %(last)s GROUP BY pairs.root
),
parks AS (
    SELECT pairs.root, count(*) FILTER (WHERE x.kind = 'agricultural') AS agricultural,
           count(*) FILTER (WHERE x.kind = 'industrial') AS industrial
    FROM funds_park x JOIN pairs ON pairs.id = x.pairing_id
    WHERE x.opened_on <= %(last)s GROUP BY pairs.root
),
consumption AS (
    SELECT pairs.root, sum(x.amount) AS consumption FROM funds_consumptionsupport x
    JOIN pairs ON pairs.id = x.pairing_id WHERE x.year = %(year)s GROUP BY pairs.root
)
SELECT pg.id, alloc.allocated, stages.committed, stages.disbursed, stages.spent,
       status.by_status, completed.completed, reported.reported, needs.collected, needs.resolved,
       sent.cadres, sent.talents, sent.person_times, on_post.on_post, donations.donations,
       enterprises.enterprises, enterprises.enterprise_ids, in_place.in_place,
       parks.agricultural, parks.industrial, consumption.consumption
FROM pairings_pairing pg
LEFT JOIN alloc ON alloc.root = pg.id LEFT JOIN stages ON stages.root = pg.id
LEFT JOIN status ON status.root = pg.id LEFT JOIN completed ON completed.root = pg.id
LEFT JOIN reported ON reported.root = pg.id LEFT JOIN needs ON needs.root = pg.id
LEFT JOIN sent ON sent.root = pg.id LEFT JOIN on_post ON on_post.root = pg.id
LEFT JOIN donations ON donations.root = pg.id LEFT JOIN enterprises ON enterprises.root = pg.id
LEFT JOIN in_place ON in_place.root = pg.id LEFT JOIN parks ON parks.root = pg.id
LEFT JOIN consumption ON consumption.root = pg.id
"""


def floor(year: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, {"year": year, "first": f"{year}-01-01", "last": f"{year}-12-31"})
        return len(cursor.fetchall())


def measure(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def main():
    from accounts.models import Role, User
    from assessments.models import PairingYearSummary, RefreshRequest
    from assessments.services import assessment_refresh, assessment_refresh_set
    from assessments.tasks import refresh_all, refresh_pending
    from funds.models import FundAllocation
    from pairings.models import Pairing

    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-nightly", action="store_true")
    args = parser.parse_args()
    year = args.year or FundAllocation.objects.order_by("-year").values_list("year", flat=True)[0]
    ids = list(Pairing.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE pairs(root, id) AS (SELECT id, id FROM pairings_pairing "
            "UNION SELECT pairs.root, c.id FROM pairings_pairing c "
            "JOIN pairs ON c.parent_id = pairs.id) "
            "SELECT root, count(*) FROM pairs GROUP BY root ORDER BY count(*) DESC"
        )
        sizes = cursor.fetchall()
    province = Pairing.objects.get(pk=sizes[0][0])
    county = Pairing.objects.filter(children__isnull=True, parent__isnull=False).order_by("pk")[0]
    pairs = sum(n for _root, n in sizes)
    print(f"{len(ids)} pairings, {pairs} (root, descendant) pairs; year {year}")
    print(f"province: {province} ({sizes[0][1]} pairings in its tree); county: {county}")
    lines = Lines()

    floor_time, _ = measure(lambda: floor(year), args.repeat)
    floor_two, _ = measure(lambda: (floor(year), floor(year - 1)), 1)
    lines.append(
        ("floor: one set-based roll-up statement, all pairings, 1 year", floor_time, 1, 1.0)
    )
    lines.append(
        ("floor: the same for the year and the year before", floor_two, 2, floor_two / floor_time)
    )

    def one(pairing):
        return lambda: assessment_refresh(pairing=pairing, year=year)

    for label, fn in (
        ("refresh one county pairing", one(county)),
        ("refresh one province pairing", one(province)),
        (
            "refresh all pairings, one year",
            lambda: assessment_refresh_set(pairing_ids=ids, years=[year]),
        ),
    ):
        fn()  # warm-up
        elapsed, _ = measure(fn, args.repeat)
        lines.append((label, elapsed, queries(fn), elapsed / floor_time))

    # The queue holds only this bench's request (a loaded dataset may have queued thousands).
    RefreshRequest.objects.all().delete()

    def pending():
        RefreshRequest.objects.update_or_create(
            pairing_id=county.pk, year=year, defaults={"requested_at": time_now()}
        )
        return refresh_pending.apply().get()

    elapsed, _ = measure(pending, args.repeat)
    lines.append(("refresh_pending, one county request", elapsed, queries(pending), None))

    if not args.skip_nightly:
        nightly = lambda: refresh_all.apply(kwargs={"years": [year - 2, year - 1, year]}).get()  # noqa: E731
        elapsed, counts = measure(nightly, 1)
        lines.append(
            (
                f"nightly refresh_all, 3 years ({counts})",
                elapsed,
                queries(nightly),
                elapsed / floor_time,
            )
        )

    # Dashboards, as a leader.
    leader = User.objects.filter(role=Role.LEADER, is_active=True).first()
    if leader is None:
        leader = User.objects.create(username="bench_refresh_leader", role=Role.LEADER)
    client = Client()
    client.force_login(leader)
    top_ids = list(Pairing.objects.filter(parent__isnull=True).values_list("pk", flat=True))
    below = list(Pairing.objects.filter(parent=province).values_list("pk", flat=True))

    def summary_rows(pairing_ids):
        def read():
            rows = list(
                PairingYearSummary.objects.filter(
                    pairing_id__in=pairing_ids, year=year
                ).values_list("pairing_id", "score", "grade", "figures", "tiles")
            )
            return len(rows)

        return read

    for label, params, rows in (
        ("GET /assessments/ top level", {"year": year}, top_ids),
        (
            "GET /assessments/ drilled into the province",
            {"year": year, "pairing": province.pk},
            below + [province.pk],
        ),
        ("GET /assessments/pairing/<province>/", None, [province.pk]),
    ):
        url = (
            f"/assessments/pairing/{province.pk}/?year={year}"
            if params is None
            else "/assessments/"
        )

        def fn(url=url, params=params):
            return client.get(url, params or {})

        assert fn().status_code == 200
        floor_rows, _ = measure(summary_rows(rows), args.repeat)
        warm, _ = measure(fn, args.repeat)

        def cold(fn=fn):
            cache.clear()
            return fn()

        cold_time, _ = measure(cold, args.repeat)
        lines.append(
            (f"{label}, cache warm ({len(rows)} rows)", warm, queries(fn), warm / floor_rows)
        )
        lines.append((f"{label}, cache cold", cold_time, queries(cold), cold_time / floor_rows))
        lines.append(("  floor: SELECT of the same summary rows", floor_rows, 1, 1.0))

    print(f"\n{'benchmark':72} {'ms':>10} {'× floor':>8} {'queries':>8}")
    for line in lines:
        Lines.show(line)


class Lines(list):
    """The table's lines, each also printed as soon as it is measured."""

    def append(self, line):
        super().append(line)
        self.show(line, flush=True)

    @staticmethod
    def show(line, flush=False):
        label, elapsed, count, ratio = line
        shown = f"{ratio:.2f}" if ratio is not None else ""
        print(f"{label:72} {elapsed * 1000:10.1f} {shown:>8} {count:>8}", flush=flush)


def time_now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    main()
