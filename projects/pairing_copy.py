"""A project's pairing, copied onto the rows that belong to the project.

Fund transactions, progress updates and project attachments reach their
pairing through their project. A scope therefore could not bound their ids:
a coordinator's last API page walked the primary key from the scope's last
row to the end of the table (2.3M fund transactions) to prove there was no
next row (aidtrack.core.scoping.scope_id_bound). With the pairing on the row
and an index on (pairing_id, id) the scope's id range is two index probes per
pairing.

PostgreSQL keeps the copy, not Python: a BEFORE trigger fills it from the
project on every insert (the ORM, the services' bulk inserts, the import's
COPY all get it) and whenever the project or the copy itself is written; an
AFTER trigger on the project moves the rows with a project moved to another
pairing. The column is not editable and in no form or serializer.
In a module of its own because the migrations run this SQL.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def pairing_field():
    """The copied pairing: filled by the trigger, so never required of a form or a service.

    ``DO_NOTHING``: the rows go with their project (a pairing with projects is
    protected), so deleting never has to look for them by pairing.
    """
    return models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        blank=True,  # empty until the trigger fills it; model validation must not ask for it
        db_index=False,  # the (pairing, id) index leads with it
    )


def copy_sql(table: str) -> str:
    """The two triggers that keep ``table.pairing_id`` equal to its project's pairing."""
    return f"""
CREATE OR REPLACE FUNCTION {table}_pairing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.pairing_id := (SELECT pairing_id FROM projects_project WHERE id = NEW.project_id);
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER pairing_of_project
BEFORE INSERT OR UPDATE OF project_id, pairing_id ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_pairing();
CREATE OR REPLACE FUNCTION {table}_pairing_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET pairing_id = NEW.pairing_id WHERE project_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {table}_pairing
AFTER UPDATE OF pairing_id ON projects_project
FOR EACH ROW WHEN (OLD.pairing_id IS DISTINCT FROM NEW.pairing_id)
EXECUTE FUNCTION {table}_pairing_moved();
"""  # noqa: S608 - table names from the migrations


def add_sql(table: str, index: str) -> str:
    """Add the column and fill it in one rewrite of the table, then constrain, index and keep it.

    Filled by ``ALTER COLUMN … TYPE … USING`` the project's pairing, not by
    an UPDATE: the table is written afresh with its indexes (2.9M fund
    transactions: ~20 s against ~105 s), leaves no dead version of every row
    behind for vacuum (the lists read through the table's other indexes were
    slower until it ran), and fires no row trigger, so the fill is in no history or
    change feed: no record changed, and the API does not show the column.
    """
    return f"""
ALTER TABLE {table} ADD COLUMN pairing_id bigint;
CREATE FUNCTION pg_temp.project_pairing(project bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT pairing_id FROM projects_project WHERE id = project $$;
ALTER TABLE {table}
  ALTER COLUMN pairing_id TYPE bigint USING pg_temp.project_pairing(project_id),
  ALTER COLUMN pairing_id SET NOT NULL;
DROP FUNCTION pg_temp.project_pairing(bigint);
ALTER TABLE {table} ADD CONSTRAINT {table}_pairing_id_fk FOREIGN KEY (pairing_id)
  REFERENCES pairings_pairing (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX {index} ON {table} (pairing_id, id);
{copy_sql(table)}
"""  # noqa: S608 - table and index names from the migrations


def remove_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_pairing ON projects_project;
DROP FUNCTION IF EXISTS {table}_pairing_moved();
DROP TRIGGER IF EXISTS pairing_of_project ON {table};
DROP FUNCTION IF EXISTS {table}_pairing();
ALTER TABLE {table} DROP COLUMN pairing_id;
"""


def operations(model_name: str, table: str, index: str):
    """The migration operations: the SQL above, and the field and index in Django's state."""
    from django.db import migrations

    return [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(add_sql(table, index), reverse_sql=remove_sql(table))
            ],
            state_operations=[
                migrations.AddField(model_name=model_name, name="pairing", field=pairing_field()),
                migrations.AddIndex(
                    model_name=model_name,
                    index=models.Index(fields=["pairing", "id"], name=index),
                ),
            ],
        )
    ]
