"""AidTrack benchmarks: each time is printed as a ratio against a floor measured in the same run.

    .venv/bin/python bench/run.py [--pairings 1000] [--repeat 5]
    .venv/bin/python bench/run.py --scale national --dataset aidtrack_scale [--repeat 3]

Runs in its own throw-away database (``aidtrack_bench``, created with Django's
test-database machinery and dropped at the end); the development database is
never touched. See bench/README.md for what each line means.
"""

import argparse
import csv
import io
import json
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")
# Keep the database connection between requests, as production does (60 s):
# outside production Django opens one per request, which small pages would measure.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "60")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.choices import Role  # noqa: E402
from accounts.models import User  # noqa: E402
from accounts.services import api_token_create  # noqa: E402
from pairings.choices import PairingLevel, Programme, RegionLevel  # noqa: E402
from pairings.models import Pairing, Region  # noqa: E402
from pairings.services import region_rows, regions_load  # noqa: E402

# Another name where several people share one server: BENCH_DATABASE=aidtrack_bench_me.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "aidtrack_bench")
API_PAGE_SIZE = 500
HTML_PAGE_SIZE = 200

# Real East–West cooperation pairs (helping province → helped province).
PROVINCE_PAIRS = [
    ("440000", "520000"),  # 广东 → 贵州
    ("330000", "510000"),  # 浙江 → 四川
    ("320000", "610000"),  # 江苏 → 陕西
    ("370000", "620000"),  # 山东 → 甘肃
]


# --- measuring ----------------------------------------------------------------


def measure(fn: Callable[[], object], repeat: int, *, setup: Callable[[], object] | None = None):
    """Median wall time of ``fn`` over ``repeat`` runs, after one untimed warm-up.

    ``setup`` runs before each call, untimed. ``fn`` may return its own
    elapsed time (a float) to exclude client-side work from the measurement.
    """
    times = []
    for i in range(repeat + 1):
        if setup is not None:
            setup()
        started = time.perf_counter()
        result = fn()
        elapsed = result if isinstance(result, float) else time.perf_counter() - started
        if i > 0:
            times.append(elapsed)
    return statistics.median(times)


def count_queries(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


# --- database -----------------------------------------------------------------


def create_bench_database() -> str:
    # The same dict as settings.DATABASES["default"]; Django filled in the other TEST keys.
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=False
    )
    if name != BENCH_DATABASE or connection.settings_dict["NAME"] != BENCH_DATABASE:
        raise RuntimeError(f"expected to be connected to {BENCH_DATABASE}, got {name}")
    return name


# --- regions ------------------------------------------------------------------


def truncate_regions():
    # Only ever runs in the bench database, before any pairing exists.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE pairings_region RESTART IDENTITY CASCADE")


def regions_floor_setup():
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bench_region_floor "
            "(LIKE pairings_region INCLUDING ALL)"
        )
        cursor.execute("TRUNCATE bench_region_floor")


@transaction.atomic
def regions_floor():
    """Read the same CSVs, derive ids, parents and full names, COPY every row in one go.

    The target has the same columns, defaults and indexes as pairings_region
    (``LIKE … INCLUDING ALL``), so only the foreign key is missing.
    """
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    ids: dict[str, int] = {}
    full_names: dict[str, str] = {}
    for level in region_rows():
        for row in level:
            ids[row.code] = len(ids) + 1
            parent_name = full_names.get(row.parent_code)
            full_name = f"{parent_name}{Region.SEPARATOR}{row.name}" if parent_name else row.name
            full_names[row.code] = full_name
            writer.writerow(
                [ids[row.code], row.code, row.name, row.level, ids.get(row.parent_code), full_name]
                + [now]
            )
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            "COPY bench_region_floor (id, code, name, level, parent_id, full_name, updated_at) "
            "FROM STDIN WITH (FORMAT csv)",
            buffer,
        )
    return len(ids)


