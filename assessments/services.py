"""Writes of the assessments app: default rubrics and refreshing the summaries."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from aidtrack.core.audit import current_actor
from aidtrack.core.rollup import Groups
from assessments import maps, scoring, sources
from assessments.default_rubric import DEFAULT_ITEMS, DEFAULT_RUBRIC_NAME, DEFAULT_THRESHOLDS
from assessments.figures import figure_stored
from assessments.models import GradeThreshold, PairingYearSummary, Rubric, RubricItem
from assessments.selectors import summaries_cache_forget
from pairings.models import AgreementTarget, Pairing
from projects.models import Indicator

logger = logging.getLogger(__name__)


# --- rubrics ------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricLoad:
    rubric: Rubric
    items_created: int
    missing_indicators: tuple[str, ...]


@transaction.atomic
def rubric_load_default(*, year: int) -> RubricLoad:
    """Give ``year`` the default rubric, adding only what it lacks.

    Idempotent, and never overwrites an administrator's edits: an existing
    rubric keeps its name, weights and thresholds; missing default items are
    added. Indicators not (yet) in the catalogue are skipped and reported.
    """
    rubric, _created = Rubric.objects.get_or_create(
        year=year, defaults={"name": DEFAULT_RUBRIC_NAME}
    )
    indicators = Indicator.objects.in_bulk(
        {item.indicator_code for item in DEFAULT_ITEMS}, field_name="code"
    )
    existing = set(rubric.items.values_list("indicator__code", "method"))
    created = 0
    for order, spec in enumerate(DEFAULT_ITEMS, start=1):
        indicator = indicators.get(spec.indicator_code)
        if indicator is None or (spec.indicator_code, spec.method) in existing:
            continue
        item = RubricItem(
            rubric=rubric,
            indicator=indicator,
            weight=spec.weight,
            method=spec.method,
            cap_percent=spec.cap_percent,
            order=order,
        )
        item.full_clean()
        item.save()
        created += 1
    if not rubric.thresholds.exists():
        for order, (label, min_score) in enumerate(DEFAULT_THRESHOLDS, start=1):
            threshold = GradeThreshold(rubric=rubric, label=label, min_score=min_score, order=order)
            threshold.full_clean()
            threshold.save()
    missing = tuple(sorted({item.indicator_code for item in DEFAULT_ITEMS} - indicators.keys()))
    return RubricLoad(rubric=rubric, items_created=created, missing_indicators=missing)


# --- summaries ------------------------------------------------------------------------


def plain(value):
    """JSON-ready: Decimals as strings (never floats), nested dicts alike."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def tree_pairs(root_ids) -> list[tuple[int, int]]:
    """``(root, pairing)`` for every root and every pairing of its tree (itself included),
    in one recursive query: about 8,000 pairs for the 2,000 pairings of the programme."""
    root_ids = sorted(set(root_ids))
    if not root_ids:
        return []
    table = Pairing._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tree(root, id) AS (
                SELECT id, id FROM {table} WHERE id = ANY(%s)
                UNION
                SELECT tree.root, child.id
                FROM {table} AS child JOIN tree ON child.parent_id = tree.id
            )
            SELECT root, id FROM tree
            """,  # noqa: S608 - the table name comes from model metadata
            [root_ids],
        )
        return cursor.fetchall()


def _own_key(pairing_id: int) -> int:
    """The group of a pairing alone (rubric items that leave out the pairings below)."""
    return -pairing_id


def _figure(item: RubricItem, pairing_id: int, year: int, facts: dict, targets: dict) -> dict:
    indicator = item.indicator
    group = pairing_id if item.aggregate_descendants else _own_key(pairing_id)
    source = sources.source_for(indicator.code)
    actual = _number(source.compute(facts[(group, year)]))
    previous = _number(source.compute(facts[(group, year - 1)]))
    target = targets.get(indicator.code)
    result = scoring.score_item(
        item.method,
        item.weight,
        item.cap_percent,
        actual=actual,
        target=target,
        previous=previous,
        higher_is_better=indicator.higher_is_better,
    )
    return figure_stored(
        {
            "code": indicator.code,
            "name": indicator.name_zh,
            "name_en": indicator.name_en,
            "unit": indicator.unit,
            "category": indicator.category,
            "method": item.method,
            "weight": item.weight,
            "cap_percent": item.cap_percent,
            "actual": actual,
            "target": target,
            "completion": result.completion,
            "previous": previous,
            "change": result.change,
            "points": result.points,
            # The lists' ``pairing`` filter includes the pairings below: a figure
            # of the pairing alone has no list that shows exactly its records.
            "url": source.list_url(pairing_id, year) if item.aggregate_descendants else None,
        }
    )


def summaries_compute(pairing_ids, years, rubrics: dict) -> dict[tuple[int, int], dict]:
    """``{(pairing_id, year): the summary's fields}``, computed from the source records
    for every pairing and year at once (no writes).

    The figures of each pairing count the records of its whole tree (or of the
    pairing alone, for a rubric item that says so): the pairs of
    ``tree_pairs`` are the groups the set-based selectors roll up over.
    """
    roots, years = sorted(set(pairing_ids)), sorted(set(years))
    members: dict[int, set[int]] = {}
    for root, pairing_id in tree_pairs(roots):
        members.setdefault(root, set()).add(pairing_id)
    roots = sorted(members)  # a pairing deleted meanwhile has no summary to write
    items = {year: list(rubric.items.all()) if rubric else [] for year, rubric in rubrics.items()}
    if any(not item.aggregate_descendants for year_items in items.values() for item in year_items):
        members.update({_own_key(root): {root} for root in roots})
    # Growth compares with the year before: its figures come along, its tiles do not.
    fact_years = {*years, *(year - 1 for year in years if rubrics.get(year))}
    facts = sources.facts_compute(Groups(members), fact_years, tile_years=years)
    points = maps.map_counts(Groups({root: members[root] for root in roots}), years)
    targets: dict[tuple[int, int], dict[str, Decimal]] = {}
    for pairing_id, year, code, target in AgreementTarget.objects.filter(
        agreement__pairing_id__in=roots, agreement__year__in=years
    ).values_list("agreement__pairing_id", "agreement__year", "indicator_code", "target"):
        targets.setdefault((pairing_id, year), {})[code] = target
    fields = {}
    for year in years:
        rubric = rubrics.get(year)
        thresholds = [(t.label, t.min_score) for t in rubric.thresholds.all()] if rubric else []
        for root in roots:
            tiles = {
                key: {
                    "value": plain(source.compute(facts[(root, year)])),
                    "url": source.list_url(root, year),
                }
                for key, source in sources.TILES.items()
            }
            if rubric is None:
                fields[(root, year)] = {
                    "rubric": None,
                    "figures": [],
                    "tiles": tiles,
                    "map_points": points[(root, year)],
                    "score": None,
                    "grade": "",
                }
                continue
            own_targets = targets.get((root, year), {})
            figures = [_figure(item, root, year, facts, own_targets) for item in items[year]]
            score = scoring.round_cents(sum((Decimal(f["points"]) for f in figures), Decimal(0)))
            fields[(root, year)] = {
                "rubric": rubric,
                "figures": figures,
                "tiles": tiles,
                "map_points": points[(root, year)],
                "score": score,
                "grade": scoring.grade_for(score, thresholds),
            }
    return fields


def _rubrics_for(years) -> dict[int, Rubric | None]:
    found = {
        rubric.year: rubric
        for rubric in Rubric.objects.filter(year__in=list(years)).prefetch_related(
            "items__indicator", "thresholds"
        )
    }
    return {year: found.get(year) for year in years}


def _forget_cached(keys) -> None:
    """Drop the page cache's copies now and again after the commit: a page read in
    between would otherwise cache the old rows until the next refresh."""
    keys = list(keys)
    summaries_cache_forget(keys)
    transaction.on_commit(lambda: summaries_cache_forget(keys))


_WRITTEN = (
    "rubric",
    "figures",
    "tiles",
    "map_points",
    "score",
    "grade",
    "refreshed_at",
    "last_error",
)


def _authorship() -> dict:
    actor = current_actor.get()
    if actor is None or actor.user_id is None:
        return {}
    return {"created_by_id": actor.user_id, "updated_by_id": actor.user_id}


def _upsert(rows: list[PairingYearSummary], fields) -> None:
    """Insert or update the summaries in one statement per 1,000."""
    if not rows:
        return
    updated = [*fields, "updated_at"]
    if _authorship():
        updated.append("updated_by")
    PairingYearSummary.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["pairing", "year"],
        update_fields=updated,
    )
    _forget_cached((row.pairing_id, row.year) for row in rows)


def assessment_refresh_set(*, pairing_ids, years) -> dict[str, int]:
    """Recompute the summaries of ``pairing_ids`` × ``years`` from the source records.

    Set-based: every figure of every pairing and year comes from one statement
    per figure family (``summaries_compute``), then the rows are written with
    one upsert per year, each year in its own transaction. Idempotent: the same
    records give the same summaries. If computing fails, the previous figures
    stay and the failure is recorded on each summary (``last_error``,
    ``last_failed_at``) so the pages say the figures are not current; this
    never raises for a failure to compute.
    """
    roots, years = sorted(set(pairing_ids)), sorted(set(years))
    if not roots or not years:
        return {"refreshed": 0, "failed": 0}
    roots = sorted(Pairing.objects.filter(pk__in=roots).values_list("pk", flat=True))
    try:
        # A savepoint: a database error in a selector must not poison the
        # caller's transaction before the failure is recorded.
        with transaction.atomic():
            computed = summaries_compute(roots, years, _rubrics_for(years))
    except Exception as exc:
        logger.exception("assessment refresh failed for %s pairings, years %s", len(roots), years)
        _record_failure([(root, year) for root in roots for year in years], exc)
        return {"refreshed": 0, "failed": len(roots) * len(years)}
    now, authorship = timezone.now(), _authorship()
    for year in years:
        with transaction.atomic():
            _upsert(
                [
                    PairingYearSummary(
                        pairing_id=root,
                        year=year,
                        refreshed_at=now,
                        last_error="",
                        **computed[(root, year)],
                        **authorship,
                    )
                    for root in roots
                    if (root, year) in computed
                ],
                _WRITTEN,
            )
    return {"refreshed": len(computed), "failed": 0}


def _record_failure(keys, exc: Exception) -> None:
    message = f"{type(exc).__name__}: {exc}"[:2000]
    now, authorship = timezone.now(), _authorship()
    with transaction.atomic():
        _upsert(
            [
                PairingYearSummary(
                    pairing_id=pairing_id,
                    year=year,
                    last_error=message,
                    last_failed_at=now,
                    **authorship,
                )
                for pairing_id, year in keys
            ],
            ("last_error", "last_failed_at"),
        )


def assessment_refresh(*, pairing: Pairing, year: int) -> PairingYearSummary:
    """Recompute ``pairing``'s summary for ``year``: ``assessment_refresh_set`` with one pairing."""
    assessment_refresh_set(pairing_ids=[pairing.pk], years=[year])
    return PairingYearSummary.objects.get(pairing=pairing, year=year)


def assessment_refresh_many(*, pairing_ids, years) -> dict[str, int]:
    """Refresh every pairing × year (set-based, one transaction per year)."""
    return assessment_refresh_set(pairing_ids=list(pairing_ids), years=years)
