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


def copy_sql(
    table: str,
    *,
    parent: str = "projects_project",
    key: str = "project_id",
    source: str = "pairing_id",
    column: str = "pairing_id",
) -> str:
    """The two triggers that keep ``table.column`` equal to its parent's ``source``.

    The parent is the project (``key`` the row's reference to it) unless said
    otherwise: outcome evidence copies its report's scope pairing.
    """
    return f"""
CREATE OR REPLACE FUNCTION {table}_pairing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.{column} := (SELECT {source} FROM {parent} WHERE id = NEW.{key});
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER pairing_of_project
BEFORE INSERT OR UPDATE OF {key}, {column} ON {table}
FOR EACH ROW EXECUTE FUNCTION {table}_pairing();
CREATE OR REPLACE FUNCTION {table}_pairing_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET {column} = NEW.{source} WHERE {key} = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {table}_pairing
AFTER UPDATE OF {source} ON {parent}
FOR EACH ROW WHEN (OLD.{source} IS DISTINCT FROM NEW.{source})
EXECUTE FUNCTION {table}_pairing_moved();
"""  # noqa: S608 - table and column names from the migrations


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


# -- outcome reports and their evidence ------------------------------------------------
#
# A report's subject is a pairing or a project, never both (the
# ``outcome_report_one_subject`` constraint), so its scope is
# ``coalesce(pairing, the project's pairing)``. Read through the project, a
# coordinator's list was an OR of the report's pairing and a semi-join over
# every project of the scope, which no index answers in the list's order
# (2-4x the leader's list). ``scope_pairing`` holds that coalesce, kept like
# the copies above: filled on every write of the report, moved with a project
# moved to another pairing. Evidence copies its report's, as an attachment
# copies its project's, so each scope is one indexed column.

REPORTS = "projects_outcomereport"
EVIDENCE = "projects_outcomeevidence"


def report_scope_field():
    """The report's scope pairing: its own pairing, or else its project's (trigger-kept)."""
    return models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("scope pairing"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        editable=False,
        blank=True,  # empty until the trigger fills it
        db_index=False,  # the (scope_pairing, id) index leads with it
    )


def report_scope_sql() -> str:
    """The triggers that keep ``scope_pairing_id`` the report's pairing, or else its project's."""
    return f"""
CREATE OR REPLACE FUNCTION {REPORTS}_scope() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.scope_pairing_id := coalesce(
        NEW.pairing_id, (SELECT pairing_id FROM projects_project WHERE id = NEW.project_id));
    RETURN NEW;
END
$$;
CREATE OR REPLACE TRIGGER scope_of_subject
BEFORE INSERT OR UPDATE OF pairing_id, project_id, scope_pairing_id ON {REPORTS}
FOR EACH ROW EXECUTE FUNCTION {REPORTS}_scope();
CREATE OR REPLACE FUNCTION {REPORTS}_scope_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {REPORTS} SET scope_pairing_id = NEW.pairing_id WHERE project_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE OR REPLACE TRIGGER {REPORTS}_scope
AFTER UPDATE OF pairing_id ON projects_project
FOR EACH ROW WHEN (OLD.pairing_id IS DISTINCT FROM NEW.pairing_id)
EXECUTE FUNCTION {REPORTS}_scope_moved();
"""  # noqa: S608


def report_scope_add_sql() -> str:
    """Both columns filled in one rewrite of each table (see ``add_sql``), then kept."""
    evidence_copy = copy_sql(EVIDENCE, parent=REPORTS, key="report_id", source="scope_pairing_id")
    return f"""
ALTER TABLE {REPORTS} ADD COLUMN scope_pairing_id bigint;
CREATE FUNCTION pg_temp.project_pairing(project bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT pairing_id FROM projects_project WHERE id = project $$;
ALTER TABLE {REPORTS}
  ALTER COLUMN scope_pairing_id TYPE bigint
    USING coalesce(pairing_id, pg_temp.project_pairing(project_id)),
  ALTER COLUMN scope_pairing_id SET NOT NULL;
DROP FUNCTION pg_temp.project_pairing(bigint);
ALTER TABLE {REPORTS} ADD CONSTRAINT {REPORTS}_scope_pairing_id_fk FOREIGN KEY (scope_pairing_id)
  REFERENCES pairings_pairing (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX outcome_report_scope_id_idx ON {REPORTS} (scope_pairing_id, id);
{report_scope_sql()}
ALTER TABLE {EVIDENCE} ADD COLUMN pairing_id bigint;
CREATE FUNCTION pg_temp.report_scope(report bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT scope_pairing_id FROM {REPORTS} WHERE id = report $$;
ALTER TABLE {EVIDENCE}
  ALTER COLUMN pairing_id TYPE bigint USING pg_temp.report_scope(report_id),
  ALTER COLUMN pairing_id SET NOT NULL;
DROP FUNCTION pg_temp.report_scope(bigint);
ALTER TABLE {EVIDENCE} ADD CONSTRAINT {EVIDENCE}_pairing_id_fk FOREIGN KEY (pairing_id)
  REFERENCES pairings_pairing (id) DEFERRABLE INITIALLY DEFERRED;
CREATE INDEX evidence_pairing_id_idx ON {EVIDENCE} (pairing_id, id);
{evidence_copy}
-- A rewritten column has no statistics, and a rewrite is no change autovacuum counts: without
-- them the planner took a city's 53 pairings for a quarter of the reports.
ANALYZE {REPORTS} (scope_pairing_id);
ANALYZE {EVIDENCE} (pairing_id);
"""  # noqa: S608


def report_scope_remove_sql() -> str:
    return f"""
DROP TRIGGER IF EXISTS {EVIDENCE}_pairing ON {REPORTS};
DROP FUNCTION IF EXISTS {EVIDENCE}_pairing_moved();
DROP TRIGGER IF EXISTS pairing_of_project ON {EVIDENCE};
DROP FUNCTION IF EXISTS {EVIDENCE}_pairing();
ALTER TABLE {EVIDENCE} DROP COLUMN pairing_id;
DROP TRIGGER IF EXISTS {REPORTS}_scope ON projects_project;
DROP FUNCTION IF EXISTS {REPORTS}_scope_moved();
DROP TRIGGER IF EXISTS scope_of_subject ON {REPORTS};
DROP FUNCTION IF EXISTS {REPORTS}_scope();
ALTER TABLE {REPORTS} DROP COLUMN scope_pairing_id;
"""


def report_scope_operations():
    """The migration operations for the report's scope pairing and the evidence's copy."""
    from django.db import migrations

    return [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(report_scope_add_sql(), reverse_sql=report_scope_remove_sql())
            ],
            state_operations=[
                migrations.AddField(
                    model_name="outcomereport", name="scope_pairing", field=report_scope_field()
                ),
                migrations.AddIndex(
                    model_name="outcomereport",
                    index=models.Index(
                        fields=["scope_pairing", "id"], name="outcome_report_scope_id_idx"
                    ),
                ),
                migrations.AddField(
                    model_name="outcomeevidence", name="pairing", field=pairing_field()
                ),
                migrations.AddIndex(
                    model_name="outcomeevidence",
                    index=models.Index(fields=["pairing", "id"], name="evidence_pairing_id_idx"),
                ),
            ],
        )
    ]
