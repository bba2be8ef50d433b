"""The year a dashboard or a tab opens on: one rule for all of them.

A leader who lands on a page for a year nobody has recorded anything in sees
a screen of zeros and concludes the programme did nothing. So every
dashboard (the assessment overview, a pairing's dashboard, the comparison)
and every yearly tab of the pairing hub opens on the *latest year that has
data for the pairings in view*, never on a year to come and never on a year
without data; the current year only when no year has any.

What counts as data is declared by the apps that hold it, as hub tabs are: an
AppConfig lists ``data_years = ["app.module.function"]``, each
``function(pairing_ids, after=None) -> set[int]`` giving the years (after
``after``, when given) with data for those pairings and the pairings below them
(the assessments app: summaries with a non-zero figure; the funds app:
allocations and projects by programme year). Core imports no app; it only asks
them.

``default_year`` asks for the newest years first (this year, then the last
few, then all): at national scale the tree of the top level holds every
project, and asking for all its years read them all on each first visit,
where the newest years are a few index entries per pairing.
"""

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from aidtrack.core.filters import FIRST_YEAR, LAST_YEAR

DATA_YEARS = "data_years"


def years_with_data(pairing_ids, after: int | None = None) -> set[int]:
    """The years, up to this one (and after ``after``, when given), with data for
    ``pairing_ids`` (and the pairings below)."""
    pairing_ids = list(pairing_ids)
    if not pairing_ids:
        return set()
    this_year = timezone.localdate().year
    years: set[int] = set()
    for config in apps.get_app_configs():
        for path in getattr(config, DATA_YEARS, ()):
            years |= import_string(path)(pairing_ids, after=after)
    return {year for year in years if year <= this_year}


# How far back each look goes (after this year − n), before looking at every year.
_LOOK_BACK = (1, 4)


def default_year(pairing_ids) -> int:
    """The latest year with data for the pairings in view; this year when none has any."""
    this_year = timezone.localdate().year
    for after in [this_year - back for back in _LOOK_BACK] + [None]:
        if years := years_with_data(pairing_ids, after=after):
            return max(years)
    return this_year


def year_asked(raw, default: int | None) -> int | None:
    """The year in the address when it is one, else ``default``."""
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if FIRST_YEAR <= year <= LAST_YEAR else default
