"""An outcome report's scope pairing (its pairing, or else its project's) and its
evidence's copy (projects.pairing_copy): filled however a row is written, moved
with a project, and the scope answer the same as the report's subject gives."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from aidtrack.core import scoping
from aidtrack.core.testing import COORDINATOR, LEADER
from projects.filters import OutcomeReportFilterSet
from projects.models import OutcomeEvidence, OutcomeReport, Project
from tests.funds.test_scope_id_bound import ids, walk
from tests.projects.conftest import make_project, make_report
from tests.projects.test_outcomes import api_as


def evidence_of(report) -> OutcomeEvidence:
    # bulk_create: an INSERT without save()'s file handling (no file is stored here).
    (row,) = OutcomeEvidence.objects.bulk_create(
        [OutcomeEvidence(report=report, title="佐证", file="projects/x/proof.pdf", size=1)]
    )
    return row


@pytest.fixture
def reports(world):
    """Reports on each pairing and on a project of each, with one piece of evidence each."""
    made = {}
    for in_scope in (True, False):
        side = "in" if in_scope else "out"
        project = make_project(world, in_scope, index=1 if in_scope else 2)
        made[f"{side}-pairing"] = make_report(world, in_scope, index=0)
        made[f"{side}-project"] = make_report(world, index=1, project=project)
    return made


def subject_pairing(report) -> int:
    report.refresh_from_db()
    return report.pairing_id or Project.objects.get(pk=report.project_id).pairing_id


def test_the_scope_pairing_is_the_subjects(world, reports):
    for report in reports.values():
        stored = OutcomeReport.objects.get(pk=report.pk)
        assert stored.scope_pairing_id == subject_pairing(report)
        evidence = evidence_of(report)
        assert OutcomeEvidence.objects.get(pk=evidence.pk).pairing_id == subject_pairing(report)
    # A bulk insert and a change of subject go through the same trigger.
    (bulk,) = OutcomeReport.objects.bulk_create(
        [
            OutcomeReport(
                indicator=reports["in-pairing"].indicator,
                year=2024,
                value=1,
                project=reports["out-project"].project,
            )
        ]  # fmt: skip
    )
    assert OutcomeReport.objects.get(pk=bulk.pk).scope_pairing_id == world.out_of_scope_pairing.pk
    OutcomeReport.objects.filter(pk=bulk.pk).update(project=None, pairing=world.in_scope_pairing)
    assert OutcomeReport.objects.get(pk=bulk.pk).scope_pairing_id == world.in_scope_pairing.pk


def test_the_coordinator_sees_exactly_the_reports_of_their_pairings(world, reports):
    coordinator = world.user(COORDINATOR)
    scope = coordinator.pairing_ids_in_scope("view")
    # The rule as the subject states it, written out against the stored rows.
    by_subject = Q(pairing__in=scope) | Q(project__pairing__in=scope)
    expected = set(OutcomeReport.objects.filter(by_subject).values_list("pk", flat=True))
    assert expected == {reports["in-pairing"].pk, reports["in-project"].pk}
    scoped = OutcomeReport.objects.for_user(coordinator, "view")
    assert set(scoped.values_list("pk", flat=True)) == expected
    visible = OutcomeEvidence.objects.for_user(coordinator, "view").values_list("report", flat=True)
    for report in reports.values():
        evidence_of(report)
    assert set(visible) == expected
    leader = world.user(LEADER)
    assert OutcomeReport.objects.for_user(leader, "view").count() == len(reports)


def test_reports_and_evidence_follow_a_project_moved_to_another_pairing(world, reports):
    report = reports["in-project"]
    evidence = evidence_of(report)
    coordinator = world.user(COORDINATOR)
    assert OutcomeReport.objects.for_user(coordinator, "view").filter(pk=report.pk).exists()
    Project.objects.filter(pk=report.project_id).update(pairing=world.out_of_scope_pairing)
    other = world.out_of_scope_pairing.pk
    assert OutcomeReport.objects.get(pk=report.pk).scope_pairing_id == other
    assert OutcomeEvidence.objects.get(pk=evidence.pk).pairing_id == other
    coordinator.forget_scope()
    assert not OutcomeReport.objects.for_user(coordinator, "view").filter(pk=report.pk).exists()
    assert not OutcomeEvidence.objects.for_user(coordinator, "view").filter(pk=evidence.pk).exists()
    # A report on a pairing stays where it is.
    pairing_report = reports["in-pairing"]
    assert OutcomeReport.objects.get(pk=pairing_report.pk).scope_pairing_id == (
        world.in_scope_pairing.pk
    )


def test_the_copies_cannot_be_written_apart_from_the_subject(world, reports):
    report = reports["in-pairing"]
    evidence = evidence_of(report)
    OutcomeReport.objects.filter(pk=report.pk).update(scope_pairing=world.out_of_scope_pairing)
    OutcomeEvidence.objects.filter(pk=evidence.pk).update(pairing=world.out_of_scope_pairing)
    assert OutcomeReport.objects.get(pk=report.pk).scope_pairing_id == world.in_scope_pairing.pk
    assert OutcomeEvidence.objects.get(pk=evidence.pk).pairing_id == world.in_scope_pairing.pk


def test_the_pairing_filter_covers_reports_on_projects(world, reports):
    pairing = world.in_scope_pairing
    filtered = OutcomeReportFilterSet({"pairing": pairing.pk}, OutcomeReport.objects.all()).qs
    assert set(filtered.values_list("pk", flat=True)) == {
        reports["in-pairing"].pk,
        reports["in-project"].pk,
    }


def test_a_coordinators_report_pages_end_at_the_scope(world):
    """The API's id walk stops at the scope's last report (core.scoping.scope_id_bound on
    ``scope_pairing``, the column scope_q tests): the last page no longer reads every
    report of other pairings after it to learn that none follows."""
    inside, outside = make_project(world, index=1), make_project(world, False, index=2)
    before = [make_report(world, False, index=n).pk for n in range(2)]
    mine = [make_report(world, index=n).pk for n in range(3)]
    mine += [make_report(world, index=n, project=inside).pk for n in range(2)]
    after = [make_report(world, index=n, project=outside).pk for n in range(3)]
    client = api_as(world, COORDINATOR)
    pages, back = walk(client, "/api/v1/outcome-reports/", {"page_size": 2})
    assert ids(pages) == mine and ids(reversed(back)) == mine
    assert pages[-1]["next"] is None and back[-1]["previous"] is None
    with CaptureQueriesContext(connection) as deep:
        client.get(pages[1]["next"])
    assert any("ROW(" in query["sql"] for query in deep.captured_queries)
    leader_pages, _back = walk(api_as(world, LEADER), "/api/v1/outcome-reports/", {"page_size": 4})
    assert ids(leader_pages) == sorted(before + mine + after)


def test_a_coordinators_report_count_reads_the_scope_pairing_index(world):
    coordinator = world.user(COORDINATOR)
    reports = OutcomeReport.objects.for_user(coordinator, scoping.VIEW)
    ordered = str(scoping.scope_ordered(reports, coordinator).query)
    assert 'ORDER BY "projects_outcomereport"."scope_pairing_id"' in ordered
