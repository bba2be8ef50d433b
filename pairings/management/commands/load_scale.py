"""``manage.py load_scale``: the national dataset (see aidtrack.core.scale and bench/README.md)."""

import time
from datetime import date

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from aidtrack.core.audit import audit_context
from aidtrack.core.scale import copying
from aidtrack.core.scale.national import DEFAULT_AS_OF, DEFAULT_SEED, FIRST_YEAR, NationalDataset

# What the loader writes: every table of these apps except the reference data it keeps.
DATA_APPS = ("pairings", "cadres", "projects", "funds", "assessments")
KEPT = {"pairings_region"}
SUMMARY_MODES = ("refresh", "queue", "none")


def data_models():
    return [
        model
        for label in DATA_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.db_table not in KEPT and not model._meta.proxy
    ]


class Command(BaseCommand):
    help = (
        "Fill an empty database with the deterministic national dataset (2,000 pairings, "
        "millions of records) for benchmarks. Not part of `make run`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="size factor (1 = national; 0.01 = tiny)"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help=f"the dataset's 'today' (default {DEFAULT_AS_OF}, or today if earlier)",
        )
        parser.add_argument(
            "--summaries",
            choices=SUMMARY_MODES,
            default="refresh",
            help="refresh: compute every pairing-year's summary (assessments.tasks.refresh_all); "
            "queue: leave one refresh request per pairing-year for the worker; none: skip",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="wipe the data already there (regions, indicators and rubrics are kept or "
            "reloaded) instead of refusing",
        )

    def handle(self, *args, scale, seed, as_of, summaries, force, **options):
        started = time.perf_counter()
        self._refuse_or_wipe(force)
        self.log(f"database {connection.settings_dict['NAME']}, scale {scale}, seed {seed}")
        dataset = NationalDataset(scale=scale, seed=seed, as_of=as_of, log=self.log)
        self.log(f"as of {dataset.as_of}")
        with audit_context(None, source="command", request_id=copying.REQUEST_ID):
            self._reference_data(dataset.last_year)
            with transaction.atomic():
                copying.without_triggers()
                counts = dataset.load()
                copying.with_triggers()
                self._audit(counts)
            copying.reset_sequences([*data_models(), apps.get_model("accounts", "User")])
            self._summaries(summaries, dataset)
        self._analyze()
        total = sum(count for table, count in counts.items() if table != "pairings_region")
        self.log(f"done: {total:,} rows in {time.perf_counter() - started:.0f} s")

    def log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def timed(self, label: str):
        outer = self

        class Timer:
            def __enter__(self):
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                outer.log(f"{label:<22} {time.perf_counter() - self.started:7.1f} s")

        return Timer()

    # -- steps ------------------------------------------------------------------------
    def _refuse_or_wipe(self, force: bool) -> None:
        from pairings.models import Pairing

        if not Pairing.objects.exists():
            return
        if not force:
            raise CommandError(
                "This database already has pairings; load_scale fills an empty one "
                "(create it and migrate, or pass --force to wipe its data first)."
            )
        tables = [model._meta.db_table for model in data_models()]
        tables += ["accounts_user", "core_changerecord"]
        with self.timed("wipe (--force)"), connection.cursor() as cursor:
            # Deferred foreign-key checks still pending in an outer transaction would
            # block TRUNCATE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")

    def _reference_data(self, last_year: int) -> None:
        from assessments.services import rubric_load_default
        from pairings.services import regions_load
        from projects.catalogue import indicators_load

        with self.timed("regions, indicators"):
            regions_load()
            indicators_load()
            for year in range(FIRST_YEAR, last_year + 1):
                rubric_load_default(year=year)

    def _audit(self, counts: dict[str, int]) -> None:
        tables = {table for table in counts if table not in ("pairings_region", "accounts_user")}
        tables.add(apps.get_model("accounts", "User").scope_pairings.through._meta.db_table)
        with self.timed("audit records"):
            total = copying.write_audit_records(tables, self.log)
        self.log(f"  {total:,} change records (source command, request id load_scale)")

    def _summaries(self, mode: str, dataset: NationalDataset) -> None:
        from assessments.models import RefreshRequest
        from assessments.tasks import refresh_all

        years = list(range(FIRST_YEAR, dataset.last_year + 1))
        if mode == "refresh":
            with self.timed("summaries (refresh)"):
                counts = refresh_all(years=years)
            self.log(f"  {counts}")
        elif mode == "queue":
            with self.timed("summaries (queued)"), connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    INSERT INTO {RefreshRequest._meta.db_table} (pairing_id, year, requested_at)
                    SELECT p.id, y, now() FROM pairings_pairing p, unnest(%s::int[]) AS y
                    ON CONFLICT DO NOTHING
                    """,  # noqa: S608 - the table name comes from model metadata
                    [years],
                )
                self.log(f"  {cursor.rowcount:,} refresh requests queued")

    def _analyze(self) -> None:
        """Statistics for the planner and, outside a caller's transaction (VACUUM cannot
        run inside one), the visibility map autovacuum keeps on a live database: without
        it an index-only scan (a capped count, the hub's money sums) still reads the heap."""
        statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with self.timed(statement.lower()), connection.cursor() as cursor:
            cursor.execute(statement)
