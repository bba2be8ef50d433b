"""Columns copied from the row a record belongs to, so its scope needs no join.

Check-ins, care records, awards and mentorships are in scope through their
person's home organisation (``Organization.in_scope_q``). Through the join
to the person, a coordinator's list either hash-joined the ~30k people of a
province's scope (a deep API page: 35–95 ms against ~2 ms for the leader;
the capped count of an HTML list: 60–90 ms) or walked the list's order index
probing a person for each row. With the home organisation on the row, the
scope is a test of the row's own column: no join, whatever the plan.

Team members (through their team) and agreement targets (through their
agreement) are in scope by a pairing one join away: the pairing on the row,
with a ``(pairing, id)`` index, lets the API's deep page stop at the scope's
edge (core.scoping.scope_id_bound) and test each row it walks without a
join (a province coordinator's deep page walked 80,000 other pairings'
team members, probing each one's team, to find the scope's last 500).

The scope stays exactly what it was: the copy is the parent's column, which
is the only thing the record's scope read from the parent. PostgreSQL keeps
it, as projects.pairing_copy keeps a project's pairing: a BEFORE trigger
sets it from the parent on every insert (the ORM, bulk inserts, COPY) and on
every write of the parent reference or of the copy itself (a copy written
by hand is put back); an AFTER trigger on the parent moves the rows of a
parent whose column changed (a person moved to another organisation, a team
or an agreement to another pairing). The column is not editable and in no form or serializer.
In a module of its own because the migrations (cadres, pairings) run this SQL.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Copy:
    """``table.column`` kept equal to ``parent.column`` of the row ``table.via`` names."""

    table: str
    column: str  # the same name on both tables
    via: str
    parent: str

    @property
    def name(self) -> str:
        return f"{self.table}_{self.column}"


def copied_field(to: str, verbose_name) -> models.ForeignKey:
    """The copied reference: filled by the trigger, so never required of a form or a service.

    No constraint of its own: the value is always the parent's, which has
    one, and a second would make every delete of an organisation or pairing
    search the copies too. ``DO_NOTHING``: the rows go with their parent.
    """
    return models.ForeignKey(
        to,
        verbose_name=verbose_name,
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        blank=True,  # empty until the trigger fills it; model validation must not ask for it
        db_index=False,
        db_constraint=False,
    )


def home_organization_field() -> models.ForeignKey:
    return copied_field("pairings.Organization", _("home organisation"))


def pairing_field() -> models.ForeignKey:
    return copied_field("pairings.Pairing", _("pairing"))


def copy_sql(copy: Copy) -> str:
    """The two triggers that keep the copy equal to its parent's column."""
    table, column, via, parent, name = copy.table, copy.column, copy.via, copy.parent, copy.name
    return f"""
CREATE OR REPLACE FUNCTION {name}_copy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.{column} := (SELECT {column} FROM {parent} WHERE id = NEW.{via});
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER {column}_copy
BEFORE INSERT OR UPDATE OF {via}, {column} ON {table}
FOR EACH ROW EXECUTE FUNCTION {name}_copy();
CREATE OR REPLACE FUNCTION {name}_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET {column} = NEW.{column} WHERE {via} = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {name}
AFTER UPDATE OF {column} ON {parent}
FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column})
EXECUTE FUNCTION {name}_moved();
"""  # noqa: S608 - names from the migrations


def add_sql(copy: Copy, index: str | None) -> str:
    """Add the column and fill it in one rewrite of the table, then index and keep it.

    As projects.pairing_copy.add_sql: ``ALTER COLUMN … TYPE … USING`` the
    parent's value rewrites the table once with its indexes, leaves no dead
    rows and fires no row trigger (no history, no change feed: no record
    changed).
    """
    table, column, via, parent = copy.table, copy.column, copy.via, copy.parent
    indexed = f"CREATE INDEX {index} ON {table} ({column}, id);" if index else ""
    return f"""
ALTER TABLE {table} ADD COLUMN {column} bigint;
CREATE FUNCTION pg_temp.copied_{column}(parent_id bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT {column} FROM {parent} WHERE id = parent_id $$;
ALTER TABLE {table}
  ALTER COLUMN {column} TYPE bigint USING pg_temp.copied_{column}({via}),
  ALTER COLUMN {column} SET NOT NULL;
DROP FUNCTION pg_temp.copied_{column}(bigint);
{indexed}
{copy_sql(copy)}
"""  # noqa: S608 - names from the migrations


def remove_sql(copy: Copy) -> str:
    return f"""
DROP TRIGGER IF EXISTS {copy.name} ON {copy.parent};
DROP FUNCTION IF EXISTS {copy.name}_moved();
DROP TRIGGER IF EXISTS {copy.column}_copy ON {copy.table};
DROP FUNCTION IF EXISTS {copy.name}_copy();
ALTER TABLE {copy.table} DROP COLUMN {copy.column};
"""


def operations(model_name: str, field_name: str, field, copy: Copy, index: str | None = None):
    """The migration operations: the SQL above, and the field (and index) in Django's state."""
    from django.db import migrations

    state = [migrations.AddField(model_name=model_name, name=field_name, field=field)]
    if index:
        state.append(
            migrations.AddIndex(
                model_name=model_name, index=models.Index(fields=[field_name, "id"], name=index)
            )
        )
    return [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(add_sql(copy, index), reverse_sql=remove_sql(copy))
            ],
            state_operations=state,
        )
    ]
