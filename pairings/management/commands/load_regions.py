import time

from django.core.management.base import BaseCommand

from pairings.services import regions_load


class Command(BaseCommand):
    help = "Load the national administrative divisions (province to township). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="reload even if already complete")

    def handle(self, *args, force, **options):
        started = time.perf_counter()
        written = regions_load(force=force)
        elapsed = time.perf_counter() - started
        if written:
            self.stdout.write(f"Loaded {written} regions in {elapsed:.1f}s.")
        else:
            self.stdout.write("Regions already loaded (use --force to reload).")
