"""Reads of the summaries as pages and the API show them, through the cache.

A summary changes only when it is refreshed, so pages keep each pairing ×
year in the cache (Redis in production) until ``assessment_refresh`` forgets
it. Whatever the number of pairings asked for, a read is one cache round
trip plus at most one query for the misses.
"""

from decimal import Decimal

from django.core.cache import cache

from assessments import sources
from assessments.figures import FIGURE_NUMBERS
from assessments.models import OfficialGrade, PairingYearSummary

CACHE_TIMEOUT = 24 * 60 * 60  # a day: the nightly refresh rewrites everything anyway


def summary_cache_key(pairing_id: int, year: int) -> str:
    return f"assessments:summary:v2:{pairing_id}:{year}"


def summary_cache_forget(pairing_id: int, year: int) -> None:
    cache.delete(summary_cache_key(pairing_id, year))


def summaries_cache_forget(keys) -> None:
    """Forget the cached copies of these ``(pairing_id, year)`` summaries, in one round trip."""
    cache.delete_many([summary_cache_key(pairing_id, year) for pairing_id, year in keys])


def _decimal(value):
    return None if value is None else Decimal(value)


def summary_present(summary: PairingYearSummary) -> dict:
    """A summary as every page, export and the API show it; numbers as Decimals."""
    figures = [
        {**figure, **{key: _decimal(figure.get(key)) for key in FIGURE_NUMBERS}}
        for figure in summary.figures
    ]
    tiles = {
        key: {
            "value": _tile_value(tile["value"]),
            "url": tile.get("url"),
        }
        for key, tile in summary.tiles.items()
    }
    return {
        "pairing_id": summary.pairing_id,
        "year": summary.year,
        "rubric_id": summary.rubric_id,
        "figures": figures,
        "tiles": tiles,
        "map_points": summary.map_points,
        "score": summary.score,
        "grade": summary.grade,
        "refreshed_at": summary.refreshed_at,
        "last_error": summary.last_error,
        "last_failed_at": summary.last_failed_at,
        "failed": summary.failed,
    }


def summary_stored(summary: PairingYearSummary) -> dict:
    """A summary's figures and tiles as ``summary_present`` gives them, the numbers left as
    the strings the refresh wrote: for the API, which writes the figures as they are
    (they are stored in its form, ``figures.figure_stored``) and the tiles' numbers as
    strings again. ``summary_present`` gives the same values as Decimals
    (tests/demo/test_api_rows.py).
    """
    return {"figures": summary.figures, "tiles": summary.tiles}


def _tile_value(value):
    if isinstance(value, dict):  # projects by status
        return {key: int(count) for key, count in value.items()}
    if isinstance(value, list):  # ids, for distinct counts
        return [int(item) for item in value]
    if isinstance(value, str):
        return Decimal(value)
    return value


def summaries_read(pairing_ids, years) -> dict[tuple[int, int], dict]:
    """``{(pairing_id, year): summary_present(...)}`` for those that exist."""
    wanted = {summary_cache_key(pid, year): (pid, year) for pid in pairing_ids for year in years}
    if not wanted:
        return {}
    found = cache.get_many(list(wanted))
    missing = [wanted[key] for key in wanted.keys() - found.keys()]
    if missing:
        rows = PairingYearSummary.objects.filter(
            pairing_id__in={pid for pid, _year in missing}, year__in={y for _pid, y in missing}
        )
        fresh = {summary_cache_key(row.pairing_id, row.year): summary_present(row) for row in rows}
        fresh = {key: value for key, value in fresh.items() if key in wanted}
        cache.set_many(fresh, CACHE_TIMEOUT)
        found.update(fresh)
    return {wanted[key]: value for key, value in found.items()}


def summary_has_data(summary: dict | None) -> bool:
    """Whether anything happened in the summary's year: a flow that is not zero.

    Stocks (people on post, parks opened up to the year) are left out: they
    carry over into every later year, so a year with nothing but them has no
    data. A pairing without data in a year is shown as such and left out of
    the ranking, never ranked "0, poor"; the dashboards never open on such a year.
    """
    if not summary:
        return False
    values = [
        tile["value"]
        for key, tile in summary.get("tiles", {}).items()
        if key not in sources.STOCK_TILES
    ]
    values += [
        figure.get("actual")
        for figure in summary.get("figures", ())
        if figure.get("code") not in sources.STOCK_INDICATORS
    ]
    return any(any(value.values()) if isinstance(value, dict) else value for value in values)


def years_with_summaries(pairing_ids, after: int | None = None) -> set[int]:
    """The years (after ``after``, when given) in which a summary of one of
    ``pairing_ids`` counted something.

    A summary counts its pairing's whole tree, so the pairings in view suffice.
    Registered as the app's ``data_years`` (aidtrack.core.years).
    """
    keys = PairingYearSummary.objects.filter(pairing_id__in=pairing_ids)
    if after is not None:
        keys = keys.filter(year__gt=after)
    keys = list(keys.values_list("pairing_id", "year"))
    read = summaries_read({pid for pid, _y in keys}, {year for _pid, year in keys})
    return {year for (_pid, year), summary in read.items() if summary_has_data(summary)}


def official_grades_read(pairing_ids, years) -> dict[tuple[int, int], dict[str, OfficialGrade]]:
    """``{(pairing_id, year): {level: OfficialGrade}}``, in one query."""
    grades: dict[tuple[int, int], dict[str, OfficialGrade]] = {}
    for grade in OfficialGrade.objects.filter(pairing_id__in=pairing_ids, year__in=years):
        grades.setdefault((grade.pairing_id, grade.year), {})[grade.level] = grade
    return grades


def tiles_combine(summaries) -> dict:
    """The headline figures of several summaries: disjoint pairing trees, one or more years.

    Flows (money, people sent, projects) add up; stocks (people on post,
    parks) count in the latest year only; distinct counts (enterprises) count
    each id once; a rate is shown for one summary alone. A single summary
    keeps the links to its lists.
    """
    summaries = list(summaries)
    if len(summaries) == 1:
        return summaries[0]["tiles"]
    if not summaries:
        return {}
    latest = max(summary["year"] for summary in summaries)
    totals: dict = {}
    ids: dict[str, set] = {}
    for summary in summaries:
        for key, tile in summary["tiles"].items():
            value = tile["value"]
            if key == "execution_rate" or value is None:
                continue
            if key in sources.STOCK_TILES and summary["year"] != latest:
                continue
            if isinstance(value, list):
                ids.setdefault(key, set()).update(value)
            elif isinstance(value, dict):
                bucket = totals.setdefault(key, {"value": {}, "url": None})["value"]
                for status, count in value.items():
                    bucket[status] = bucket.get(status, 0) + count
            else:
                entry = totals.setdefault(key, {"value": 0, "url": None})
                entry["value"] += value
    for count_key, ids_key in sources.DISTINCT_TILES.items():
        # Summaries refreshed before the ids were kept can only be added up.
        if count_key in totals and all(ids_key in s["tiles"] for s in summaries):
            totals[count_key]["value"] = len(ids[ids_key])
    return totals
