"""Celery: a real worker against Redis when REDIS_URL is set, eager execution otherwise."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from aidtrack.core.tasks import probe


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="eager mode applies only without REDIS_URL")
def test_without_redis_tasks_run_eagerly_with_retries():
    assert settings.CELERY_TASK_ALWAYS_EAGER
    result = probe.delay("eager", fail_times=2)
    # Celery keeps "joining would block" in a process-wide flag that eager
    # tasks run concurrently in other threads (live-server and concurrency
    # tests) can leave set; an eager result never blocks, so don't consult it.
    assert result.get(disable_sync_subtasks=False) == {"value": "eager", "retries": 2}


@pytest.fixture
def worker_queue():
    """A worker process on a queue of its own, stopped after the test."""
    queue = f"aidtrack-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "CELERY_QUEUE": queue, "AIDTRACK_ENV": "test"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "aidtrack",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.celery_worker
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL for a real broker")
def test_real_worker_round_trip_and_retry(worker_queue):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    answered = probe.apply_async(("round-trip",), queue=worker_queue).get(timeout=60)
    assert answered == {"value": "round-trip", "retries": 0}

    retried = probe.apply_async(("retry",), {"fail_times": 2}, queue=worker_queue).get(timeout=60)
    assert retried == {"value": "retry", "retries": 2}
