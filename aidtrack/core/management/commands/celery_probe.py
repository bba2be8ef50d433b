from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aidtrack.core.tasks import probe


class Command(BaseCommand):
    help = "Send a probe task through the broker and wait for a worker to answer it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)
        parser.add_argument("--fail-times", type=int, default=0, help="exercise retries")

    def handle(self, *args, timeout, fail_times, **options):
        result = probe.delay("ping", fail_times=fail_times)
        try:
            answer = result.get(timeout=timeout)
        except Exception as exc:  # noqa: BLE001 - report any failure to the operator
            raise CommandError(f"no answer from a worker within {timeout}s: {exc}") from exc
        mode = "worker via Redis" if settings.REDIS_URL else "eagerly in-process (no REDIS_URL)"
        self.stdout.write(f"Probe answered {mode} after {answer['retries']} retries.")
