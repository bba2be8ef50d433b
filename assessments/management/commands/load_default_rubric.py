from django.core.management.base import BaseCommand, CommandError

from aidtrack.core.audit import audit_context
from assessments.services import rubric_load_default


def _years(spec: str) -> list[int]:
    """``2023`` or ``2021-2025``."""
    try:
        first, _sep, last = spec.partition("-")
        first_year, last_year = int(first), int(last or first)
    except ValueError as exc:
        raise CommandError(f"--years takes 2023 or 2021-2025, not {spec!r}") from exc
    if not 2000 <= first_year <= last_year <= 2100:
        raise CommandError(f"--years {spec!r}: years between 2000 and 2100, first ≤ last")
    return list(range(first_year, last_year + 1))


class Command(BaseCommand):
    help = (
        "Give each year the default assessment rubric, adding only what it lacks "
        "(idempotent; an administrator's edits are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", required=True, help="a year (2023) or a range (2021-2025)")

    def handle(self, *args, **options):
        with audit_context(None, source="command"):
            for year in _years(options["years"]):
                result = rubric_load_default(year=year)
                self.stdout.write(
                    f"Rubric {year}: {result.items_created} items added, "
                    f"{result.rubric.items.count()} in all."
                )
                if result.missing_indicators:
                    self.stderr.write(
                        "  not in the indicator catalogue (skipped): "
                        + ", ".join(result.missing_indicators)
                    )
