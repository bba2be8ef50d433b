"""The national bench's import lines: 100,000 fund transactions from a CSV, against a COPY.

Issue 15: "100,000 fund transactions validated and committed ≤ 3× a COPY of
the same rows into the same table (a bench line, measured in one run),
memory flat". Called by bench/national.py; see bench/README.md, "The import
lines".

1. Set-up (untimed): a ledger of IMPORT_ROWS entries for projects in the
   province coordinator's scope — per project a commitment, then
   disbursements and expenditures in turn, each within what the entries
   before it leave — in date order, with voucher numbers new to this run;
   where a pairing-year's allocations leave too little room for its new
   commitments, an allocation is added (plain ORM, bulk: no refresh).
2. The import, once, in a fresh process (bench/import_probe.py): the check,
   then the commit, of the ledger written as the template's CSV.
3. The floor: the same rows, as the import stores them, in one COPY into
   funds_fundtransaction with its triggers on (audit, change feed),
   committed — after the imported rows are removed, so both write the same
   rows into the same table; the median of FLOOR_RUNS such COPYs.
4. Clean-up: the rows of both, their change records and feed entries, the
   added allocations and the import's refresh requests are deleted (triggers
   off), so the lines after these see the dataset as it was.
"""

import csv
import io
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from bench.national import LineFailed, print_line, run_probe

IMPORT_ROWS = 100_000
# A project's vouchers in the sheet: a commitment, then disbursements and expenditures in turn.
ROWS_PER_PROJECT = 10
# Commitments exceed the disbursements by this much (money committed, not yet paid).
UNDISBURSED = Decimal("10000.00")
NAME = f"{IMPORT_ROWS:,} fund transactions (CSV)"
# The COPY is repeated (cheap beside the import) and its median taken: one COPY of
# 100,000 rows and their triggers' rows varies by up to 2× on a shared machine.
FLOOR_RUNS = 3
FLOOR = "COPY of the same rows, triggers on"
COPY_COLUMNS = (
    "project_id",
    "kind",
    "date",
    "amount",
    "payer_id",
    "payee_id",
    "voucher_number",
    "note",
    "reverses_id",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
)
# Tables whose rows the import and the floor add (each with an id that only grows).
WRITTEN_TABLES = ("funds_fundtransaction", "core_changerecord", "core_feedentry")


@dataclass(frozen=True)
class Entry:
    """One row of the ledger: what the sheet says and what the table stores."""

    project_id: int
    project_code: str
    order: int  # the entry's place among its project's
    kind: str
    date: date
    amount: Decimal
    payee_id: int | None
    payee_code: str
    voucher: str
    note: str


def bench_import(bench, users: dict, database: str) -> None:
    """The check, the commit and both against one COPY; the dataset is left as it was."""
    if not bench.wanted(f"import {NAME}"):
        return
    who = users["coord-province"]["user"]
    started = time.perf_counter()
    marks = id_marks()
    requests_before = refresh_request_ids()
    allocations: list[int] = []
    with tempfile.TemporaryDirectory() as directory:
        try:
            entries = ledger(who)
            allocations = make_room(entries)
            sheet = Path(directory) / "台账.csv"
            write_sheet(entries, sheet, who)
            copy_text = copy_rows(entries, who)
            print(
                f"setup: {len(entries):,} entries for "
                f"{len({e.project_id for e in entries}):,} projects, {len(allocations)} "
                f"allocations added for room, {sheet.stat().st_size / 1e6:.1f} MB of CSV "
                f"({time.perf_counter() - started:.0f} s, untimed)",
                flush=True,
            )
            probe = import_probe(database, who.username, sheet)
            floor_runs = []
            for _run in range(FLOOR_RUNS):
                remove_written(marks)  # the rows before (the import's, a COPY's), vacuumed
                floor_runs.append(copy_floor(copy_text, who))
            floor_seconds = statistics.median(floor_runs)
        except Exception as exc:  # noqa: BLE001 - one failing line must not stop the run
            bench.fail("import", f"{NAME} check + commit", "coord-province", exc)
            return
        finally:
            remove_written(marks, allocations, requests_before)
    for entry in import_entries(probe, len(entries), floor_seconds):
        entry["floor_runs_ms"] = [seconds * 1000 for seconds in floor_runs]
        bench.lines.append(entry)
        print_line(entry, flush=True)
    bench.notes.append(memory_note(probe))
    bench.notes.append(
        "  import floor: COPY of the same rows, "
        + ", ".join(f"{seconds:.1f} s" for seconds in floor_runs)
        + " (median taken)"
    )
    print("\n".join(bench.notes[-2:]), flush=True)


# --- the ledger -----------------------------------------------------------------------


