"""The national bench: everything a user waits for, on a national dataset, against floors.

    .venv/bin/python bench/run.py --scale national --dataset aidtrack_scale [--repeat 3]

Imported by run.py (which sets Django up) when ``--scale national`` is given.
Every line is a ratio against a floor measured in the same run, for three
users: a leader, a coordinator scoped to the largest province pairing and one
scoped to a city pairing below it. See bench/README.md, "National bench".

The floors are derived from the code, not written per resource: the API's
from each viewset's own queryset (``filter_queryset(get_queryset())``) at the
same page, the HTML lists' from each list's table and filterset, compiled to
SQL and run through a bare cursor, the rows dumped with ``json.dumps``.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Q
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parent.parent
API_SIZES = (100, 500)
HTML_SIZES = (25, 200)
EXPORT_ROWS = 100_000
HUB_GOAL_SECONDS = 0.5
# Room a write needs under the pairing-year's allocations (its runs commit 1,000 yuan each).
WRITE_ROOM = 100_000
# A line whose warm-up takes longer is timed once instead of --repeat times.
SLOW_SECONDS = 1.0
# A short line runs more rounds than --repeat, until it has been timed this long in all
# (at most MAX_ROUNDS): the median of three runs moved by half between runs, for a floor
# of 1.2-3.2 ms as for a page of 25-40 ms (the same page 1 of investments, minutes apart).
MIN_SAMPLE_SECONDS = 0.25
MAX_ROUNDS = 15
# The user whose lines each coordinator's are compared with.
LEADER = "leader"
# The province pairing the issue measures (广东 → 贵州); the largest province tree otherwise.
PROVINCE_PAIR = ("440000", "520000")


class LineFailed(Exception):
    pass


# --- measuring ----------------------------------------------------------------


class Counter:
    """Counts statements through ``connection.execute_wrapper``: cheap enough for long runs."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, int, object]:
    """(median seconds of ``repeat`` runs, queries, the last result) of one callable."""
    return timed_together({"line": fn}, repeat)["line"]


def timed_together(
    fns: dict[str, Callable[[], object]], repeat: int, min_sample: float = 0.0
) -> dict[str, tuple[float, int, object]]:
    """For each callable: (median seconds, queries, the last result), timed in rounds.

    Each callable first runs once untimed (the warm-up, which counts its queries
    with CaptureQueriesContext). Then each round runs every callable once, in
    alternating order, so a line and what it is compared with (its floor, its
    page 1, the leader's same request) see the same moments of a machine whose
    speed drifts: measured one after the other, a quotient moved by half between
    runs. There are ``repeat`` rounds, more while the first callable has been
    timed less than ``min_sample`` seconds in all (at most MAX_ROUNDS), and one
    if a warm-up takes over SLOW_SECONDS: at national scale a slow page would
    otherwise take most of the run.
    """
    results, queries, slow = {}, {}, False
    for name, fn in fns.items():
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            results[name] = fn()
        queries[name] = len(captured)
        slow = slow or time.perf_counter() - started > SLOW_SECONDS
    if slow:
        repeat, min_sample = 1, 0.0
    times: dict[str, list[float]] = {name: [] for name in fns}
    order = list(fns)
    rounds = 0
    while rounds < repeat or (rounds < MAX_ROUNDS and sum(times[order[0]]) < min_sample):
        for name in order if rounds % 2 == 0 else reversed(order):
            started = time.perf_counter()
            results[name] = fns[name]()
            times[name].append(time.perf_counter() - started)
        rounds += 1
    return {name: (statistics.median(times[name]), queries[name], results[name]) for name in fns}


def once(fn: Callable[[], object]) -> tuple[float, int, object]:
    """One timed run, no warm-up, statements counted without recording them (long runs)."""
    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - started
    return elapsed, counter.n, result


def dump(rows) -> int:
    """Bytes of the rows dumped the way DRF renders JSON (compact, non-ASCII kept)."""
    return len(json.dumps(rows, ensure_ascii=False, separators=(",", ":"), default=str).encode())


def fetched(sql: str, params) -> tuple[list[str], list[tuple]]:
    """SQL run through a bare cursor: its column names and rows, no model or DRF layer."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [column.name for column in cursor.description], cursor.fetchall()


def queryset_fetched(queryset) -> tuple[list[str], list[tuple]]:
    """``fetched`` of the queryset's own SQL. Nothing where its filter can match nothing
    (EmptyResultSet: an id list that is empty, a scope without such rows), for which
    Django runs no query either."""
    try:
        sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return [], []
    return fetched(sql, params)


def sql_rows(queryset) -> tuple[int, int]:
    """Run the queryset's compiled SQL through a bare cursor; dicts dumped as JSON."""
    return dumped(*queryset_fetched(queryset))


def sql_rows_nested(queryset) -> tuple[int, int]:
    """``sql_rows`` plus the lists the queryset prefetches, nested in their rows, one query each.

    An API page that nests a list (an agreement's targets) reads and writes
    those rows too; a floor without them would measure a smaller answer.
    Each prefetch level is one bare query of the related rows of the page
    (``WHERE <link> IN (ids)``, the related model's default order), as
    Django's own prefetch runs it, and its rows go into their parents' dicts.
    """
    names, values = queryset_fetched(queryset)
    rows = [dict(zip(names, row, strict=True)) for row in values]
    # The model's own columns come first: with select_related a joined "id" comes later.
    first = {name: names.index(name) for name in set(names)}
    parents = [
        (
            queryset.model,
            rows,
            [row[first[queryset.model._meta.pk.column]] for row in values],
            values,
            first,
        )
    ]
    for lookup in queryset._prefetch_related_lookups:
        path = getattr(lookup, "prefetch_through", lookup)
        # A Prefetch's own queryset reads its last step (a pairing with its sides' names).
        last = getattr(lookup, "queryset", None)
        level = parents[0]
        steps = path.split("__")
        for depth, name in enumerate(steps, start=1):
            level = _prefetch_level(*level, name, last if depth == len(steps) else None)
    return len(rows), dump(rows)


def _prefetch_level(model, rows, ids, values, first, name, read=None):
    """One prefetch step from ``rows`` of ``model``: the related rows, put into their parents.

    ``read``: the queryset the step reads a forward key's records from (its model's
    manager if None)."""
    field = model._meta.get_field(name)
    related = field.related_model
    if field.concrete and (field.many_to_one or field.one_to_one):  # a forward key: its column
        keys = [row[first[field.column]] for row in values]
        source = related._default_manager.all() if read is None else read
        queryset = source.filter(pk__in={k for k in keys if k is not None})
        parent_of = None
    else:  # a reverse key or many-to-many: the link's own column, joined where it must be
        query_name = field.field.name if field.auto_created else field.related_query_name()
        queryset = (
            related._default_manager.filter(**{f"{query_name}__in": ids})
            .annotate(_floor_parent=F(query_name))
            .values_list(*[f.attname for f in related._meta.concrete_fields], "_floor_parent")
        )
        parent_of = True
    names, found = queryset_fetched(queryset)
    nested = [dict(zip(names, row, strict=True)) for row in found]
    where = {name: names.index(name) for name in set(names)}
    pk = where.get(related._meta.pk.column)  # None with no rows: nothing reads it
    if parent_of is None:
        by_pk = {row[pk]: item for row, item in zip(found, nested, strict=True)}
        for row, key in zip(rows, keys, strict=True):
            row[name] = by_pk.get(key)
    else:
        children: dict = {}
        for item in nested:
            children.setdefault(item.pop("_floor_parent"), []).append(item)
        for row, key in zip(rows, ids, strict=True):
            row[name] = children.get(key, [])
    return related, nested, [row[pk] for row in found], found, where


def raw_rows(sql: str, params) -> tuple[int, int]:
    """The rows of ``sql`` as dicts, dumped as JSON: their count and bytes."""
    return dumped(*fetched(sql, params))


def dumped(names: list[str], values: list[tuple]) -> tuple[int, int]:
    """Rows as dicts of their columns, dumped as JSON: their count and bytes."""
    rows = [dict(zip(names, row, strict=True)) for row in values]
    return len(rows), dump(rows)


