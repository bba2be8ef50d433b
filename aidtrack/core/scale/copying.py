"""Bulk loading for the national dataset: COPY in chunks, audit records, sequences.

Rows are tuples of values already in PostgreSQL's text form (``None`` for
NULL). They are streamed with ``COPY … FROM STDIN`` from an in-memory buffer
flushed every ``CHUNK`` rows, so memory stays flat whatever the table's size.
"""

import contextlib
import io
import time

from django.db import connection

from aidtrack.core import orgscope
from aidtrack.core.audit import audited_models

CHUNK = 100_000
SOURCE = "command"  # a ChangeRecord.Source choice; request_id names the loader
REQUEST_ID = "load_scale"


class TableCopy:
    """``with TableCopy(table, columns) as out: out.add(row)``: COPY in chunks of CHUNK rows."""

    def __init__(self, table: str, columns: tuple[str, ...]):
        self.table = table
        self.columns = columns
        self.rows = 0
        self._pending = []
        self._sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def __enter__(self):
        self._deferred = deferred_indexes(self.table)
        self._deferred.__enter__()
        return self

    @property
    def next_id(self) -> int:
        """The id of the next row, for tables whose ids count from 1 in the order added."""
        return self.rows + len(self._pending) + 1

    def add(self, row) -> None:
        self._pending.append("\t".join("\\N" if v is None else str(v) for v in row))
        if len(self._pending) >= CHUNK:
            self._flush()

    def add_line(self, line: str) -> None:
        """A row already joined with tabs (the hot paths format their own lines)."""
        self._pending.append(line)
        if len(self._pending) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        buffer = io.StringIO("\n".join(self._pending) + "\n")
        self.rows += len(self._pending)
        self._pending = []
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(self._sql, buffer)

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self._flush()
        self._deferred.__exit__(exc_type, exc, tb)


@contextlib.contextmanager
def deferred_indexes(table: str):
    """Drop ``table``'s secondary indexes and unique constraints, build them again after.

    Building an index once over the loaded rows is several times faster than
    maintaining it row by row; rebuilding the unique constraints checks them
    over every row. The primary key stays.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def without_triggers():
    """Skip foreign-key and audit triggers for this transaction (superuser only).

    The generator guarantees the references itself; the audit records are
    written afterwards, set-based, by ``write_audit_records``. Index builds
    get more memory.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")


def with_triggers():
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    orgscope.scope_moved()  # what was written without triggers may have moved users' scopes


def write_audit_records(tables: set[str], log) -> int:
    """One "create" change record per loaded row, as the audit trigger would have written.

    ``time`` is the row's ``created_at`` (the load's time for rows without
    one), the changes are the row itself with ``audit_redact`` columns
    masked, the source is "command" and the request id "load_scale", so
    the load is recognisable in the history.
    """
    total = 0
    with deferred_indexes("core_changerecord"):
        for model in audited_models():
            total += _audit_table(model, tables, log)
    return total


def _audit_table(model, tables, log) -> int:
    table = model._meta.db_table
    if table not in tables:
        return 0
    started = time.perf_counter()
    redact = getattr(model, "audit_redact", ())
    row = "to_jsonb(t)"
    if redact:
        masked = ", ".join(f"'{column}', '***'" for column in redact)
        row = f"to_jsonb(t) || jsonb_build_object({masked})"
    columns = {field.column for field in model._meta.concrete_fields}
    at = next((f"t.{c}" for c in ("created_at", "at") if c in columns), "now()")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO core_changerecord
                (time, table_name, object_id, action, changes, actor_id, request_id, source)
            SELECT {at}, %s, t.id::text, 'create', {row}, NULL, %s, %s FROM {table} AS t
            """,  # noqa: S608 - table and column names come from model metadata
            [table, REQUEST_ID, SOURCE],
        )
        count = cursor.rowcount
    log(f"  audit {table:<36} {count:>10,} rows {time.perf_counter() - started:7.1f} s")
    return count


def reset_sequences(models) -> None:
    """Point every loaded table's id sequence past its highest id."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            highest = f"SELECT coalesce(max(id), 0) + 1 FROM {table}"  # noqa: S608
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({highest}), false)", [table]
            )