def bench_regions(repeat: int) -> list[dict]:
    rows = sum(len(level) for level in region_rows())
    fresh = measure(regions_load, repeat, setup=truncate_regions)
    forced = measure(lambda: regions_load(force=True), repeat)
    skipped = measure(regions_load, repeat)
    floor = measure(regions_floor, repeat, setup=regions_floor_setup)
    fresh_queries = count_queries(lambda: (truncate_regions(), regions_load()))
    forced_queries = count_queries(lambda: regions_load(force=True))
    skipped_queries = count_queries(regions_load)
    if Region.objects.count() != rows:
        raise RuntimeError("regions_load did not load every row")
    return [
        row("regions_load() into an empty table", rows, fresh, rows, floor, fresh_queries - 1),
        row("regions_load(force=True), table full", rows, forced, rows, floor, forced_queries),
        row("regions_load(), nothing to do", rows, skipped, rows, floor, skipped_queries),
        row("  floor: CSV read + one COPY", rows, floor, rows, floor, 1),
    ]


# --- pairings -----------------------------------------------------------------


def counties(prefecture: Region) -> list[Region]:
    return list(prefecture.children.filter(level=RegionLevel.COUNTY).order_by("code"))


def build_pairings(total: int) -> int:
    """``total`` pairings in four province trees: province → prefecture → county.

    Every row is built from real regions and passes ``Pairing.clean()``; it is
    inserted with the normal triggers (audit history) in place.
    """
    start = date(2021, 1, 1)
    provinces = []
    prefecture_pairs = []
    for helping_code, helped_code in PROVINCE_PAIRS:
        helping = Region.objects.get(code=helping_code)
        helped = Region.objects.get(code=helped_code)
        parent = Pairing(
            helping_region=helping,
            helped_region=helped,
            programme=Programme.EAST_WEST,
            level=PairingLevel.PROVINCE,
            start_date=start,
            notes=f"{helping.name}对口{helped.name}",
        )
        provinces.append(parent)
        helping_prefs = [p for p in helping.children.order_by("code") if counties(p)]
        helped_prefs = [p for p in helped.children.order_by("code") if counties(p)]
        for a, b in zip(helping_prefs, helped_prefs, strict=False):
            prefecture_pairs.append((parent, a, b))
    prefectures = []
    county_choices = []
    for parent, a, b in prefecture_pairs:
        pairing = Pairing(
            helping_region=a,
            helped_region=b,
            programme=Programme.EAST_WEST,
            level=PairingLevel.PREFECTURE,
            parent=parent,
            start_date=start,
            notes=f"{a.name}结对帮扶{b.name}",
        )
        prefectures.append(pairing)
        county_choices.append((pairing, iter(product(counties(a), counties(b)))))
    remaining = total - len(provinces) - len(prefectures)
    if remaining < 0:
        raise SystemExit(f"--pairings must be at least {len(provinces) + len(prefectures)}")
    county_pairings = []
    while len(county_pairings) < remaining and county_choices:
        for choice in list(county_choices):
            parent, pairs = choice
            pair = next(pairs, None)
            if pair is None:
                county_choices.remove(choice)
                continue
            county_pairings.append(
                Pairing(
                    helping_region=pair[0],
                    helped_region=pair[1],
                    programme=Programme.EAST_WEST,
                    level=PairingLevel.COUNTY,
                    parent=parent,
                    start_date=start,
                    notes=f"{pair[0].name} — {pair[1].name}：产业协作、劳务协作、消费帮扶",
                )
            )
            if len(county_pairings) == remaining:
                break
    with transaction.atomic():
        for batch in (provinces, prefectures, county_pairings):
            for pairing in batch:
                pairing.parent = pairing.parent  # refresh parent_id after the parent's insert
                pairing.clean()
            Pairing.objects.bulk_create(batch)
    return Pairing.objects.count()


# --- the API and the list page against raw SQL ----------------------------------

