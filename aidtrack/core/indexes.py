"""Trigram indexes: declared on the apps' models, created where PostgreSQL has pg_trgm.

Models import ``trigram_index``, so this module imports nothing of the project.

pg_trgm ships with PostgreSQL's contrib modules (Debian's and the postgres
image of docker-compose), but not with the embedded PostgreSQL of the
``pgserver`` package a newcomer runs on. There the migrations record the
indexes without building them: searches are the same, answered by a scan,
which a newcomer's demo data never notices.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db.migrations.operations import AddIndex
from django.db.models.functions import Upper

TRIGRAM = "pg_trgm"


def trigram_index(column: str, name: str) -> GinIndex:
    """A trigram index serving ``column__icontains``: the lists' ``q`` and the navbar's
    search (core.search) on any part of a name, at national scale.

    Django writes ``icontains`` as ``UPPER(column::text) LIKE UPPER(pattern)``,
    so the index is on that expression, not on the bare column.
    """
    return GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=name)


def _one_row(connection, sql: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(sql, [TRIGRAM])
        return cursor.fetchone() is not None


def trigram_installed(connection) -> bool:
    return _one_row(connection, "SELECT 1 FROM pg_extension WHERE extname = %s")


def trigram_available(connection) -> bool:
    """Whether the server ships pg_trgm (installed or not)."""
    return _one_row(connection, "SELECT 1 FROM pg_available_extensions WHERE name = %s")


class TrigramExtensionIfAvailable(TrigramExtension):
    """``CREATE EXTENSION pg_trgm``, skipped where the server does not ship it."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if trigram_available(schema_editor.connection):
            super().database_forwards(app_label, schema_editor, from_state, to_state)


class AddTrigramIndex(AddIndex):
    """``AddIndex`` of a ``trigram_index``, built only where pg_trgm is installed."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if trigram_installed(schema_editor.connection):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [self.index.name])
            built = cursor.fetchone()[0] is not None
        if built:
            super().database_backwards(app_label, schema_editor, from_state, to_state)
