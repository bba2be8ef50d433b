from django.core.management.base import BaseCommand

from aidtrack.core.audit import audit_context
from projects.catalogue import indicators_load


class Command(BaseCommand):
    help = (
        "Load the indicator catalogue (idempotent: creates missing indicators and keeps "
        "administrators' edits unless --update)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Reset existing indicators to the shipped definitions.",
        )

    def handle(self, *args, update=False, **options):
        with audit_context(None, source="command"):
            created, updated = indicators_load(update=update)
        self.stdout.write(f"Indicators: {created} created, {updated} reset.")
