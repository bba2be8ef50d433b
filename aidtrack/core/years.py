"""The year a dashboard or a tab opens on: one rule for all of them.

A leader who lands on a page for a year nobody has recorded anything in sees
a screen of zeros and concludes the programme did nothing. So every
dashboard (the assessment overview, a pairing's dashboard, the comparison)
and every yearly tab of the pairing hub opens on the *latest year that has
data for the pairings in view*, never on a year to come and never on a year
without data; the current year only when no year has any.

What counts as data is declared by the apps that hold it, as hub tabs are: an
AppConfig lists ``data_years = ["app.module.function"]``, each
``function(pairing_ids) -> set[int]`` giving the years with data for those
pairings and the pairings below them (the assessments app: summaries with a
non-zero figure; the funds app: allocations and projects by programme
year). Core imports no app; it only asks them.
"""

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from aidtrack.core.filters import FIRST_YEAR, LAST_YEAR

DATA_YEARS = "data_years"


def years_with_data(pairing_ids) -> set[int]:
    """The years, up to this one, with data for ``pairing_ids`` (and the pairings below)."""
    pairing_ids = list(pairing_ids)
    if not pairing_ids:
        return set()
    this_year = timezone.localdate().year
    years: set[int] = set()
    for config in apps.get_app_configs():
        for path in getattr(config, DATA_YEARS, ()):
            years |= import_string(path)(pairing_ids)
    return {year for year in years if year <= this_year}


def default_year(pairing_ids) -> int:
    """The latest year with data for the pairings in view; this year when none has any."""
    return max(years_with_data(pairing_ids), default=timezone.localdate().year)


def year_asked(raw, default: int | None) -> int | None:
    """The year in the address when it is one, else ``default``."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if FIRST_YEAR <= year <= LAST_YEAR else default
