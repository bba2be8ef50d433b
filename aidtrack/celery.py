"""The Celery application. Configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidtrack.settings")

app = Celery("aidtrack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _settle_collector(**_kwargs) -> None:
    """A worker process runs long jobs (imports, exports): its collector as a web process's."""
    from aidtrack.core.collector import settle

    settle(serves_pages=False)
