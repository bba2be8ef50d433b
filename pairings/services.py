"""Writes on regions and pairings that span rows."""

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pairings.choices import PairingStatus, RegionLevel
from pairings.models import Organization, Pairing, Region
from pairings.paths import REGION_PATHS_REFRESH

REGION_DATA_DIR = Path(__file__).resolve().parent / "data"
_BATCH_SIZE = 5000


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


def _read(name: str):
    with open(REGION_DATA_DIR / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def region_rows(*, townships: bool = True) -> list[list[RegionRow]]:
    """The division files as rows grouped by level, parents before children.

    Provinces and prefectures get their 6-digit GB/T 2260 codes. Prefecture
    cities without counties (Zhongshan, Dongguan …) list themselves among
    the counties with the prefecture's own code; that row is skipped so their
    towns hang directly under the prefecture.
    """
    provinces = [
        RegionRow(f"{r['code']}0000", r["name"], RegionLevel.PROVINCE, None)
        for r in _read("provinces.csv")
    ]
    prefectures = [
        RegionRow(f"{r['code']}00", r["name"], RegionLevel.PREFECTURE, f"{r['provinceCode']}0000")
        for r in _read("cities.csv")
    ]
    prefecture_codes = {row.code for row in prefectures}
    counties = [
        RegionRow(r["code"], r["name"], RegionLevel.COUNTY, f"{r['cityCode']}00")
        for r in _read("areas.csv")
        if r["code"] not in prefecture_codes
    ]
    towns = (
        [
            RegionRow(r["code"], r["name"], RegionLevel.TOWNSHIP, r["areaCode"])
            for r in _read("streets.csv")
        ]
        if townships
        else []
    )
    return [provinces, prefectures, counties, towns]


def _row_count() -> int:
    """How many regions the files hold, without parsing the 41,000 townships."""
    provinces, prefectures, counties, _townships = region_rows(townships=False)
    with open(REGION_DATA_DIR / "streets.csv", "rb") as handle:
        townships = sum(1 for _line in handle) - 1  # less the header
    return len(provinces) + len(prefectures) + len(counties) + townships


@transaction.atomic
def regions_load(*, force: bool = False) -> int:
    """Insert or update every region; returns the number of rows written.

    Idempotent and bulk: one upsert per batch, level by level so parents'
    ids are known. Skipped when the table already holds exactly the file's
    rows, unless ``force``.
    """
    if not force and Region.objects.count() == _row_count():
        return 0
    levels = region_rows()
    ids: dict[str, int] = {}
    full_names: dict[str, str] = {}
    for level in levels:
        regions = []
        for row in level:
            parent_name = full_names.get(row.parent_code)
            full_name = f"{parent_name}{Region.SEPARATOR}{row.name}" if parent_name else row.name
            full_names[row.code] = full_name
            regions.append(
                Region(
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent_id=ids.get(row.parent_code),
                    full_name=full_name,
                )
            )
        Region.objects.bulk_create(
            regions,
            batch_size=_BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent", "full_name", "updated_at"],
        )
        ids.update(
            Region.objects.filter(level=level[0].level).values_list("code", "pk") if level else []
        )
    with connection.cursor() as cursor:
        # Fresh statistics first, or the planner may take 44,000 rows for none
        # and join the path refresh's recursion with nested loops over them
        # (minutes on a new database).
        cursor.execute(f"ANALYZE {Region._meta.db_table}")
        # A region moved under another parent moves its children too.
        cursor.execute(REGION_PATHS_REFRESH)
    return sum(len(level) for level in levels)


@transaction.atomic
def pairing_reassign(
    *,
    pairing: Pairing,
    effective: date,
    helping_region: Region,
    helped_region: Region,
    helping_organization: Organization | None = None,
    helped_organization: Organization | None = None,
    notes: str = "",
) -> Pairing:
    """End ``pairing`` the day before ``effective`` and start its successor.

    Nothing is overwritten: the ended pairing keeps its history and the
    pairings below it; the new one has the same programme, level and parent.
    """
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.status == PairingStatus.ENDED:
        raise ValidationError(_("This pairing has already ended."))
    if effective <= pairing.start_date:
        raise ValidationError(
            {"effective": _("The reassignment must take effect after the pairing started.")}
        )
    pairing.end_date = effective - timedelta(days=1)
    pairing.status = PairingStatus.ENDED
    pairing.full_clean()
    pairing.save()
    # The pairings below end with it; they are history too, not moved.
    below = Pairing.objects.descendant_ids([pairing.pk]) - {pairing.pk}
    Pairing.objects.filter(pk__in=below).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=pairing.end_date)
    ).update(end_date=pairing.end_date, status=PairingStatus.ENDED)
    successor = Pairing(
        helping_region=helping_region,
        helped_region=helped_region,
        helping_organization=helping_organization,
        helped_organization=helped_organization,
        programme=pairing.programme,
        level=pairing.level,
        parent=pairing.parent,
        start_date=effective,
        notes=notes,
    )
    successor.full_clean()
    successor.save()
    return successor