FLOOR_SQL = """
SELECT p.id, p.programme, p.level, p.parent_id, p.start_date, p.end_date, p.status,
       p.notes, p.created_at, p.updated_at,
       hr.id, hr.code, hr.name, hr.level,
       dr.id, dr.code, dr.name, dr.level
  FROM pairings_pairing p
  JOIN pairings_region hr ON hr.id = p.helping_region_id
  JOIN pairings_region dr ON dr.id = p.helped_region_id
"""


def _iso(value):
    return value.isoformat()


def floor_rows(rows) -> bytes:
    """The same objects PairingSerializer produces, as plain dicts, dumped like DRF's renderer."""
    out = []
    for r in rows:
        out.append(
            {
                "id": r[0],
                "helping_region": r[11],  # the API identifies regions by code
                "helping_region_detail": {
                    "id": r[10],
                    "code": r[11],
                    "name": r[12],
                    "level": r[13],
                },
                "helped_region": r[15],
                "helped_region_detail": {"id": r[14], "code": r[15], "name": r[16], "level": r[17]},
                "programme": r[1],
                "level": r[2],
                "parent": r[3],
                "start_date": r[4],
                "end_date": r[5],
                "status": r[6],
                "notes": r[7],
                "created_at": r[8],
                "updated_at": r[9],
            }
        )
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"), default=_iso).encode()


def floor_keyset(page_size: int) -> int:
    """Every pairing, ``page_size`` rows per query, keyset-paged by id like the API's cursor."""
    last_id, total = 0, 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                FLOOR_SQL + " WHERE p.id > %s ORDER BY p.id LIMIT %s", [last_id, page_size]
            )
            rows = cursor.fetchall()
            if not rows:
                return total
            floor_rows(rows)
            total += len(rows)
            last_id = rows[-1][0]


def floor_page(page_size: int) -> int:
    """The first ``page_size`` rows in the list page's order."""
    with connection.cursor() as cursor:
        cursor.execute(
            FLOOR_SQL + " ORDER BY hr.code, dr.code, p.start_date, p.id LIMIT %s", [page_size]
        )
        rows = cursor.fetchall()
    floor_rows(rows)
    return len(rows)


def api_walk(client: Client, key: str, page_size: int) -> tuple[float, int, int]:
    """Follow ``next`` from the first page; returns (seconds in requests, rows, pages)."""
    url = f"/api/v1/pairings/?page_size={page_size}"
    elapsed, rows, pages = 0.0, 0, 0
    while url:
        started = time.perf_counter()
        response = client.get(
            url, HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json"
        )
        elapsed += time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}: {response.content[:300]!r}")
        body = json.loads(response.content)
        rows += len(body["results"])
        pages += 1
        url = body["next"]
    return elapsed, rows, pages


def api_page_queries(client: Client, key: str, page_size: int) -> list[int]:
    """Queries for each page of a full walk."""
    counts = []
    url = f"/api/v1/pairings/?page_size={page_size}"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
        counts.append(len(queries))
        url = json.loads(response.content)["next"]
    return counts


def list_page(client: Client, per_page: int, page: int = 1):
    response = client.get(f"/pairings/pairings/?per_page={per_page}&page={page}")
    if response.status_code != 200:
        raise RuntimeError(f"list page: HTTP {response.status_code}")
    return response