class Bench:
    """The lines measured so far, and how: ``line`` times one request against what it is
    compared with, all in the same rounds (``timed_together``)."""

    def __init__(self, repeat: int, only: str | None, skip: str | None):
        self.repeat = repeat
        self.only = re.compile(only) if only else None
        self.skip = re.compile(skip) if skip else None
        self.lines: list[dict] = []
        self.notes: list[str] = []
        # (group, name) → the leader's request of that line, run again with each
        # coordinator's: the goal compares the two (≤ 1.3×).
        self.leader_requests: dict[tuple[str, str], Callable[[], tuple[int, int]]] = {}

    def wanted(self, name: str) -> bool:
        if self.only and not self.only.search(name):
            return False
        return not (self.skip and self.skip.search(name))

    def line(
        self,
        group: str,
        name: str,
        user: str,
        fn: Callable[[], tuple[int, int]],
        floor: Callable[[], tuple[int, int]] | None = None,
        *,
        floor_seconds: float | None = None,
        floor_name: str = "",
        single: bool = False,
        page1: Callable[[], tuple[int, int]] | None = None,
        extra: dict | None = None,
    ) -> dict | None:
        """Measure ``fn`` (returns rows, bytes) against ``floor`` (the same), print a line.

        ``page1`` (a deep page's first page) and, for a coordinator, the leader's
        request of the same line are timed in the same rounds: ``× page 1`` and
        ``× leader`` are quotients of times taken side by side. ``single``: one
        timed run of each, no warm-up (long runs).
        """
        full = f"{group} {name} [{user}]"
        if user == LEADER:
            self.leader_requests[(group, name)] = fn
        if not self.wanted(full):
            return None
        entry = {"group": group, "name": name, "user": user, **(extra or {})}
        together = {"line": fn, "floor": floor, "page1": page1}
        if user != LEADER:
            together["leader"] = self.leader_requests.get((group, name))
        together = {key: value for key, value in together.items() if value is not None}
        try:
            if single:
                measured = {key: once(value) for key, value in together.items()}
            else:
                measured = timed_together(together, self.repeat, MIN_SAMPLE_SECONDS)
            seconds, queries, (rows, size) = measured["line"]
            entry.update(ms=seconds * 1000, queries=queries, rows=rows, bytes=size)
            if "floor" in measured:
                floor_s, floor_queries, (floor_rows_, floor_bytes) = measured["floor"]
                entry.update(
                    floor_ms=floor_s * 1000,
                    floor_rows=floor_rows_,
                    floor_bytes=floor_bytes,
                    floor_queries=floor_queries,
                )
            elif floor_seconds is not None:
                entry["floor_ms"] = floor_seconds * 1000
            entry["floor"] = floor_name
            if entry.get("floor_ms"):
                entry["ratio"] = entry["ms"] / entry["floor_ms"]
            if "page1" in measured:
                entry["page1_ms"] = measured["page1"][0] * 1000
            if "leader" in measured and measured["leader"][0]:
                entry["leader_ms"] = measured["leader"][0] * 1000
                entry["vs_leader"] = seconds / measured["leader"][0]
        except Exception as exc:  # noqa: BLE001 - one failing line must not stop the run
            entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
            connection.close()  # a broken transaction or cursor must not poison the next line
        self.lines.append(entry)
        print_line(entry, flush=True)
        return entry

    def fail(self, group: str, name: str, user: str, exc: Exception) -> None:
        entry = {"group": group, "name": name, "user": user}
        entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
        connection.close()
        self.lines.append(entry)
        print_line(entry, flush=True)

    def _timed(self, fn):
        return timed(fn, self.repeat)


# --- the database -------------------------------------------------------------


def admin_sql(statement: str) -> None:
    """A statement outside any database (CREATE/DROP DATABASE), on the maintenance database."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(statement)


def use_database(name: str) -> None:
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name


def copy_database(source: str, copy: str) -> None:
    """``CREATE DATABASE copy TEMPLATE source``; retried while someone else is connected to it."""
    admin_sql(f'DROP DATABASE IF EXISTS "{copy}"')
    for attempt in range(30):
        try:
            admin_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
            return
        except Exception as exc:  # noqa: BLE001
            if "being accessed by other users" not in str(exc) or attempt == 29:
                raise
            time.sleep(10)


def database_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def dataset_sizes() -> dict[str, int]:
    """Estimated rows of the big tables (pg_class.reltuples: no COUNT over millions)."""
    tables = {
        "pairings": "pairings_pairing",
        "organisations": "pairings_organization",
        "people": "cadres_person",
        "deployments": "cadres_deployment",
        "team members": "cadres_teammember",
        "check-ins": "cadres_checkin",
        "projects": "projects_project",
        "fund transactions": "funds_fundtransaction",
        "allocations": "funds_fundallocation",
        "outcome reports": "projects_outcomereport",
        "summaries": "assessments_pairingyearsummary",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s)",
            [list(tables.values())],
        )
        found = dict(cursor.fetchall())
    return {label: int(found.get(table, 0)) for label, table in tables.items()}


# --- who measures -------------------------------------------------------------


def choose_pairings():
    """The province pairing (广东→贵州, else the one with the most pairings below),
    the city pairing below it with the most pairings below, and a county below that."""
    from pairings.choices import PairingLevel
    from pairings.models import Pairing

    provinces = Pairing.objects.filter(level=PairingLevel.PROVINCE)
    province = provinces.filter(
        helping_region__code=PROVINCE_PAIR[0], helped_region__code=PROVINCE_PAIR[1]
    ).first()
    if province is None:
        province = max(provinces, key=lambda p: len(Pairing.objects.descendant_ids([p.pk])))
    children = list(Pairing.objects.filter(parent=province).order_by("pk"))
    city = max(children, key=lambda p: len(Pairing.objects.descendant_ids([p.pk])))
    county = Pairing.objects.filter(parent=city).order_by("pk").first() or city
    return province, city, county


def make_users(province, city) -> dict[str, dict]:
    """A leader and two coordinators, created through the accounts services, with API tokens."""
    from accounts.backends import ScopeLoadingBackend
    from accounts.choices import Role
    from accounts.models import User
    from accounts.services import api_token_create, user_save

    users = {}
    for label, role, scope in (
        (LEADER, Role.LEADER, None),
        ("coord-province", Role.COORDINATOR, province),
        ("coord-city", Role.COORDINATOR, city),
    ):
        account = User(username=f"bench_{label}", role=role, full_name=f"Bench {label}")
        user_save(account)
        if scope is not None:
            account.scope_pairings.set([scope])
        # Loaded by the backend a request loads its user with: with the ids of the scope's
        # pairings and organisations, which the floors' queries then test as the pages' do.
        # Without them a person's records were tested by the organisations' subquery: a
        # city coordinator's check-ins floor took 55 ms where the page read them in 24.
        account = ScopeLoadingBackend().get_user(account.pk)
        _token, key = api_token_create(user=account, name="bench", can_write=True)
        browser = Client()
        browser.force_login(account)
        users[label] = {"user": account, "key": key, "browser": browser, "api": Client()}
        # First uses write once per session or token (last_used_at, the session's
        # language): not part of the first line measured.
        get(users[label]["api"], "/api/v1/", key)
        browser.get("/", follow=True)
    return users


def get(client: Client, url: str, key: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    response = client.get(url, **headers)
    if response.status_code != 200:
        raise LineFailed(f"{url}: HTTP {response.status_code}")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# --- API lists ----------------------------------------------------------------


def api_view(viewset, user, params: dict):
    """The list view as DRF builds it for this user and these parameters (no request run)."""
    view = viewset()
    view.action = "list"
    view.action_map = {"get": "list"}
    view.args, view.kwargs, view.format_kwarg, view.headers = (), {}, None, {}
    request = view.initialize_request(RequestFactory().get("/", params))
    request.user = user
    view.request = request
    return view


def api_page_queryset(viewset, user, params: dict, page_size: int, after=None):
    """The rows the paginator fetches for this page: ordering and keyset as its own code does."""
    view = api_view(viewset, user, params)
    queryset = view.filter_queryset(view.get_queryset())
    ordering = view.paginator.get_ordering(view.request, queryset, view)
    if after is not None:
        field = ordering[0].lstrip("-")
        lookup = "lt" if ordering[0].startswith("-") else "gt"
        queryset = queryset.filter(**{f"{field}__{lookup}": after})
    return queryset.order_by(*ordering)[:page_size]


def near_end_cursor(viewset, user, url: str, page_size: int):
    """A cursor positioned ``page_size`` rows before the end, encoded by the paginator itself."""
    from rest_framework.pagination import Cursor

    view = api_view(viewset, user, {})
    queryset = view.filter_queryset(view.get_queryset())
    ordering = view.paginator.get_ordering(view.request, queryset, view)
    field = ordering[0].lstrip("-")
    backwards = f"-{field}" if not ordering[0].startswith("-") else field
    position = (
        queryset.order_by(backwards)
        .values_list(field, flat=True)[page_size : page_size + 1]
        .first()
    )
    if position is None:
        return None, None
    paginator = view.paginator
    paginator.base_url = f"http://testserver{url}?page_size={page_size}"
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(position))), (
        position
    )


def recent_timestamp(viewset, user, page_size: int):
    """The ``updated_at`` of the row ``page_size`` from the newest: a recent sync point."""
    from aidtrack.core.api_defaults import has_updated_at

    view = api_view(viewset, user, {})
    if not has_updated_at(view.get_queryset().model):
        return None
    return (
        view.get_queryset()
        .order_by("-updated_at")
        .values_list("updated_at", flat=True)[page_size : page_size + 1]
        .first()
    )


def bench_api(bench: Bench, users: dict) -> None:
    from aidtrack.api_router import router

    for prefix, viewset, _basename in router.registry:
        url = f"/api/v1/{prefix}/"
        for label, who in users.items():
            user, key, client = who["user"], who["key"], who["api"]

            def page(u=url, c=client, k=key):
                _response, body = get(c, u, k)
                return len(json.loads(body)["results"]), len(body)

            first = {
                size: lambda s=size, p=page, u=url: p(f"{u}?page_size={s}") for size in API_SIZES
            }
            for size in API_SIZES:
                bench.line(
                    "api",
                    f"{prefix} page 1 ×{size}",
                    label,
                    first[size],
                    lambda s=size, v=viewset, us=user: sql_rows_nested(
                        api_page_queryset(v, us, {}, s)
                    ),
                    floor_name="viewset queryset SQL, its prefetches + json.dumps",
                )
            size = API_SIZES[-1]
            deep_name = f"{prefix} deep page ×{size}"
            if bench.wanted(f"api {deep_name} [{label}]"):
                try:
                    deep_url, position = near_end_cursor(viewset, user, url, size)
                except Exception as exc:  # noqa: BLE001
                    bench.fail("api", deep_name, label, exc)
                    deep_url, position = None, None
                if deep_url:
                    bench.line(
                        "api",
                        deep_name,
                        label,
                        lambda d=deep_url, p=page: p(d.replace("http://testserver", "")),
                        lambda s=size, v=viewset, us=user, a=position: sql_rows_nested(
                            api_page_queryset(v, us, {}, s, after=a)
                        ),
                        floor_name="keyset SQL, its prefetches + json.dumps",
                        page1=first[size],
                    )
            since_name = f"{prefix} updated_since ×{size}"
            if bench.wanted(f"api {since_name} [{label}]"):
                try:
                    since = recent_timestamp(viewset, user, size)
                except Exception as exc:  # noqa: BLE001
                    bench.fail("api", since_name, label, exc)
                    since = None
                if since is not None:
                    params = {"updated_since": since.isoformat(), "page_size": size}
                    bench.line(
                        "api",
                        since_name,
                        label,
                        lambda p=page, u=url, q=params: p(f"{u}?{urlencode(q)}"),
                        lambda s=size, v=viewset, us=user, q=params: sql_rows_nested(
                            api_page_queryset(v, us, {"updated_since": q["updated_since"]}, s)
                        ),
                        floor_name="viewset queryset SQL, its prefetches + json.dumps",
                    )


# --- HTML lists -----------------------------------------------------------------


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def object_views():
    """Every ObjectViews subclass with a list page, as the generated tests find them."""
    import aidtrack.urls  # noqa: F401  (every ObjectViews subclass is defined once the URLs are)
    from aidtrack.core.views import ObjectViews

    seen = {}
    for views in subclasses(ObjectViews):
        if views.model is not None and views.table_class is not None:
            seen.setdefault(views.list_url(), views)
    return [seen[name] for name in sorted(seen)]


def may_open(user, views) -> bool:
    """Whether the role may open the model's pages at all (else 403: no line, not a failure)."""
    from aidtrack.core import scoping

    return user.may(scoping.VIEW, views.model) and user.may(views.pages_need, views.model)


