import time

from django.core.management.base import BaseCommand

from pairings.coordinates import region_coordinates_fill
from pairings.models import Region
from pairings.services import regions_load


class Command(BaseCommand):
    help = (
        "Load the national administrative divisions (province to township) and their "
        "coordinates for the map. Idempotent."
    )

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
        # Coordinates follow the regions: refilled whenever the regions were (re)written,
        # and once on a database loaded before regions had coordinates.
        if written or not Region.objects.filter(longitude__isnull=False).exists():
            located = region_coordinates_fill()
            self.stdout.write(f"Coordinates for {located} regions.")