def bench_pairings(n: int, repeat: int) -> tuple[list[dict], list[str]]:
    leader = User.objects.create_user(
        username="bench_leader", password=None, role=Role.LEADER, full_name="Bench leader"
    )
    _token, key = api_token_create(user=leader, name="bench")
    api = Client()
    browser = Client()
    browser.force_login(leader)

    elapsed, rows, pages = api_walk(api, key, API_PAGE_SIZE)
    if rows != n:
        raise RuntimeError(f"the API returned {rows} rows, expected {n}")
    api_time = measure(lambda: api_walk(api, key, API_PAGE_SIZE)[0], repeat)
    api_floor = measure(lambda: floor_keyset(API_PAGE_SIZE), repeat)
    api_queries = api_page_queries(api, key, API_PAGE_SIZE)
    small_queries = api_page_queries(api, key, 50)

    page_rows = min(HTML_PAGE_SIZE, n)
    html_time = measure(lambda: list_page(browser, HTML_PAGE_SIZE), repeat)
    html25_time = measure(lambda: list_page(browser, 25), repeat)
    html_floor = measure(lambda: floor_page(page_rows), repeat)
    html25_floor = measure(lambda: floor_page(25), repeat)
    html_queries = {
        f"per_page={size} page={page}": count_queries(
            lambda s=size, p=page: list_page(browser, s, p)
        )
        for size, page in [(25, 1), (50, 1), (100, 1), (200, 1), (200, 2), (200, -(-n // 200))]
    }
    page = list_page(browser, HTML_PAGE_SIZE)
    page_kib = len(page.content) / 1024
    options = page.content.count(b"<option")

    results = [
        row(
            f"GET /api/v1/pairings/ page_size={API_PAGE_SIZE}, all pages",
            n,
            api_time,
            n,
            api_floor,
            sum(api_queries),
        ),
        row(
            f"  floor: keyset SQL + json.dumps, {API_PAGE_SIZE}/query",
            n,
            api_floor,
            n,
            api_floor,
            pages,
        ),
        row(
            f"GET /pairings/pairings/?per_page={HTML_PAGE_SIZE} (HTML)",
            page_rows,
            html_time,
            page_rows,
            html_floor,
            html_queries[f"per_page={HTML_PAGE_SIZE} page=1"],
        ),
        row(
            "GET /pairings/pairings/?per_page=25 (HTML)",
            min(25, n),
            html25_time,
            min(25, n),
            html25_floor,
            html_queries["per_page=25 page=1"],
        ),
        row(
            f"  floor: SQL + json.dumps, {page_rows} rows",
            page_rows,
            html_floor,
            page_rows,
            html_floor,
            1,
        ),
    ]
    notes = [
        f"API queries per page, page_size={API_PAGE_SIZE}: {per_page_summary(api_queries)}",
        f"API queries per page, page_size=50: {per_page_summary(small_queries)}",
        "List page queries: " + ", ".join(f"{k}: {v}" for k, v in html_queries.items()),
        f"List page per_page={HTML_PAGE_SIZE}: {page_kib:.0f} KiB of HTML, "
        f"{options} <option> elements",
    ]
    return results, notes


def per_page_summary(counts: list[int]) -> str:
    if len(set(counts)) == 1:
        return f"{counts[0]} on each of {len(counts)} pages"
    return str(counts)


# --- assessments: the overview against its summary rows, a refresh against its aggregate -----

SUMMARY_YEAR = 2023

SUMMARY_FLOOR_SQL = """
SELECT s.pairing_id, s.year, s.figures, s.tiles, s.score, s.grade, s.refreshed_at,
       hr.name, dr.name
  FROM assessments_pairingyearsummary s
  JOIN pairings_pairing p ON p.id = s.pairing_id
  JOIN pairings_region hr ON hr.id = p.helping_region_id
  JOIN pairings_region dr ON dr.id = p.helped_region_id
 WHERE p.parent_id = %s AND s.year = %s
 ORDER BY s.score DESC NULLS LAST
"""

# The bare aggregates a refresh needs, in one statement: every table a figure
# comes from, over the pairing's tree, for one year; no ORM, no scoring, no write.
AGGREGATE_FLOOR_SQL = """
WITH RECURSIVE tree(id) AS (
    SELECT id FROM pairings_pairing WHERE id = %(pairing)s
    UNION SELECT child.id FROM pairings_pairing child JOIN tree ON child.parent_id = tree.id
)
SELECT
  (SELECT sum(amount) FROM funds_fundallocation
    WHERE pairing_id IN (SELECT id FROM tree) AND year = %(year)s),
  (SELECT json_object_agg(kind, total) FROM (
     SELECT t.kind, sum(t.amount) AS total FROM funds_fundtransaction t
       JOIN projects_project p ON p.id = t.project_id
      WHERE p.pairing_id IN (SELECT id FROM tree) AND p.year = %(year)s GROUP BY t.kind) k),
  (SELECT json_object_agg(status, n) FROM (
     SELECT status, count(*) AS n FROM projects_project
      WHERE pairing_id IN (SELECT id FROM tree) AND year = %(year)s GROUP BY status) s),
  (SELECT count(*) FROM projects_project
    WHERE pairing_id IN (SELECT id FROM tree) AND status IN ('completed', 'accepted')
      AND actual_end_date BETWEEN %(first)s AND %(last)s),
  (SELECT json_object_agg(code, total) FROM (
     SELECT i.code, sum(r.value) AS total FROM projects_outcomereport r
       JOIN projects_indicator i ON i.id = r.indicator_id
       LEFT JOIN projects_project p ON p.id = r.project_id
      WHERE r.status = 'approved' AND r.year = %(year)s
        AND (r.pairing_id IN (SELECT id FROM tree) OR p.pairing_id IN (SELECT id FROM tree))
      GROUP BY i.code) r),
  (SELECT json_build_array(count(*), count(*) FILTER (WHERE status = 'resolved'))
     FROM projects_need WHERE pairing_id IN (SELECT id FROM tree)
      AND collected_on BETWEEN %(first)s AND %(last)s),
  (SELECT json_build_array(
            count(*) FILTER (WHERE p.category = 'cadre'),
            count(*) FILTER (WHERE p.category = 'talent' AND d.kind = 'long_term'),
            count(*) FILTER (WHERE d.kind = 'short_term'))
     FROM cadres_deployment d JOIN cadres_person p ON p.id = d.person_id
    WHERE d.pairing_id IN (SELECT id FROM tree) AND d.status <> 'planned'
      AND d.start_date BETWEEN %(first)s AND %(last)s),
  (SELECT count(DISTINCT person_id) FROM cadres_deployment
    WHERE pairing_id IN (SELECT id FROM tree) AND status <> 'planned'
      AND start_date <= %(last)s AND coalesce(actual_end_date, planned_end_date) >= %(last)s),
  (SELECT sum(amount) FROM funds_donation
    WHERE pairing_id IN (SELECT id FROM tree) AND date BETWEEN %(first)s AND %(last)s),
  (SELECT count(DISTINCT enterprise_id) FROM funds_investment
    WHERE pairing_id IN (SELECT id FROM tree) AND agreed_on BETWEEN %(first)s AND %(last)s),
  (SELECT sum(t.amount) FROM funds_investmenttranche t
     JOIN funds_investment i ON i.id = t.investment_id
    WHERE i.pairing_id IN (SELECT id FROM tree) AND t.date BETWEEN %(first)s AND %(last)s),
  (SELECT count(*) FROM funds_park
    WHERE pairing_id IN (SELECT id FROM tree) AND opened_on <= %(last)s),
  (SELECT sum(amount) FROM funds_consumptionsupport
    WHERE pairing_id IN (SELECT id FROM tree) AND year = %(year)s)
"""


def build_summaries() -> int:
    """A summary per pairing for SUMMARY_YEAR, shaped as assessment_refresh writes them."""
    from assessments.figures import figure_stored
    from assessments.models import PairingYearSummary

    figures = [
        figure_stored(
            {
                "code": f"indicator_{i}",
                "name": f"指标{i}",
                "name_en": f"indicator {i}",
                "unit": "万元",
                "category": "funds",
                "method": "completion",
                "weight": "6.25",
                "cap_percent": "120",
                "actual": str(1000 + i),
                "target": "1000",
                "completion": "100.00",
                "previous": "900",
                "change": "11.11",
                "points": "6.25",
                "url": "/funds/allocations/?pairing=1&year=2023",
            }
        )
        for i in range(16)
    ]
    tiles = {
        "fiscal_aid": {"value": "150000000.00", "url": None},
        "people_on_post": {"value": 18, "url": None},
        "projects_by_status": {"value": {"completed": 60, "in_progress": 8}, "url": None},
    }
    now = timezone.now()
    rows = [
        PairingYearSummary(
            pairing_id=pk,
            year=SUMMARY_YEAR,
            figures=figures,
            tiles=tiles,
            score=50 + pk % 50,
            grade="好",
            refreshed_at=now,
        )
        for pk in Pairing.objects.values_list("pk", flat=True)
    ]
    PairingYearSummary.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def floor_summaries(parent_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_FLOOR_SQL, [parent_id, SUMMARY_YEAR])
        rows = cursor.fetchall()
    json.dumps(rows, ensure_ascii=False, default=str)
    return len(rows)


def build_records(per_county: int) -> int:
    """What a refresh reads, for every county pairing: ``per_county`` projects of the
    year and the year before with their three money stages, an allocation, an
    approved outcome report and needs. Bulk inserts, as an import would make."""
    from funds.models import FundAllocation, FundTransaction
    from projects.catalogue import indicators_load
    from projects.models import Indicator, Need, OutcomeReport, Project

    indicators_load()
    labour = Indicator.objects.get(code="labour_transferred")
    counties = list(
        Pairing.objects.filter(level=PairingLevel.COUNTY).select_related("helped_region")
    )
    years = (SUMMARY_YEAR - 1, SUMMARY_YEAR)
    projects = [
        Project(
            code=f"B-{pairing.pk}-{year}-{i}",
            name=f"项目{i}",
            pairing=pairing,
            region=pairing.helped_region,
            category="industry",
            year=year,
            status=("completed", "in_progress", "approved")[i % 3],
            actual_end_date=date(year, 11, 30) if i % 3 == 0 else None,
            budget=1_000_000,
        )
        for pairing in counties
        for year in years
        for i in range(per_county)
    ]
    Project.objects.bulk_create(projects, batch_size=2000)
    stages = (("commitment", 1_000_000), ("disbursement", 600_000), ("expenditure", 400_000))
    FundTransaction.objects.bulk_create(
        [
            FundTransaction(
                project=project, kind=kind, amount=amount, date=date(project.year, 6, 1)
            )
            for project in projects
            for kind, amount in stages
        ],
        batch_size=5000,
    )
    FundAllocation.objects.bulk_create(
        FundAllocation(pairing=pairing, year=year, amount=per_county * 1_000_000)
        for pairing in counties
        for year in years
    )
    OutcomeReport.objects.bulk_create(
        OutcomeReport(indicator=labour, pairing=pairing, year=year, value=100, status="approved")
        for pairing in counties
        for year in years
    )
    Need.objects.bulk_create(
        Need(
            pairing=pairing,
            raised_by_region=pairing.helped_region,
            collected_on=date(year, 3, 1 + i),
            category="science",
            description="病虫害防治技术",
            status="resolved" if i % 2 else "open",
            resolved_on=date(year, 6, 1) if i % 2 else None,
            resolution_note="专家到场指导" if i % 2 else "",
        )
        for pairing in counties
        for year in years
        for i in range(4)
    )
    return len(projects)


def floor_aggregate(pairing_id: int) -> None:
    """The bare aggregates for the year and the year before, as a refresh computes both."""
    with connection.cursor() as cursor:
        for year in (SUMMARY_YEAR - 1, SUMMARY_YEAR):
            cursor.execute(
                AGGREGATE_FLOOR_SQL,
                {
                    "pairing": pairing_id,
                    "year": year,
                    "first": date(year, 1, 1),
                    "last": date(year, 12, 31),
                },
            )
            cursor.fetchall()


def bench_assessments(repeat: int) -> tuple[list[dict], list[str]]:
    from django.core.cache import cache

    from assessments.services import assessment_refresh, rubric_load_default
    from projects.models import Project

    summaries = build_summaries()
    province = (
        Pairing.objects.filter(level=PairingLevel.PROVINCE)
        .annotate(n=models.Count("children"))
        .order_by("-n")
        .first()
    )
    children = province.children.count()
    leader = User.objects.get(username="bench_leader")
    browser = Client()
    browser.force_login(leader)
    url = f"/assessments/?year={SUMMARY_YEAR}&pairing={province.pk}"

    def overview():
        response = browser.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"overview: HTTP {response.status_code}")

    cold = measure(overview, repeat, setup=cache.clear)
    warm = measure(overview, repeat)
    floor = measure(lambda: floor_summaries(province.pk), repeat)
    cache.clear()
    cold_queries = count_queries(overview)
    warm_queries = count_queries(overview)
    results = [
        row(
            "GET /assessments/ (overview), cache cold",
            children,
            cold,
            children,
            floor,
            cold_queries,
        ),
        row(
            "GET /assessments/ (overview), cache warm",
            children,
            warm,
            children,
            floor,
            warm_queries,
        ),
        row("  floor: SQL read of the same summary rows", children, floor, children, floor, 1),
    ]
    notes = [f"{summaries} summaries; the overview ranks the {children} pairings below {province}"]

    projects = build_records(per_county=10)
    rubric_load_default(year=SUMMARY_YEAR)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    try:
        refresh_once = assessment_refresh(pairing=province, year=SUMMARY_YEAR)
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        notes.append(f"refresh not measured: {exc}")
        return results, notes
    if refresh_once.failed:
        notes.append(
            f"refresh not measured (the apps' selectors failed): {refresh_once.last_error}"
        )
        return results, notes
    refresh = measure(lambda: assessment_refresh(pairing=province, year=SUMMARY_YEAR), repeat)
    aggregate = measure(lambda: floor_aggregate(province.pk), repeat)
    # Rates per project of the province's tree, the rows a refresh reads.
    tree = Pairing.objects.descendant_ids([province.pk])
    in_tree = Project.objects.filter(pairing__in=tree).count()
    results += [
        row(
            "assessment_refresh(province pairing)",
            in_tree,
            refresh,
            in_tree,
            aggregate,
            count_queries(lambda: assessment_refresh(pairing=province, year=SUMMARY_YEAR)),
        ),
        row(
            "  floor: the bare aggregates in SQL, 2 years",
            in_tree,
            aggregate,
            in_tree,
            aggregate,
            2,
        ),
    ]
    results += bench_pending_refresh(province, repeat)
    notes.append(
        f"refresh of {province}: {len(refresh_once.figures)} indicator figures and "
        f"{len(refresh_once.tiles)} tiles, each for {SUMMARY_YEAR} and {SUMMARY_YEAR - 1}, over "
        f"{len(tree)} pairings with {in_tree} projects ({3 * in_tree} transactions) "
        f"of the bench's {projects}"
    )
    return results, notes


def bench_pending_refresh(province: Pairing, repeat: int) -> list[dict]:
    """A county's change, refreshed the way writes get it: request row, then refresh_pending.

    The floor is the same summaries refreshed directly (the county's, its
    prefecture's and the province's, for the year and the next where it has
    come): the ratio is what recording and taking the request costs.
    """
    from django.utils import timezone

    from assessments.models import RefreshRequest
    from assessments.services import assessment_refresh
    from assessments.tasks import affected, refresh_pending

    county = Pairing.objects.filter(parent__parent=province).order_by("pk").first()
    touched = affected([(county.pk, SUMMARY_YEAR)])
    pairings = Pairing.objects.in_bulk({pairing_id for pairing_id, _year in touched})

    def request():
        RefreshRequest.objects.create(
            pairing_id=county.pk, year=SUMMARY_YEAR, requested_at=timezone.now()
        )

    def direct():
        for pairing_id, year in touched:
            assessment_refresh(pairing=pairings[pairing_id], year=year)

    queued = measure(lambda: refresh_pending.apply(), repeat, setup=request)
    floor = measure(direct, repeat)
    request()
    queries = count_queries(lambda: refresh_pending.apply())
    name = f"refresh_pending, one county request ({len(touched)} summaries)"
    return [
        row(name, len(touched), queued, len(touched), floor, queries),
        row(
            "  floor: assessment_refresh of the same summaries",
            len(touched),
            floor,
            len(touched),
            floor,
            count_queries(direct),
        ),
    ]


# --- output -------------------------------------------------------------------


def row(name, rows, seconds, floor_rows_, floor_seconds, queries):
    per_k = seconds / rows * 1000 if rows else 0.0
    floor_per_k = floor_seconds / floor_rows_ * 1000 if floor_rows_ else 0.0
    return {
        "name": name,
        "rows": rows,
        "ms": seconds * 1000,
        "per_k": per_k * 1000,
        "floor_per_k": floor_per_k * 1000,
        "ratio": per_k / floor_per_k if floor_per_k else float("nan"),
        "queries": queries,
    }


def print_table(results: list[dict]) -> None:
    header = ("benchmark", "rows", "median ms", "ms/1k rows", "floor ms/1k", "× floor", "queries")
    width = max(len(r["name"]) for r in results)
    print(
        f"{header[0]:<{width}}  {header[1]:>6}  {header[2]:>9}  {header[3]:>10}  "
        f"{header[4]:>11}  {header[5]:>7}  {header[6]:>7}"
    )
    print("-" * (width + 62))
    for r in results:
        print(
            f"{r['name']:<{width}}  {r['rows']:>6}  {r['ms']:>9.1f}  {r['per_k']:>10.1f}  "
            f"{r['floor_per_k']:>11.1f}  {r['ratio']:>7.1f}  {r['queries']:>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairings", type=int, default=1000, help="pairings to create (1000)")
    parser.add_argument(
        "--repeat", type=int, default=None, help="timed runs per measurement (5; national: 3)"
    )
    parser.add_argument(
        "--scale",
        choices=("default", "national"),
        default="default",
        help="national: every page, list, export and refresh on a national dataset",
    )
    national = parser.add_argument_group("national (bench/national.py)")
    national.add_argument(
        "--dataset",
        help="a loaded database to copy (CREATE DATABASE … TEMPLATE); without it, load_scale runs",
    )
    national.add_argument(
        "--dataset-scale",
        type=float,
        default=1.0,
        help="without --dataset: load_scale's size factor (1 = national, 0.01 = tiny)",
    )
    national.add_argument(
        "--json", help="where to write the results (bench/results/national-<sha>.json)"
    )
    national.add_argument("--only", help="measure only the lines matching this regex")
    national.add_argument("--skip", help="leave out the lines matching this regex")
    national.add_argument(
        "--keep", action="store_true", help="keep the measured database instead of dropping it"
    )
    args = parser.parse_args()
    if args.repeat is None:
        args.repeat = 3 if args.scale == "national" else 5

    # Measure what production runs: no debug cursor, no per-request log lines on the console.
    settings.DEBUG = False
    logging.getLogger("aidtrack.request").setLevel(logging.WARNING)
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per force_login otherwise
    # WhiteNoise looks for collected files when DEBUG is off; the pages need none.
    warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    if args.scale == "national":
        from bench import national

        national.run(args)
        return

    old_name = connection.settings_dict["NAME"]
    started = time.perf_counter()
    create_bench_database()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        print(
            f"AidTrack bench: database {BENCH_DATABASE} ({settings.DATABASE_SOURCE} PostgreSQL "
            f"{pg_version}), Python {platform.python_version()}, Django {django.get_version()}, "
            f"median of {args.repeat} runs after a warm-up"
        )
        results = bench_regions(args.repeat)
        n = build_pairings(args.pairings)
        with connection.cursor() as cursor:
            # The planner statistics autovacuum would have gathered on a live database.
            cursor.execute("ANALYZE")
        print(f"built {n} pairings under {len(PROVINCE_PAIRS)} province pairings")
        pairing_results, notes = bench_pairings(n, args.repeat)
        results += pairing_results
        assessment_results, assessment_notes = bench_assessments(args.repeat)
        results += assessment_results
        notes += assessment_notes
        print()
        print_table(results)
        print()
        for note in notes:
            print(note)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(f"\ndone in {time.perf_counter() - started:.0f} s; {BENCH_DATABASE} dropped")


if __name__ == "__main__":
    main()