def list_rows(views, user, params: dict):
    """``(queryset, ids_first)``: the list's rows in its order, no page (table, filterset
    and order as the view applies them), and whether a page picks its ids first."""
    from aidtrack.core import paging, scoping

    request = RequestFactory().get("/", params)
    request.user = user
    table = views.table_class(views.model)
    base = table.prepare(views.model.objects.for_user(user, scoping.VIEW))
    if views.filterset_class is not None:
        base = views.filterset_class(params or None, queryset=base, request=request).filtered
    keys, sort = table.sort_keys(base, None)
    queryset = paging.ordered(table.page_source(base, sort), keys)
    return queryset, table.reads_ids_first(base, keys, sort)


def list_page_queryset(views, user, params: dict, per_page: int):
    """The list's own row query for its first page, read as the view reads it
    (core.paging.page_rows)."""
    from aidtrack.core import paging

    queryset, ids_first = list_rows(views, user, params)
    return paging.page_rows(queryset, per_page, ids_first=ids_first)


LAST_LINK = re.compile(
    rb'<a[^>]*rel="last"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*rel="last"'
)


def html_rows(body: bytes) -> int:
    """The records a list page shows: its table body's rows, less the one that says none
    match (a cell across the table, generic/includes/table.html)."""
    start = body.find(b"<tbody")
    if start < 0:
        return 0
    end = body.find(b"</tbody>", start)
    return body.count(b"<tr", start, end) - body.count(b"<td colspan=", start, end)


def bench_html(bench: Bench, users: dict, province, city) -> None:
    for views in object_views():
        url = reverse(views.list_url())
        model = views.model._meta.model_name
        filters = getattr(views.filterset_class, "base_filters", {})
        for label, who in users.items():
            user, browser = who["user"], who["browser"]
            if not may_open(user, views):
                continue

            def page(query, b=browser, u=url):
                _response, body = get(b, f"{u}?{urlencode(query)}")
                return html_rows(body), len(body)

            first = {size: lambda s=size, p=page: p({"per_page": s}) for size in HTML_SIZES}
            for size in HTML_SIZES:
                bench.line(
                    "html",
                    f"{model} ×{size}",
                    label,
                    first[size],
                    lambda s=size, v=views, us=user: sql_rows_nested(
                        list_page_queryset(v, us, {}, s)
                    ),
                    floor_name="list row query SQL, its prefetches + json.dumps",
                )
            size = HTML_SIZES[-1]
            if "pairing" in filters:
                scope = city if label == "coord-city" else province
                query = {"per_page": size, "pairing": scope.pk}
                bench.line(
                    "html",
                    f"{model} ×{size} pairing={scope.pk}",
                    label,
                    lambda p=page, q=query: p(q),
                    lambda s=size, v=views, us=user, q=query: sql_rows_nested(
                        list_page_queryset(v, us, {"pairing": q["pairing"]}, s)
                    ),
                    floor_name="list row query SQL, its prefetches + json.dumps",
                )
            deep_name = f"{model} deep page ×{size}"
            if bench.wanted(f"html {deep_name} [{label}]"):
                deep = deep_query(browser, url, views, user, size)
                if deep is not None:
                    bench.line(
                        "html",
                        deep_name,
                        label,
                        lambda p=page, q=deep: p(q),
                        lambda s=size, v=views, us=user: sql_rows_nested(
                            list_page_queryset(v, us, {}, s)
                        ),
                        floor_name="page 1 row query SQL, its prefetches + json.dumps",
                        page1=first[size],
                        extra={"deep": urlencode(deep)},
                    )


