"""A parent row's column copied onto the rows that belong to it, kept by PostgreSQL.

A record's scope is often one join away: a fund transaction is in the scope
of its project's pairing, a check-in in that of its person's home
organisation, a team member in that of its team's pairing. Through the
join, a coordinator's list either hash-joins every parent in the scope or
walks the list's order probing a parent for each row, and the API's deep
page cannot stop at the scope's edge (``aidtrack.core.scoping.scope_id_bound``
needs a ``(pairing, id)`` index on the row's own table). With the parent's
column on the row, the scope is a test of the row's own column.

The copy is exactly the parent's column, the only thing the scope read from
the parent, so the scope answers what it answered through the join. The
database keeps it, not Python: a BEFORE trigger sets it from the parent on
every insert (the ORM, the services' bulk inserts, the import's COPY) and on
every write of the parent reference or of the copy itself (a copy written by
hand is put back); an AFTER trigger on the parent moves the rows of a parent
whose column changed. The column is not editable and in no form or
serializer. The apps' migrations run this SQL (projects.pairing_copy,
cadres and pairings migrations).
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

PAIRINGS = "pairings_pairing"  # what a copied pairing references


@dataclass(frozen=True)
class Copy:
    """``table.column`` kept equal to ``parent.source`` of the row ``table.via`` names."""

    table: str
    column: str  # "pairing_id"
    via: str  # "project_id"
    parent: str  # "projects_project"
    source: str = ""  # the parent's column, when not named as the copy is

    @property
    def parent_column(self) -> str:
        return self.source or self.column

    @property
    def function(self) -> str:
        """The BEFORE trigger's function; ``…_moved`` is the AFTER trigger's."""
        return f"{self.table}_{_label(self.column)}"

    @property
    def fill_trigger(self) -> str:
        return f"{_label(self.column)}_of_{_label(self.via)}"  # "pairing_of_project"


def _label(column: str) -> str:
    return column.removesuffix("_id")


def copied_field(to: str, verbose_name, *, constrained: bool = True) -> models.ForeignKey:
    """The copied reference: filled by the trigger, so never required of a form or a service.

    ``DO_NOTHING``: the rows go with their parent, so deleting never has to
    look for them by the copy. ``constrained=False`` where the copy has no
    index leading with it: a constraint would make every delete of the
    referenced row scan the table.
    """
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        blank=True,  # empty until the trigger fills it; model validation must not ask for it
        db_index=False,  # an index, where there is one, leads with it: (column, id)
        db_constraint=constrained,
    )


def pairing_field() -> models.ForeignKey:
    """A copied pairing, with its foreign key: it has a ``(pairing, id)`` index to check it by."""
    return copied_field("pairings.Pairing", _("pairing"))


def home_organization_field() -> models.ForeignKey:
    """A copied home organisation: no foreign key, as most such copies have no index."""
    return copied_field("pairings.Organization", _("home organisation"), constrained=False)


def copy_sql(copy: Copy) -> str:
    """The two triggers that keep the copy equal to its parent's column."""
    table, column, via, parent = copy.table, copy.column, copy.via, copy.parent
    source, function = copy.parent_column, copy.function
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.{column} := (SELECT {source} FROM {parent} WHERE id = NEW.{via});
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER {copy.fill_trigger}
BEFORE INSERT OR UPDATE OF {via}, {column} ON {table}
FOR EACH ROW EXECUTE FUNCTION {function}();
CREATE OR REPLACE FUNCTION {function}_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET {column} = NEW.{source} WHERE {via} = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {function}
AFTER UPDATE OF {source} ON {parent}
FOR EACH ROW WHEN (OLD.{source} IS DISTINCT FROM NEW.{source})
EXECUTE FUNCTION {function}_moved();
"""  # noqa: S608 - names from the migrations


def fill_sql(table: str, column: str, value_sql: str, using: str) -> str:
    """Add ``column`` to ``table``, each row's value ``using`` (an expression of its columns
    that may call ``pg_temp.copied_value(…)``, which is ``value_sql`` of ``$1``).

    By ``ALTER COLUMN … TYPE … USING``, not an UPDATE: the table is written
    afresh with its indexes (2.9M fund transactions: ~20 s against ~105 s),
    leaves no dead version of every row behind for vacuum, and fires no row
    trigger, so the fill is in no history or change feed: no record changed.
    """
    return f"""
ALTER TABLE {table} ADD COLUMN {column} bigint;
CREATE FUNCTION pg_temp.copied_value(bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ {value_sql} $$;
ALTER TABLE {table}
  ALTER COLUMN {column} TYPE bigint USING {using},
  ALTER COLUMN {column} SET NOT NULL;
DROP FUNCTION pg_temp.copied_value(bigint);
"""  # noqa: S608 - names from the migrations


def key_sql(table: str, column: str, *, references: str | None, index: str | None) -> str:
    """The column's foreign key to ``references`` and its ``(column, id)`` index, if any."""
    constraint = (
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_fk FOREIGN KEY ({column})"
        f" REFERENCES {references} (id) DEFERRABLE INITIALLY DEFERRED;"
        if references
        else ""
    )
    indexed = f"CREATE INDEX {index} ON {table} ({column}, id);" if index else ""
    return f"{constraint}\n{indexed}\n"


def add_sql(copy: Copy, *, references: str | None = None, index: str | None = None) -> str:
    """Add and fill the copy in one rewrite of the table, then constrain, index and keep it."""
    value = f"SELECT {copy.parent_column} FROM {copy.parent} WHERE id = $1"  # noqa: S608
    return (
        fill_sql(copy.table, copy.column, value, f"pg_temp.copied_value({copy.via})")
        + key_sql(copy.table, copy.column, references=references, index=index)
        + copy_sql(copy)
    )


def remove_sql(copy: Copy) -> str:
    return f"""
DROP TRIGGER IF EXISTS {copy.function} ON {copy.parent};
DROP FUNCTION IF EXISTS {copy.function}_moved();
DROP TRIGGER IF EXISTS {copy.fill_trigger} ON {copy.table};
DROP FUNCTION IF EXISTS {copy.function}();
ALTER TABLE {copy.table} DROP COLUMN {copy.column};
"""


def state_operations(model_name: str, field_name: str, field, index: str | None = None) -> list:
    """The field (and its ``(field, id)`` index) in Django's state; the SQL made them."""
    from django.db import migrations

    state = [migrations.AddField(model_name=model_name, name=field_name, field=field)]
    if index:
        state.append(
            migrations.AddIndex(
                model_name=model_name, index=models.Index(fields=[field_name, "id"], name=index)
            )
        )
    return state


def operations(
    model_name: str,
    field_name: str,
    field,
    copy: Copy,
    *,
    references: str | None = None,
    index: str | None = None,
):
    """The migration operations: the SQL above, and the field (and index) in Django's state.

    ``references`` (the referenced table) for a ``copied_field(…, constrained=True)``.
    """
    from django.db import migrations

    return [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    add_sql(copy, references=references, index=index),
                    reverse_sql=remove_sql(copy),
                )
            ],
            state_operations=state_operations(model_name, field_name, field, index),
        )
    ]


def pairing_operations(model_name: str, copy: Copy, *, index: str):
    """``operations`` of a copied pairing: the ``pairing`` field, its foreign key and its
    ``(pairing, id)`` index (the index checks the key; scoping uses both)."""
    return operations(
        model_name, "pairing", pairing_field(), copy, references=PAIRINGS, index=index
    )
