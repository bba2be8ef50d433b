"""Import jobs survive a lost queue message and a dead worker: the sweep runs what nobody runs."""

import pytest
from django.db import connections

from aidtrack.core.imports import jobs
from aidtrack.core.models import ChangeRecord, ImportJob
from aidtrack.core.testing import COORDINATOR
from funds.models import FundAllocation
from tests.core.test_import_pages import allocation, allocations_csv


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def queued_job(world) -> ImportJob:
    """A job whose check was never queued (Redis down at the commit: the callback is lost)."""
    uploaded = allocations_csv(world, [allocation(world)])
    return jobs.job_start(
        user=world.user(COORDINATOR), model_key="funds.fundallocation", uploaded=uploaded
    )


def test_the_sweep_checks_a_job_whose_message_was_lost_then_commits_it(world):
    job = queued_job(world)  # on-commit callbacks never run inside the test's transaction
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED
    assert jobs.jobs_resume() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED and job.counts["new"] == 1
    jobs.job_confirm(job, user=world.user(COORDINATOR))  # its commit message is lost too
    assert jobs.jobs_resume() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTED
    saved = FundAllocation.objects.get()
    change = ChangeRecord.objects.filter(table_name=FundAllocation._meta.db_table).latest("pk")
    assert change.object_id == str(saved.pk)
    assert (change.source, change.request_id) == ("import", job.request_id)
    assert jobs.jobs_resume() == 0  # nothing waits any more


@pytest.mark.django_db(transaction=True)
def test_a_job_another_worker_holds_is_left_to_it(world):
    job = queued_job(world)  # committed at once here, so checked already: queue it again
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, counts={})
    lock = [jobs._LOCK_NAMESPACE, job.pk]
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:  # another worker running this job
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", lock)
        jobs.jobs_resume()
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED
        # That worker lets go. Unlock rather than rely on close(): the server ends
        # a closed session (and frees its locks) only some time after the client.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", lock)
    finally:
        other.close()
    jobs.jobs_resume()
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CHECKED