def deep_query(browser, url: str, views, user, size: int) -> dict | None:
    """The ``rel="last"`` link of page 1 if it has one, else ``?page=`` near the end."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        _response, body = get(browser, f"{url}?per_page={size}")
    except LineFailed:
        return None
    found = LAST_LINK.search(body)
    if found:
        href = (found.group(1) or found.group(2)).decode().replace("&amp;", "&")
        return dict(parse_qsl(urlsplit(href).query))
    # The last full page: a partial one would compare fewer rows with page 1.
    last_full = list_rows(views, user, {})[0].count() // size
    return {"per_page": size, "page": last_full} if last_full > 1 else None


# --- detail pages, hub tabs, dashboards -------------------------------------------


def bench_details(bench: Bench, users: dict) -> None:
    from aidtrack.core import scoping

    for views in object_views():
        model = views.model
        name = f"{model._meta.model_name} detail"
        visible = {
            label: model.objects.for_user(who["user"], scoping.VIEW)
            for label, who in users.items()
            if bench.wanted(f"detail {name} [{label}]") and may_open(who["user"], views)
        }
        newest = {
            label: rows.order_by("-pk").values_list("pk", flat=True).first()
            for label, rows in visible.items()
        }
        # One record for every user whose scope holds it: the newest in the narrowest
        # scope. Each user's own newest record differed in what it held (a reviewed
        # report's reviewers), so "× leader" compared two different pages.
        shared = next((pk for pk in reversed(newest.values()) if pk is not None), None)
        for label, rows in visible.items():
            who = users[label]
            pk = shared if shared is not None and rows.filter(pk=shared).exists() else newest[label]
            if pk is None:
                continue
            try:
                url = reverse(model.url_name("detail"), args=[pk])
            except NoReverseMatch:
                continue

            def page(b=who["browser"], u=url):
                _response, body = get(b, u)
                return 1, len(body)

            bench.line(
                "detail",
                name,
                label,
                page,
                lambda v=views, m=model, p=pk: sql_rows_nested(
                    v.detail_queryset(m.objects.filter(pk=p))
                ),
                floor_name="record SQL (detail joins), its prefetches + json.dumps",
            )


def hub_tab_keys() -> list[str]:
    return [
        tab.key
        for config in apps.get_app_configs()
        for tab in getattr(config, "pairing_hub_tabs", ())
    ]


def bench_hub(bench: Bench, users: dict, province, city) -> None:
    for label, who in users.items():
        pairing = city if label == "coord-city" else province
        for key in ["", *hub_tab_keys()]:
            url = pairing.get_absolute_url() + (f"?tab={key}" if key else "")

            def page(b=who["browser"], u=url):
                _response, body = get(b, u)
                return 1, len(body)

            bench.line(
                "hub",
                f"{pairing.pk} tab={key or 'overview'}",
                label,
                page,
                floor_seconds=HUB_GOAL_SECONDS,
                floor_name="goal 0.5 s",
            )


SUMMARY_ROWS_SQL = """
SELECT s.pairing_id, s.year, s.figures, s.tiles, s.score, s.grade, s.refreshed_at,
       hr.name AS helping, dr.name AS helped
  FROM assessments_pairingyearsummary s
  JOIN pairings_pairing p ON p.id = s.pairing_id
  JOIN pairings_region hr ON hr.id = p.helping_region_id
  JOIN pairings_region dr ON dr.id = p.helped_region_id
 WHERE s.pairing_id = ANY(%s) AND s.year = ANY(%s)
 ORDER BY s.score DESC NULLS LAST
"""


def summary_floor(ids, years):
    return lambda: raw_rows(SUMMARY_ROWS_SQL, [list(ids), list(years)])


def level_ids(user, parent=None) -> list[int]:
    """The pairings the overview lists: below ``parent``, or the top of the user's scope."""
    from pairings.models import Pairing

    if parent is not None:
        return list(Pairing.objects.filter(parent=parent).values_list("pk", flat=True))
    scope = user.pairing_ids_in_scope()
    if scope is None:
        return list(Pairing.objects.filter(parent=None).values_list("pk", flat=True))
    parents = dict(Pairing.objects.filter(pk__in=scope).values_list("pk", "parent_id"))
    return [pk for pk, parent_id in parents.items() if parent_id not in parents]


def drop_queued_refreshes() -> int:
    """A dataset may come with refresh requests queued (summaries not computed): the first
    write's refresh_pending would take them all. The copy starts without them."""
    from assessments.models import RefreshRequest

    deleted, _ = RefreshRequest.objects.all().delete()
    return deleted


def ensure_summaries(province, city, year: int) -> tuple[int, float]:
    """The summaries the dashboards show, computed where the dataset has none (untimed):
    the top level, the province and city pairings and the pairings right below them,
    for the year and the year before."""
    from assessments.models import PairingYearSummary
    from assessments.services import assessment_refresh
    from pairings.models import Pairing

    started = time.perf_counter()
    shown = Pairing.objects.filter(
        Q(parent=None) | Q(parent__in=[province, city]) | Q(pk__in=[province.pk, city.pk])
    )
    have = set(
        PairingYearSummary.objects.filter(
            pairing__in=shown, year__in=[year - 1, year], last_error=""
        ).values_list("pairing_id", "year")
    )
    made = 0
    for pairing in shown:
        for y in (year - 1, year):
            if (pairing.pk, y) not in have:
                assessment_refresh(pairing=pairing, year=y)
                made += 1
    return made, time.perf_counter() - started


def summary_year() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(year) FROM assessments_pairingyearsummary")
        year = cursor.fetchone()[0]
    return year or date.today().year


# A signed-in page with nothing of its own to show (the "password changed" page).
BARE_PAGE = "signed-in page with no content"


def bench_dashboards(bench: Bench, users: dict, province, city, year: int) -> None:
    from pairings.models import Pairing

    for label, who in users.items():
        user, browser = who["user"], who["browser"]
        top = city if label == "coord-city" else province

        def page(url, b=browser):
            _response, body = get(b, url)
            return 1, len(body)

        top_ids = level_ids(user)
        bench.line(
            "dashboard",
            "overview, top level",
            label,
            lambda p=page: p(f"/assessments/?year={year}"),
            summary_floor(top_ids, [year]),
            floor_name="SELECT of the summary rows shown + json.dumps",
            extra={"summary_rows": len(top_ids)},
        )
        # What any signed-in page costs before it shows anything (session, user, the base
        # template), against the same floor: the bar the overview's goal sets, in context.
        bench.line(
            "dashboard",
            BARE_PAGE,
            label,
            lambda p=page: p(reverse("accounts:password_change_done")),
            summary_floor(top_ids, [year]),
            floor_name="the top-level overview's floor",
        )
        drilled = level_ids(user, top)
        bench.line(
            "dashboard",
            f"overview, drilled into {top.pk}",
            label,
            lambda t=top, p=page: p(f"/assessments/?year={year}&pairing={t.pk}"),
            summary_floor([top.pk, *drilled], [year]),
            floor_name="SELECT of the summary rows shown + json.dumps",
            extra={"summary_rows": len(drilled) + 1},
        )
        years = list(range(year - 4, year + 1))
        bench.line(
            "dashboard",
            f"pairing dashboard {top.pk}",
            label,
            lambda t=top, p=page: p(reverse("assessments:pairing", args=[t.pk]) + f"?year={year}"),
            summary_floor([top.pk], years),
            floor_name="SELECT of the summary rows shown + json.dumps",
        )
        compared = [top.pk, *Pairing.objects.filter(parent=top).values_list("pk", flat=True)[:3]]
        query = urlencode(
            [("pairing", pk) for pk in compared] + [("year", year), ("year", year - 1)]
        )
        bench.line(
            "dashboard",
            f"comparison {len(compared)} pairings × 2 years",
            label,
            lambda q=query, p=page: p(f"/assessments/compare/?{q}"),
            summary_floor(compared, [year, year - 1]),
            floor_name="SELECT of the summary rows shown + json.dumps",
        )


# --- exports ------------------------------------------------------------------------


def export_targets() -> list[tuple[str, str, dict]]:
    """(name, list URL name, filter) for the exports measured: about EXPORT_ROWS rows each."""
    targets = [("people", "cadres:person_list", {})]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date FROM funds_fundtransaction ORDER BY date DESC OFFSET %s LIMIT 1",
            [EXPORT_ROWS - 1],
        )
        found = cursor.fetchone()
    since = {"date_from": found[0].isoformat()} if found else {}
    targets.append(("fund transactions", "funds:fundtransaction_list", since))
    return targets


