"""A project's pairing, copied onto the rows that belong to the project, and a report's scope.

Fund transactions, progress updates and project attachments reach their
pairing through their project. A scope therefore could not bound their ids:
a coordinator's last API page walked the primary key from the scope's last
row to the end of the table (2.3M fund transactions) to prove there was no
next row (aidtrack.core.scoping.scope_id_bound). With the pairing on the row
and an index on (pairing_id, id) the scope's id range is two index probes per
pairing. The copies are kept by triggers (aidtrack.core.copies says how).
In a module of its own because the migrations run this SQL.
"""

from django.utils.translation import gettext_lazy as _

from aidtrack.core import copies


def project_copy(table: str) -> copies.Copy:
    return copies.Copy(table, "pairing_id", "project_id", "projects_project")


def operations(model_name: str, table: str, index: str):
    """The migration operations of a project's pairing copied onto ``table``."""
    return copies.pairing_operations(model_name, project_copy(table), index=index)


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
EVIDENCE_COPY = copies.Copy(EVIDENCE, "pairing_id", "report_id", REPORTS, source="scope_pairing_id")


def report_scope_field():
    """The report's scope pairing: its own pairing, or else its project's (trigger-kept)."""
    return copies.copied_field("pairings.Pairing", _("scope pairing"))


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


_PROJECT_PAIRING = "SELECT pairing_id FROM projects_project WHERE id = $1"
_SUBJECT_PAIRING = "coalesce(pairing_id, pg_temp.copied_value(project_id))"
REPORT_INDEX = "outcome_report_scope_id_idx"
EVIDENCE_INDEX = "evidence_pairing_id_idx"


def report_scope_add_sql() -> str:
    """Both columns filled in one rewrite of each table (see ``add_sql``), then kept."""
    return f"""
{copies.fill_sql(REPORTS, "scope_pairing_id", _PROJECT_PAIRING, _SUBJECT_PAIRING)}
{copies.key_sql(REPORTS, "scope_pairing_id", references=copies.PAIRINGS, index=REPORT_INDEX)}
{report_scope_sql()}
{copies.add_sql(EVIDENCE_COPY, references=copies.PAIRINGS, index=EVIDENCE_INDEX)}
-- A rewritten column has no statistics, and a rewrite is no change autovacuum counts: without
-- them the planner took a city's 53 pairings for a quarter of the reports.
ANALYZE {REPORTS} (scope_pairing_id);
ANALYZE {EVIDENCE} (pairing_id);
"""  # noqa: S608


def report_scope_remove_sql() -> str:
    return f"""
{copies.remove_sql(EVIDENCE_COPY)}
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
                *copies.state_operations(
                    "outcomereport", "scope_pairing", report_scope_field(), REPORT_INDEX
                ),
                *copies.state_operations(
                    "outcomeevidence", "pairing", copies.pairing_field(), EVIDENCE_INDEX
                ),
            ],
        )
    ]