def ledger(user) -> list[Entry]:
    """IMPORT_ROWS entries that pass every rule, over the coordinator's projects, in date order."""
    from funds.choices import TransactionKind
    from projects.models import Project

    in_scope = list(
        Project.objects.for_user(user, "add")
        .filter(year__lte=timezone.localdate().year)
        .order_by("pk")
    )
    if not in_scope:
        raise LineFailed("no project in the coordinator's scope")
    per_project = max(ROWS_PER_PROJECT, -(-IMPORT_ROWS // len(in_scope)))
    rng = random.Random(15)
    # Spread over the province's tree, as a year of its counties' ledgers would be.
    projects = sorted(
        rng.sample(in_scope, min(len(in_scope), -(-IMPORT_ROWS // per_project))),
        key=lambda p: p.pk,
    )
    payees = payees_in_scope(user, projects)
    tag = f"{int(time.time()):X}"  # vouchers new to this run: re-importing would be "unchanged"
    entries: list[Entry] = []
    for project in projects:
        rows = min(per_project, IMPORT_ROWS - len(entries))
        if rows <= 0:
            break
        # Each expenditure follows its disbursement and spends part of it, so
        # every prefix keeps spent ≤ disbursed ≤ committed.
        paid = [Decimal(rng.randrange(100_000, 5_000_000)) / 100 for _ in range(rows // 2)]
        steps = [(TransactionKind.COMMITMENT, sum(paid, UNDISBURSED))]
        for amount in paid:
            steps.append((TransactionKind.DISBURSEMENT, amount))
            steps.append((TransactionKind.EXPENDITURE, (amount * 8 / 10).quantize(Decimal("0.01"))))
        payee = payees.get(project.implementing_organization_id)
        for order, (kind, amount) in enumerate(steps[:rows]):
            entries.append(
                Entry(
                    project_id=project.pk,
                    project_code=project.code,
                    order=order,
                    kind=kind,
                    date=date(project.year, 1, 6) + timedelta(days=order * 300 // rows),
                    amount=amount,
                    payee_id=payee.pk if payee and kind == TransactionKind.DISBURSEMENT else None,
                    payee_code=payee.credit_code
                    if payee and kind == TransactionKind.DISBURSEMENT
                    else "",
                    voucher=f"JZ{tag}-{len(entries) + 1:06d}",
                    note="年度资金下达" if kind == TransactionKind.COMMITMENT else "",
                )
            )
    if len(entries) < IMPORT_ROWS:
        raise LineFailed(f"only {len(entries)} entries for {len(projects)} projects")
    entries.sort(key=lambda e: (e.date, e.project_id, e.order))
    return entries


def payees_in_scope(user, projects) -> dict:
    """Implementing organisations the coordinator may name (a disbursement's payee), by id."""
    from pairings.models import Organization

    ids = {p.implementing_organization_id for p in projects} - {None}
    found = Organization.objects.for_user(user, "view").filter(pk__in=ids).exclude(credit_code="")
    return {organisation.pk: organisation for organisation in found}


def make_room(entries: list[Entry]) -> list[int]:
    """An allocation for each pairing-year whose allowance the new commitments would exceed.

    Bulk-created, so nothing is announced and no refresh runs (set-up, untimed).
    """
    from funds.choices import TransactionKind
    from funds.models import FundAllocation
    from funds.selectors import pairing_year_balances
    from projects.models import Project

    scope_of = {
        pk: (pairing_id, year)
        for pk, pairing_id, year in Project.objects.filter(
            pk__in={e.project_id for e in entries}
        ).values_list("pk", "pairing_id", "year")
    }
    needed: dict[tuple[int, int], Decimal] = {}
    for entry in entries:
        if entry.kind == TransactionKind.COMMITMENT:
            key = scope_of[entry.project_id]
            needed[key] = needed.get(key, Decimal(0)) + entry.amount
    balances = pairing_year_balances(needed)
    added = []
    for (pairing_id, year), amount in needed.items():
        balance = balances[(pairing_id, year)]
        room = balance["allowed"] - balance["committed"]
        if room < amount:
            added.append(
                FundAllocation(
                    pairing_id=pairing_id, year=year, amount=amount - room, purpose="基准导入"
                )
            )
    return [allocation.pk for allocation in FundAllocation.objects.bulk_create(added)]


def write_sheet(entries: list[Entry], path: Path, user) -> None:
    """The ledger as the template's CSV: its headers (amounts in 元), UTF-8 with a BOM."""
    from aidtrack.core.imports.spec import ImportPlan
    from funds.views import FundTransactionViews

    with translation.override(settings.LANGUAGE_CODE):
        columns = ImportPlan(FundTransactionViews, user).columns
        kind_field = next(column.form_field for column in columns if column.name == "kind")
        kinds = {code: str(label) for code, label in kind_field.choices}  # 下达, 拨付, 支出
        header = [column.header for column in columns]
    cells = {
        "project": lambda e: e.project_code,
        "kind": lambda e: kinds[e.kind],
        "date": lambda e: e.date.isoformat(),
        "amount": lambda e: f"{e.amount:.2f}",
        "payer": lambda e: "",
        "payee": lambda e: e.payee_code,
        "voucher_number": lambda e: e.voucher,
        "note": lambda e: e.note,
    }
    unknown = [column.name for column in columns if column.name not in cells]
    if unknown:
        raise LineFailed(f"the sheet has no values for the columns {unknown}")
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows([cells[column.name](e) for column in columns] for e in entries)


def copy_rows(entries: list[Entry], user) -> str:
    """The rows as the import stores them, in COPY's text format: authorship and times included."""
    from aidtrack.core.bulk import copy_text as text

    now = timezone.now().isoformat()
    lines = [
        "\t".join(
            (
                str(e.project_id),
                e.kind,
                e.date.isoformat(),
                f"{e.amount:.2f}",
                "\\N",
                "\\N" if e.payee_id is None else str(e.payee_id),
                text(e.voucher),
                text(e.note),
                "\\N",
                now,
                now,
                str(user.pk),
                str(user.pk),
            )
        )
        for e in entries
    ]
    return "\n".join(lines) + "\n"


# --- measuring ------------------------------------------------------------------------


def import_probe(database: str, username: str, sheet: Path) -> dict:
    return run_probe("import_probe.py", database, username, str(sheet))


def copy_floor(rows: str, user) -> float:
    """One COPY of the rows, committed, as the import's actor (the triggers record it)."""
    from aidtrack.core.audit import audit_context

    sql = f"COPY funds_fundtransaction ({', '.join(COPY_COLUMNS)}) FROM STDIN"
    with audit_context(user, source="import", request_id="bench-import-floor"):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, io.StringIO(rows))
        return time.perf_counter() - started


def import_entries(probe: dict, rows: int, floor_seconds: float) -> list[dict]:
    """The check, the commit and both, each against the same COPY."""
    check, commit = probe["check"], probe["commit"]
    both = {
        "seconds": check["seconds"] + commit["seconds"],
        "queries": check["queries"] + commit["queries"],
        "peak_rss_mib": max(check["peak_rss_mib"], commit["peak_rss_mib"]),
        "rss_before_mib": check["rss_before_mib"],
    }
    entries = []
    for step, measured in (("check", check), ("commit", commit), ("check + commit", both)):
        entries.append(
            {
                "group": "import",
                "name": f"{NAME} {step}",
                "user": "coord-province",
                "ms": measured["seconds"] * 1000,
                "queries": measured["queries"],
                "rows": rows,
                "floor_ms": floor_seconds * 1000,
                "floor_rows": rows,
                "floor": FLOOR,
                "ratio": measured["seconds"] / floor_seconds,
                "rows_per_s": rows / measured["seconds"],
                "peak_rss_mib": measured["peak_rss_mib"],
                "rss_before_mib": measured["rss_before_mib"],
                "rss_by_rows": measured.get("rss_by_rows"),
                "counts": measured.get("counts"),
            }
        )
    return entries


def memory_note(probe: dict) -> str:
    """The commit's resident size at each fifth of the rows: flat, or growing with them."""
    samples = probe["commit"]["rss_by_rows"]
    fifths = [samples[max(0, round(len(samples) * k / 5) - 1)] for k in range(1, 6)]
    shown = ", ".join(f"{rows:,} rows +{mib:.0f}" for rows, mib in fifths)
    return (
        f"  import commit RSS above its start (MiB): {shown}; "
        f"{probe['commit']['rss_before_mib']:.0f} MiB at the start"
    )


# --- clean-up -------------------------------------------------------------------------


def id_marks() -> dict[str, int]:
    """The highest id of each table the import and the floor write to."""
    marks = {}
    with connection.cursor() as cursor:
        for table in WRITTEN_TABLES:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (our names)
            marks[table] = cursor.fetchone()[0]
    return marks


def refresh_request_ids() -> set[int]:
    from assessments.models import RefreshRequest

    return set(RefreshRequest.objects.values_list("pk", flat=True))


def remove_written(marks: dict, allocations=(), requests_before=None) -> None:
    """Delete what was written since ``marks`` (triggers off: the deletes leave no trace)."""
    from assessments.models import RefreshRequest
    from funds.models import FundAllocation

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, mark in marks.items():
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [mark])  # noqa: S608
        FundAllocation.objects.filter(pk__in=list(allocations)).delete()
        if requests_before is not None:
            RefreshRequest.objects.exclude(pk__in=list(requests_before)).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE funds_fundtransaction")