def export_floor(views, user, params: dict) -> tuple[int, int]:
    """The list's rows (no page) through a server-side cursor, written with csv.writer."""
    import csv
    import io

    queryset, _ids_first = list_rows(views, user, params)
    sql, sql_params = queryset.query.get_compiler(connection=connection).as_sql()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = size = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, sql_params)
        while batch := cursor.fetchmany(2000):
            writer.writerows(batch)
            rows += len(batch)
            size += len(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    return rows, size


def bench_exports(bench: Bench, users: dict, database: str) -> None:
    """Each export in a fresh process (bench/export_probe.py): rows/s and the rise in peak RSS."""
    who = users[LEADER]
    by_url = {views.list_url(): views for views in object_views()}
    for name, url_name, params in export_targets():
        views = by_url[url_name]
        for fmt in ("csv", "xlsx") if name == "people" else ("csv",):
            url = reverse(url_name) + "?" + urlencode({**params, "export": fmt})
            line_name = f"{name} {fmt}"
            if not bench.wanted(f"export {line_name} [leader]"):
                continue
            entry = {"group": "export", "name": line_name, "user": LEADER}
            try:
                probe = export_probe(database, who["user"].username, url)
                seconds, size = probe["seconds"], probe["bytes"]
                # An XLSX has no lines to count: its rows are the list's.
                rows = (
                    probe["rows"]
                    if fmt == "csv"
                    else list_rows(views, who["user"], params)[0].count()
                )
                floor_s, _q, (floor_rows_, floor_bytes) = once(
                    lambda v=views, p=params: export_floor(v, who["user"], p)
                )
                entry.update(
                    ms=seconds * 1000,
                    rows=rows,
                    bytes=size,
                    queries=probe.get("queries"),
                    floor_ms=floor_s * 1000,
                    floor_rows=floor_rows_,
                    floor="list SQL (server-side cursor) + csv.writer",
                    ratio=seconds / floor_s if floor_s else None,
                    rows_per_s=rows / seconds if seconds else None,
                    peak_rss_mib=probe["peak_rss_mib"],
                    rss_before_mib=probe["rss_before_mib"],
                )
            except Exception as exc:  # noqa: BLE001
                entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
            bench.lines.append(entry)
            print_line(entry, flush=True)


IATI_GOAL_ACTIVITIES_PER_S = 5_000


def iati_years() -> dict:
    """The latest programme years whose projects add up to about EXPORT_ROWS."""
    from django.db.models import Count

    from projects.models import Project

    counts = dict(Project.objects.values_list("year").annotate(n=Count("id")).order_by())
    latest = max(counts)
    total, first = 0, latest
    for year in sorted(counts, reverse=True):
        total, first = total + counts[year], year
        if total >= EXPORT_ROWS:
            break
    return {"from_year": first, "year": latest}


def iati_floor(user, params: dict) -> tuple[int, int]:
    """The same projects and their transactions through server-side cursors, no XML."""
    from django.http import QueryDict

    from pairings.models import Pairing
    from projects.models import Project
    from publishing import reads
    from publishing.selection import selection_make

    selection = selection_make(
        pairings=Pairing.objects.for_user(user),
        projects=Project.objects.for_user(user),
        data=QueryDict(urlencode(params)),
    )
    from funds.models import FundTransaction

    money = FundTransaction.objects.filter(project__in=selection.projects.values("pk"))
    rows = size = 0
    for queryset in (
        selection.projects.values_list(*reads.PROJECT_FIELDS),
        reads.transaction_values(money),
    ):
        sql, sql_params = queryset.query.get_compiler(connection=connection).as_sql()
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            cursor.execute(sql, sql_params)
            while batch := cursor.fetchmany(2000):
                rows += len(batch)
                size += sum(len(str(row)) for row in batch)
    return rows, size


def bench_iati(bench: Bench, users: dict, database: str) -> None:
    """The IATI file of about EXPORT_ROWS projects with their transactions, streamed
    (bench/export_probe.py in a fresh process): activities/s and the rise in peak RSS."""
    from pairings.models import Pairing
    from projects.models import Project

    who = users[LEADER]
    line_name = "iati activities xml"
    if not bench.wanted(f"export {line_name} [leader]"):
        return
    entry = {"group": "export", "name": line_name, "user": LEADER}
    try:
        params = iati_years()
        url = reverse("api:iati_activities") + "?" + urlencode(params)
        probe = export_probe(database, who["user"].username, url)
        seconds = probe["seconds"]
        years = range(params["from_year"], params["year"] + 1)
        activities = (
            Pairing.objects.for_user(who["user"]).count()
            + Project.objects.for_user(who["user"]).filter(year__in=years).count()
        )
        floor_s, _q, (floor_rows_, _bytes) = once(lambda: iati_floor(who["user"], params))
        entry.update(
            ms=seconds * 1000,
            rows=activities,
            bytes=probe["bytes"],
            queries=probe.get("queries"),
            floor_ms=floor_s * 1000,
            floor_rows=floor_rows_,
            floor="projects + transactions SQL (server-side cursors), no XML",
            ratio=seconds / floor_s if floor_s else None,
            rows_per_s=activities / seconds if seconds else None,
            goal_rows_per_s=IATI_GOAL_ACTIVITIES_PER_S,
            peak_rss_mib=probe["peak_rss_mib"],
            rss_before_mib=probe["rss_before_mib"],
        )
    except Exception as exc:  # noqa: BLE001
        entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
    bench.lines.append(entry)
    print_line(entry, flush=True)


def export_probe(database: str, username: str, url: str) -> dict:
    """The export's second run, each in a fresh process: the first is its warm-up, as every
    line has one. Timed cold, the ledger's export took 28.5 s where it takes 1.9 s warm
    (the rows' pages read from disk), and 2.0 s or 5.2 s in two runs of the bench,
    as far as the lines before it had happened to read the same pages."""
    run_probe("export_probe.py", database, username, url)
    return run_probe("export_probe.py", database, username, url)


def run_probe(script: str, database: str, *args: str) -> dict:
    """Run a bench probe in a fresh process on ``database``; its last line of JSON."""
    env = {**os.environ, "DATABASE_URL": database_url(database), "REDIS_URL": ""}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise LineFailed(done.stderr.strip().splitlines()[-1] if done.stderr else "probe failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- refresh ------------------------------------------------------------------------

# Every pairing's aggregates for one year, rolled up the tree in one statement:
# each family summed per pairing, then over the closure (ancestor, descendant);
# the distinct counts join the raw rows to the closure. No ORM, no scoring, no write.
ROLLUP_SQL = """
WITH RECURSIVE closure(ancestor, pairing_id) AS (
    SELECT id, id FROM pairings_pairing
    UNION ALL
    SELECT c.ancestor, p.id FROM closure c JOIN pairings_pairing p ON p.parent_id = c.pairing_id
),
alloc AS (
    SELECT c.ancestor, sum(a.v) AS v FROM closure c JOIN (
        SELECT pairing_id, sum(amount) AS v FROM funds_fundallocation
         WHERE year = %(year)s GROUP BY 1) a USING (pairing_id) GROUP BY 1),
tx AS (
    SELECT ancestor, json_object_agg(kind, v) AS v FROM (
        SELECT c.ancestor, t.kind, sum(t.v) AS v FROM closure c JOIN (
            SELECT p.pairing_id, t.kind, sum(t.amount) AS v FROM funds_fundtransaction t
              JOIN projects_project p ON p.id = t.project_id
             WHERE p.year = %(year)s GROUP BY 1, 2) t USING (pairing_id) GROUP BY 1, 2) k
     GROUP BY 1),
status AS (
    SELECT ancestor, json_object_agg(status, v) AS v FROM (
        SELECT c.ancestor, s.status, sum(s.v) AS v FROM closure c JOIN (
            SELECT pairing_id, status, count(*) AS v FROM projects_project
             WHERE year = %(year)s GROUP BY 1, 2) s USING (pairing_id) GROUP BY 1, 2) k
     GROUP BY 1),
completed AS (
    SELECT c.ancestor, sum(d.v) AS v FROM closure c JOIN (
        SELECT pairing_id, count(*) AS v FROM projects_project
         WHERE status IN ('completed', 'accepted')
           AND actual_end_date BETWEEN %(first)s AND %(last)s GROUP BY 1) d USING (pairing_id)
     GROUP BY 1),
outcomes AS (
    SELECT ancestor, json_object_agg(code, v) AS v FROM (
        SELECT c.ancestor, r.code, sum(r.v) AS v FROM closure c JOIN (
            SELECT coalesce(r.pairing_id, p.pairing_id) AS pairing_id, i.code, sum(r.value) AS v
              FROM projects_outcomereport r
              JOIN projects_indicator i ON i.id = r.indicator_id
              LEFT JOIN projects_project p ON p.id = r.project_id
             WHERE r.status = 'approved' AND r.year = %(year)s GROUP BY 1, 2) r USING (pairing_id)
         GROUP BY 1, 2) k
     GROUP BY 1),
needs AS (
    SELECT c.ancestor, sum(n.v) AS v, sum(n.resolved) AS resolved FROM closure c JOIN (
        SELECT pairing_id, count(*) AS v, count(*) FILTER (WHERE status = 'resolved') AS resolved
          FROM projects_need WHERE collected_on BETWEEN %(first)s AND %(last)s GROUP BY 1) n
     USING (pairing_id) GROUP BY 1),
began AS (
    SELECT c.ancestor, sum(b.cadres) AS cadres, sum(b.talents) AS talents, sum(b.short) AS short
      FROM closure c JOIN (
        SELECT d.pairing_id,
               count(*) FILTER (WHERE p.category = 'cadre') AS cadres,
               count(*) FILTER (WHERE p.category = 'talent' AND d.kind = 'long_term') AS talents,
               count(*) FILTER (WHERE d.kind = 'short_term') AS short
          FROM cadres_deployment d JOIN cadres_person p ON p.id = d.person_id
         WHERE d.status <> 'planned' AND d.start_date BETWEEN %(first)s AND %(last)s
         GROUP BY 1) b USING (pairing_id) GROUP BY 1),
on_post AS (
    SELECT c.ancestor, count(DISTINCT d.person_id) AS v
      FROM closure c JOIN cadres_deployment d USING (pairing_id)
     WHERE d.status <> 'planned' AND d.start_date <= %(last)s
       AND coalesce(d.actual_end_date, d.planned_end_date) >= %(last)s
     GROUP BY 1),
donations AS (
    SELECT c.ancestor, sum(x.v) AS v FROM closure c JOIN (
        SELECT pairing_id, sum(amount) AS v FROM funds_donation
         WHERE date BETWEEN %(first)s AND %(last)s GROUP BY 1) x USING (pairing_id) GROUP BY 1),
enterprises AS (
    SELECT c.ancestor, count(DISTINCT i.enterprise_id) AS v
      FROM closure c JOIN funds_investment i USING (pairing_id)
     WHERE i.agreed_on BETWEEN %(first)s AND %(last)s GROUP BY 1),
tranches AS (
    SELECT c.ancestor, sum(x.v) AS v FROM closure c JOIN (
        SELECT i.pairing_id, sum(t.amount) AS v FROM funds_investmenttranche t
          JOIN funds_investment i ON i.id = t.investment_id
         WHERE t.date BETWEEN %(first)s AND %(last)s GROUP BY 1) x USING (pairing_id) GROUP BY 1),
parks AS (
    SELECT c.ancestor, sum(x.v) AS v FROM closure c JOIN (
        SELECT pairing_id, count(*) AS v FROM funds_park WHERE opened_on <= %(last)s GROUP BY 1) x
     USING (pairing_id) GROUP BY 1),
consumption AS (
    SELECT c.ancestor, sum(x.v) AS v FROM closure c JOIN (
        SELECT pairing_id, sum(amount) AS v FROM funds_consumptionsupport
         WHERE year = %(year)s GROUP BY 1) x USING (pairing_id) GROUP BY 1)
SELECT p.id, alloc.v, tx.v, status.v, completed.v, outcomes.v, needs.v, needs.resolved,
       began.cadres, began.talents, began.short, on_post.v, donations.v, enterprises.v,
       tranches.v, parks.v, consumption.v
  FROM pairings_pairing p
  LEFT JOIN alloc ON alloc.ancestor = p.id
  LEFT JOIN tx ON tx.ancestor = p.id
  LEFT JOIN status ON status.ancestor = p.id
  LEFT JOIN completed ON completed.ancestor = p.id
  LEFT JOIN outcomes ON outcomes.ancestor = p.id
  LEFT JOIN needs ON needs.ancestor = p.id
  LEFT JOIN began ON began.ancestor = p.id
  LEFT JOIN on_post ON on_post.ancestor = p.id
  LEFT JOIN donations ON donations.ancestor = p.id
  LEFT JOIN enterprises ON enterprises.ancestor = p.id
  LEFT JOIN tranches ON tranches.ancestor = p.id
  LEFT JOIN parks ON parks.ancestor = p.id
  LEFT JOIN consumption ON consumption.ancestor = p.id
"""


def year_params(year: int) -> dict:
    return {"year": year, "first": date(year, 1, 1), "last": date(year, 12, 31)}


def rollup_floor(years) -> tuple[int, int]:
    """The set-based roll-up for each year (and the year before, which growth compares with)."""
    rows = size = 0
    for year in sorted({y for x in years for y in (x - 1, x)}):
        with connection.cursor() as cursor:
            cursor.execute(ROLLUP_SQL, year_params(year))
            found = cursor.fetchall()
        rows += len(found)
        size += dump(found)
    return rows, size


def tree_floor(pairing_id: int, year: int) -> tuple[int, int]:
    """run.py's bare aggregates over one pairing's tree, the year and the year before."""
    from bench.run import AGGREGATE_FLOOR_SQL

    size = 0
    with connection.cursor() as cursor:
        for y in (year - 1, year):
            cursor.execute(AGGREGATE_FLOOR_SQL, {"pairing": pairing_id, **year_params(y)})
            size += dump(cursor.fetchall())
    return 1, size


def bench_refresh(bench: Bench, province, county, year: int) -> None:
    from assessments.services import assessment_refresh
    from assessments.tasks import NIGHTLY_YEARS, refresh_all
    from pairings.models import Pairing

    for label, pairing in (("county", county), ("province", province)):

        def refresh(p=pairing):
            summary = assessment_refresh(pairing=p, year=year)
            if summary.failed:
                raise LineFailed(summary.last_error[:200])
            return 1, 0

        bench.line(
            "refresh",
            f"assessment_refresh({label} {pairing.pk}, {year})",
            "system",
            refresh,
            lambda p=pairing: tree_floor(p.pk, year),
            floor_name="bare aggregates over the tree in SQL, 2 years",
        )
    total = Pairing.objects.count()

    def refresh_year():
        counts = refresh_all([year])
        return counts.get("refreshed", total), 0

    bench.line(
        "refresh",
        f"refresh_all([{year}]): {total} pairings",
        "system",
        refresh_year,
        lambda: rollup_floor([year]),
        floor_name="set-based roll-up over the tree, 2 years",
        single=True,
    )
    nightly_years = list(range(date.today().year - NIGHTLY_YEARS + 1, date.today().year + 1))

    def nightly():
        counts = refresh_all()
        return counts.get("refreshed", 0), 0

    bench.line(
        "refresh",
        f"nightly refresh_all(): {total} pairings × {NIGHTLY_YEARS} years",
        "system",
        nightly,
        lambda: rollup_floor(nightly_years),
        floor_name="set-based roll-up, each year and the one before",
        single=True,
        extra={"goal_s": 120},
    )


# --- a write ------------------------------------------------------------------------


def raw_insert(obj, **overrides) -> None:
    """A plain INSERT of ``obj``'s row (every concrete column but the id)."""
    fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
    values = [
        overrides.get(f.attname, f.get_db_prep_save(getattr(obj, f.attname), connection))
        for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {obj._meta.db_table} ({columns}) VALUES ({marks}) RETURNING id",  # noqa: S608
            values,
        )
        return cursor.fetchone()[0]


def writable_pairing_year(province, year: int):
    """A county pairing below the province and a year with room under its allocations
    (a commitment beyond them is refused), the most room first."""
    from funds.selectors import pairing_year_balance
    from pairings.models import Pairing

    tree = Pairing.objects.descendant_ids([province.pk])
    candidates = Pairing.objects.filter(pk__in=tree).order_by("pk")[:30]
    best = None
    for pairing in candidates:
        for y in range(year, year - 5, -1):
            balance = pairing_year_balance(pairing.pk, y)
            room = balance["allowed"] - balance["committed"]
            if best is None or room > best[0]:
                best = (room, pairing, y)
    room, pairing, y = best
    if room < WRITE_ROOM:
        # No room anywhere: an allocation, as an administrator would record (setup, untimed).
        from funds.models import FundAllocation

        allocation = FundAllocation(pairing=pairing, year=y, amount=WRITE_ROOM - min(room, 0))
        allocation.full_clean()
        allocation.save()
    return pairing, y


FEED_TABLES_SQL = (
    "SELECT DISTINCT event_object_table FROM information_schema.triggers"
    " WHERE trigger_name = 'aidtrack_feed'"
)


def feed_triggers(enabled: bool) -> None:
    """Switch the change-feed triggers of every table on or off (the write line's "before")."""
    with connection.cursor() as cursor:
        cursor.execute(FEED_TABLES_SQL)
        for (table,) in cursor.fetchall():
            state = "ENABLE" if enabled else "DISABLE"
            cursor.execute(f'ALTER TABLE "{table}" {state} TRIGGER aidtrack_feed')


def fill_feed(province) -> int:
    """Feed entries to read: the loader writes none (it bulk-loads with triggers off).

    Touches the province's fund transactions, projects and check-ins of one
    month, as a busy day of coordinators' edits would, through the triggers.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM core_feedentry")
        if cursor.fetchone()[0] >= 50_000:
            return 0
        subtree = [province.pk]
        cursor.execute(
            "WITH RECURSIVE tree AS (SELECT id FROM pairings_pairing WHERE id = ANY(%s)"
            " UNION SELECT p.id FROM pairings_pairing p JOIN tree ON p.parent_id = tree.id)"
            " UPDATE projects_project SET updated_at = clock_timestamp()"
            " WHERE pairing_id IN (SELECT id FROM tree) AND id %% 4 = 0",
            [subtree],
        )
        cursor.execute(
            "UPDATE funds_fundtransaction SET updated_at = clock_timestamp() WHERE id % 40 = 0"
        )
        cursor.execute(
            "UPDATE cadres_checkin SET updated_at = clock_timestamp() WHERE id % 100 = 0"
        )
        cursor.execute("SELECT count(*) FROM core_feedentry")
        return cursor.fetchone()[0]


def bench_feed(bench: Bench, users: dict, province) -> None:
    """A page of 500 changes from the start of the feed, against the SQL of the same entries."""
    from aidtrack.core import feed

    if not bench.wanted("API change feed"):
        return
    made = fill_feed(province)
    if made:
        print(f"setup: {made:,} feed entries written through the triggers (untimed)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_feedentry")
    start = feed.Position(0, 0)
    for who, info in users.items():
        user, client, key = info["user"], info["api"], info["key"]
        cursor_url = first_feed_url(client, key, user, start)

        def page(url=cursor_url, client=client, key=key):
            response, body = get(client, url, key)
            return len(json.loads(body)["results"]), len(body)

        scope = user.pairing_ids_in_scope()

        def floor(scope=scope):
            # The horizon first, as the feed reads it: a constant for the scan.
            sql = (
                "SELECT resource, object_id AS id, action, time FROM core_feedentry"
                " WHERE (txid, id) > (0, 0) AND txid < %s"
            )
            params = [feed.horizon()]
            if scope is not None:
                sql += " AND (scope_before && %s::bigint[] OR scope_after && %s::bigint[])"
                params += [sorted(scope), sorted(scope)]
            return raw_rows(sql + " ORDER BY txid, id LIMIT 500", params)

        bench.line("API change feed", "page ×500", who, page, floor, floor_name="SQL + JSON")


def first_feed_url(client, key, user, start) -> str:
    """A feed link positioned at ``start`` (the beginning), signed as the view signs them."""
    from rest_framework.request import Request

    from aidtrack.core import feed
    from aidtrack.core.feed_api import ChangeFeedView

    get(client, "/api/v1/changes/", key)  # the view answers for this user
    view = ChangeFeedView()
    request = RequestFactory().get("/api/v1/changes/", {"page_size": 500})
    request.user = user
    state = feed.state()
    return view._link(Request(request), start, user.pairing_ids_in_scope(), state).replace(
        "http://testserver", ""
    )


def province_writer(users: dict, province, year: int):
    """The province coordinator's API client, a county below and a year to write in."""
    county, year = writable_pairing_year(province, year)
    who = users["coord-province"]
    headers = {"HTTP_AUTHORIZATION": f"Token {who['key']}"}
    return county, year, who["api"], headers, iter(range(10**6))


def bench_write_feed_cost(bench: Bench, users: dict, province, year: int) -> None:
    """API writes with the feed triggers on, each against the same write with them off.

    Writes that queue no summary refresh (run in the request without a
    worker), which would drown the triggers' cost: an organisation (the
    heaviest scope keys: every pairing covering its region) and a change of a
    project's description (its touches: none), plus a donation with its refresh.
    """
    from projects.models import Project

    if not bench.wanted("write with the change feed"):
        return
    county, year, client, headers, serial = province_writer(users, province, year)
    # A project still open to edits (an accepted one is locked to coordinators).
    project = (
        Project.objects.filter(pairing=county, status__in=["planned", "approved", "in_progress"])
        .order_by("pk")
        .first()
    )

    def send(method, url, body, expected):
        response = getattr(client, method)(url, body, content_type="application/json", **headers)
        if response.status_code != expected:
            raise LineFailed(f"{url}: HTTP {response.status_code} {response.content[:200]!r}")
        return 1, len(response.content)

    writes = {
        "create an organisation (API)": lambda: send(
            "post",
            "/api/v1/organizations/",
            {
                "name": f"基准单位{next(serial)}",
                "kind": "government",
                "region": county.helped_region.code,
            },
            201,
        ),
        "change a project's description (API)": lambda: send(
            "patch", f"/api/v1/projects/{project.pk}/", {"description": f"说明{next(serial)}"}, 200
        ),
        "create a donation (API)": lambda: send(
            "post",
            "/api/v1/donations/",
            {
                "pairing": county.pk,
                "date": f"{year}-05-01",
                "kind": "cash",
                "donor_name": f"基准捐赠{next(serial)}",
                "recipient_name": "县教育局",
                "amount": "10000",
            },
            201,
        ),
    }
    group, who = "write with the change feed", "coord-province"
    for name, write in writes.items():
        feed_triggers(False)
        try:
            seconds = bench._timed(write)[0]
        except Exception as exc:  # noqa: BLE001 - one failing line must not stop the run
            bench.fail(group, name, who, exc)
            continue
        finally:
            feed_triggers(True)
        bench.line(
            group, name, who, write, floor_seconds=seconds, floor_name="same write, triggers off"
        )


def bench_write(bench: Bench, users: dict, province, year: int) -> None:
    from funds.models import FundTransaction
    from projects.models import Project

    if not bench.wanted("write project + commitment + disbursement [coord-province]"):
        return
    county, year, client, headers, serial = province_writer(users, province, year)
    made = {}

    def write():
        n = next(serial)
        response = client.post(
            "/api/v1/projects/",
            {
                "name": f"基准项目{n}",
                "pairing": county.pk,
                "region": county.helped_region.code,
                "category": "industry",
                "year": year,
                "budget": "1000000",
            },
            content_type="application/json",
            **headers,
        )
        if response.status_code != 201:
            raise LineFailed(f"project: HTTP {response.status_code} {response.content[:200]!r}")
        project = json.loads(response.content)
        size = len(response.content)
        for kind in ("commitment", "disbursement"):
            entry = client.post(
                "/api/v1/fund-transactions/",
                {"project": project["id"], "kind": kind, "date": f"{year}-06-01", "amount": "1000"},
                content_type="application/json",
                **headers,
            )
            if entry.status_code != 201:
                raise LineFailed(f"{kind}: HTTP {entry.status_code} {entry.content[:300]!r}")
            made[kind] = json.loads(entry.content)["id"]
            size += len(entry.content)
        made["project"] = project["id"]
        return 3, size

    def timed_floor():
        # The two reads of the template rows are not part of the floor.
        project = Project.objects.get(pk=made["project"])
        entries = list(
            FundTransaction.objects.filter(pk__in=[made["commitment"], made["disbursement"]])
        )

        def insert():
            n = next(serial)
            with transaction.atomic():
                new_id = raw_insert(project, code=f"BENCH-FLOOR-{n}")
                for entry in entries:
                    raw_insert(entry, project_id=new_id)
            return 3, 0

        return insert

    try:
        write()
    except Exception as exc:  # noqa: BLE001
        bench.lines.append(
            {
                "group": "write",
                "name": "project + commitment + disbursement",
                "user": "coord-province",
                "error": f"{type(exc).__name__}: {exc}"[:300],
            }
        )
        print_line(bench.lines[-1], flush=True)
        return
    bench.line(
        "write",
        "project + commitment + disbursement",
        "coord-province",
        write,
        timed_floor(),
        floor_name="three plain INSERTs of the same rows",
    )


# --- output ---------------------------------------------------------------------------


def fmt(value, spec: str, width: int) -> str:
    return f"{value:{width}{spec}}" if isinstance(value, int | float) else f"{'—':>{width}}"


HEADER = (
    f"{'line':<58} {'user':<14} {'ms':>9} {'floor ms':>9} {'×floor':>7} "
    f"{'queries':>7} {'rows':>7} {'bytes':>9}"
)


def print_line(entry: dict, flush: bool = False) -> None:
    name = f"{entry['group']} {entry['name']}"
    if "error" in entry:
        print(f"{name:<58} {entry['user']:<14} ERROR {entry['error']}", flush=flush)
        return
    text = (
        f"{name:<58} {entry['user']:<14} {fmt(entry.get('ms'), '.1f', 9)} "
        f"{fmt(entry.get('floor_ms'), '.1f', 9)} {fmt(entry.get('ratio'), '.1f', 7)} "
        f"{fmt(entry.get('queries'), 'd', 7)} {fmt(entry.get('rows'), 'd', 7)} "
        f"{fmt(entry.get('bytes'), 'd', 9)}"
    )
    extras = []
    if entry.get("rows_per_s"):
        extras.append(
            f"{entry['rows_per_s']:.0f} rows/s, peak RSS +{entry['peak_rss_mib']:.0f} MiB"
        )
    if entry.get("page1_ms"):
        extras.append(f"{entry['ms'] / entry['page1_ms']:.1f}× page 1")
    if entry.get("vs_leader"):
        extras.append(f"{entry['vs_leader']:.2f}× leader")
    print(text + ("  " + "; ".join(extras) if extras else ""), flush=flush)


def git_sha() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --- the run --------------------------------------------------------------------------


def run(args) -> None:
    from aidtrack.core import collector
    from bench.national_import import bench_import  # they import this module's helpers
    from bench.national_search import bench_search

    started = time.perf_counter()
    sha = git_sha()
    json_path = Path(args.json or ROOT / "bench" / "results" / f"national-{sha}.json")
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "api": None}
    # A signed-in session is renewed by a write once a minute (SlidingSessionMiddleware):
    # three statements that landed on whichever line's warm-up came a minute later, so
    # that line counted 7 queries where its run counts 4. Renewed at sign-in, not during.
    settings.SESSION_RENEW_SECONDS = 24 * 3600
    # Likewise a token's last use, written once a minute: it landed on whichever API
    # line's warm-up came a minute later (a coordinator's line counted one query more).
    settings.API_TOKEN_USE_RESOLUTION_SECONDS = 24 * 3600
    source = args.dataset
    # Without a dataset, a database of its own; BENCH_DATABASE names it where a server is shared.
    own = os.environ.get("BENCH_DATABASE", "aidtrack_bench") + "_national"
    # A copy of the run's own: two runs on one server never drop each other's.
    name = f"{source}_bench_{os.getpid()}" if source else own
    if source:
        copy_database(source, name)
        use_database(name)
        print(f"copied {source} to {name} in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin_sql(f'CREATE DATABASE "{name}"')
        use_database(name)
    try:
        call_command("migrate", verbosity=0, interactive=False)
        if not source:
            loading = time.perf_counter()
            call_command("load_scale", scale=args.dataset_scale)
            print(f"load_scale: {time.perf_counter() - loading:.0f} s", flush=True)
        with connection.cursor() as cursor:
            # A live database's autovacuum keeps both the planner's statistics and the
            # visibility map, which lets a scan read an index alone (the ids a scoped page
            # picks first, core.paging.page_rows); a dataset loaded by other means may have
            # neither yet. Quick where load_scale has vacuumed already.
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        sizes = dataset_sizes()
        collector.settle()  # as a server process once started (aidtrack.wsgi)
        province, city, county = choose_pairings()
        users = make_users(province, city)
        year = summary_year()
        dropped = drop_queued_refreshes()
        made, seconds = ensure_summaries(province, city, year)
        if dropped or made:
            print(
                f"setup: {dropped} queued refresh requests dropped; {made} summaries the "
                f"dashboards show computed first ({seconds:.0f} s, untimed)",
                flush=True,
            )
        print(
            f"AidTrack national bench at {sha}: database {name} (PostgreSQL {pg_version}), "
            f"median of {args.repeat} after a warm-up; "
            + ", ".join(f"{v:,} {k}" for k, v in sizes.items()),
            flush=True,
        )
        print(
            f"province pairing {province.pk} {province}, city pairing {city.pk} {city}, "
            f"county pairing {county.pk} {county}; summary year {year}\n",
            flush=True,
        )
        print(HEADER)
        print("-" * len(HEADER), flush=True)
        bench = Bench(args.repeat, args.only, args.skip)
        bench_api(bench, users)
        bench_html(bench, users, province, city)
        bench_details(bench, users)
        bench_hub(bench, users, province, city)
        bench_search(bench, users)
        bench_dashboards(bench, users, province, city, year)
        bench_exports(bench, users, name)
        bench_iati(bench, users, name)
        bench_write(bench, users, province, year)
        bench_write_feed_cost(bench, users, province, year)
        bench_feed(bench, users, province)
        bench_import(bench, users, name)
        bench_refresh(bench, province, county, year)
        elapsed = time.perf_counter() - started
        result = {
            "commit": sha,
            "database": name,
            "source": source,
            "postgres": pg_version,
            "repeat": args.repeat,
            "sizes": sizes,
            "pairings": {"province": province.pk, "city": city.pk, "county": county.pk},
            "year": year,
            "seconds": elapsed,
            "lines": bench.lines,
        }
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
        print_summary(bench.lines)
        print(f"\ndone in {elapsed:.0f} s; results in {json_path}")
    finally:
        if not args.keep:
            connection.close()
            admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
            print(f"{name} dropped")


def print_summary(lines: list[dict]) -> None:
    """The issue's goals, each against the lines it is about."""
    failed = [e for e in lines if "error" in e]
    print("\ngoals (issue 13):")

    def worst(entries, key="ratio"):
        entries = [e for e in entries if e.get(key) is not None]
        return max(entries, key=lambda e: e[key]) if entries else None

    checks = [
        (
            "API ×500 ≤ 2× floor",
            [e for e in lines if e["group"] == "api" and e["name"].endswith("page 1 ×500")],
            "ratio",
            2,
        ),
        (
            "API ×100 ≤ 3× floor",
            [e for e in lines if e["group"] == "api" and e["name"].endswith("×100")],
            "ratio",
            3,
        ),
        (
            "HTML ×25/×200 ≤ 5× floor",
            [
                e
                for e in lines
                if e["group"] == "html"
                and "deep" not in e["name"]
                and re.search(r"× ?\d+$", e["name"])
            ],
            "ratio",
            5,
        ),
        (
            "deep page (API, HTML) ≤ 1.5× page 1",
            [
                dict(e, p1=e["ms"] / e["page1_ms"])
                for e in lines
                if e.get("page1_ms") and e.get("ms")
            ],
            "p1",
            1.5,
        ),
        ("hub tab ≤ 0.5 s", [e for e in lines if e["group"] == "hub"], "ratio", 1),
        ("overview ≤ 3× floor", [e for e in lines if e["name"].startswith("overview")], "ratio", 3),
        (
            "refresh of a year ≤ 3× roll-up",
            [e for e in lines if e["name"].startswith("refresh_all([")],
            "ratio",
            3,
        ),
        (
            "coordinator ≤ 1.3× leader",
            [e for e in lines if e.get("vs_leader") and e["group"] in ("api", "html")],
            "vs_leader",
            1.3,
        ),
        (
            # Each pass validates every row through the same rules and writes it:
            # the check rolls back, the commit keeps. Their sum is printed as a line.
            "import check, import commit ≤ 3× COPY (issue 15)",
            [
                e
                for e in lines
                if e["group"] == "import"
                and e["name"].endswith((" check", " commit"))
                and not e["name"].endswith("check + commit")
            ],
            "ratio",
            3,
        ),
    ]
    for label, entries, key, goal in checks:
        top = worst(entries, key)
        if top is None:
            continue
        over = sum(1 for e in entries if e.get(key) is not None and e[key] > goal)
        print(
            f"  {label}: {over} of {len(entries)} lines over; worst {top[key]:.1f} "
            f"({top['group']} {top['name']} [{top['user']}])"
        )
    bare = [e["ratio"] for e in lines if e["name"] == BARE_PAGE and e.get("ratio")]
    if bare:
        print(f"  ({BARE_PAGE}: {min(bare):.1f}–{max(bare):.1f}× the top-level overview's floors)")
    for entry in lines:
        if entry.get("rows_per_s") and entry["group"] == "import":
            print(
                f"  import {entry['name']}: {entry['rows_per_s']:.0f} rows/s, "
                f"peak RSS +{entry['peak_rss_mib']:.0f} MiB"
            )
        elif entry.get("rows_per_s"):
            goal = entry.get("goal_rows_per_s") or (30_000 if "csv" in entry["name"] else 10_000)
            print(
                f"  export {entry['name']}: {entry['rows_per_s']:.0f} rows/s "
                f"(goal {goal:,}), "
                f"peak RSS +{entry['peak_rss_mib']:.0f} MiB"
            )
        if entry.get("goal_s") and "ms" in entry:
            print(f"  {entry['name']}: {entry['ms'] / 1000:.0f} s (goal < {entry['goal_s']} s)")
    if failed:
        print(f"  {len(failed)} lines failed (ERROR above)")
