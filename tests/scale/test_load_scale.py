"""``manage.py load_scale`` valid by the models' rules, proportionate, repeatable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import User
from aidtrack.core.models import BaseModel, ChangeRecord
from cadres.models import CheckIn, Deployment, Person, TeamMember
from funds.models import FundAllocation, FundTransaction
from pairings.management.commands.load_scale import data_models
from pairings.models import Pairing
from projects.models import OutcomeEvidence, Project, ProjectAttachment

SCALE = 0.005
SAMPLE = 15  # rows of each model put through full_clean


def load(*extra):
    out = StringIO()
    call_command("load_scale", "--scale", str(SCALE), "--summaries", "none", *extra, stdout=out)
    return out.getvalue()


# Reference data written through the ORM, stamped with the time it was loaded.
REFERENCE = {"projects_indicator", "assessments_rubric", "assessments_rubricitem",
             "assessments_gradethreshold"}  # fmt: skip


def fingerprint() -> dict[str, str]:
    """A digest of every generated table's rows, ids included."""
    digests = {}
    with connection.cursor() as cursor:
        for model in data_models():
            table = model._meta.db_table
            if table in REFERENCE:
                continue
            cursor.execute(
                f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t"
            )  # noqa: S608
            digests[table] = cursor.fetchone()[0]
    return digests


def sample(model):
    """Rows spread over the whole table, the same ones every run."""
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // SAMPLE)
    return model.objects.filter(pk__in=ids[::step][:SAMPLE])


def restart_sequences():
    """As in a new database (sequences are not rolled back with the tests' transactions)."""
    with connection.cursor() as cursor:
        for model in [*data_models(), User]:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [model._meta.db_table]
            )


@pytest.mark.django_db
def test_load_scale_writes_valid_proportionate_repeatable_rows(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the attachments' sample files
    restart_sequences()
    output = load()
    assert "done:" in output

    # Proportionate: the national sizes times the scale (rounding and the tree's shape aside).
    assert 30 <= Pairing.objects.count() <= 60
    assert Person.objects.count() == 500
    assert 1_200 <= Deployment.objects.count() <= 1_800
    assert 12_000 <= CheckIn.objects.count() <= 18_000
    assert 800 <= Project.objects.count() <= 1_200
    assert 9_000 <= FundTransaction.objects.count() <= 15_000
    assert FundAllocation.objects.count() >= Pairing.objects.count() * 5
    assert ProjectAttachment.objects.exists() and OutcomeEvidence.objects.exists()

    # Valid by the models' own rules (constraints, clean(), validators, uniqueness).
    checked = 0
    for model in data_models():
        if not issubclass(model, BaseModel):
            continue
        for row in sample(model):
            row.full_clean()
            checked += 1
    assert checked > 300

    # The funds invariants, over every row: 0 ≤ spent ≤ disbursed ≤ committed per
    # project, and each pairing-year's commitments within its allowance.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT project_id,
                       sum(amount) FILTER (WHERE kind = 'commitment') AS c,
                       coalesce(sum(amount) FILTER (WHERE kind = 'disbursement'), 0) AS d,
                       coalesce(sum(amount) FILTER (WHERE kind = 'expenditure'), 0) AS s
                  FROM funds_fundtransaction GROUP BY project_id
            ) t WHERE NOT (0 <= s AND s <= d AND d <= c)
            """
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(
            """
            SELECT count(*) FROM (
                SELECT p.pairing_id, p.year, sum(t.amount) AS committed
                  FROM funds_fundtransaction t JOIN projects_project p ON p.id = t.project_id
                 WHERE t.kind = 'commitment' GROUP BY 1, 2
            ) c
            WHERE c.committed >
                  coalesce((SELECT sum(amount) FROM funds_fundallocation a
                             WHERE a.pairing_id = c.pairing_id AND a.year = c.year), 0)
                + coalesce((SELECT sum(amount) FROM funds_overallocation o
                             WHERE o.pairing_id = c.pairing_id AND o.year = c.year), 0)
            """
        )
        assert cursor.fetchone()[0] == 0
        # Deployments of a person never overlap (clean() checks one row; this checks all).
        cursor.execute(
            """
            SELECT count(*) FROM cadres_deployment a JOIN cadres_deployment b
              ON a.person_id = b.person_id AND a.id < b.id
             WHERE a.start_date <= coalesce(b.actual_end_date, b.planned_end_date)
               AND b.start_date <= coalesce(a.actual_end_date, a.planned_end_date)
            """
        )
        assert cursor.fetchone()[0] == 0
        # Investments' amount in place is the sum of their tranches.
        cursor.execute(
            """
            SELECT count(*) FROM funds_investment i
             WHERE i.amount_in_place <> coalesce((SELECT sum(amount) FROM funds_investmenttranche t
                                                   WHERE t.investment_id = i.id), 0)
            """
        )
        assert cursor.fetchone()[0] == 0

    # Audited: one creation record per loaded row, marked as the loader's.
    assert (
        ChangeRecord.objects.filter(
            table_name="cadres_checkin", action="create", request_id="load_scale"
        ).count()
        == CheckIn.objects.count()
    )
    person = ChangeRecord.objects.filter(table_name="cadres_person").first()
    assert person.changes["id_number"] == "***"
    # Sequences continue after the loaded ids.
    assert TeamMember.objects.order_by("-pk").first().pk < _next_id(TeamMember)
    assert User.objects.filter(
        username="scale_coord_province", scope_pairings__level="province"
    ).exists()

    # Refuses a database with data; --force reloads the very same rows.
    first = fingerprint()
    with pytest.raises(CommandError):
        load()
    load("--force")
    assert fingerprint() == first


def _next_id(model) -> int:
    with connection.cursor() as cursor:
        table = model._meta.db_table
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        return cursor.fetchone()[0]
