"""Writes of the assessments app: default rubrics and refreshing the summaries."""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments import scoring, sources
from assessments.default_rubric import DEFAULT_ITEMS, DEFAULT_RUBRIC_NAME, DEFAULT_THRESHOLDS
from assessments.models import GradeThreshold, PairingYearSummary, Rubric, RubricItem
from assessments.selectors import summary_cache_forget
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


def _targets(pairing: Pairing, year: int) -> dict[str, Decimal]:
    """The yearly targets of the pairing's own agreement, by indicator code."""
    return dict(
        AgreementTarget.objects.filter(
            agreement__pairing=pairing, agreement__year=year
        ).values_list("indicator_code", "target")
    )


def _figure(item: RubricItem, pairing: Pairing, year: int, ids: dict, targets: dict) -> dict:
    indicator = item.indicator
    pairing_ids = ids["tree"] if item.aggregate_descendants else ids["own"]
    source = sources.source_for(indicator.code)
    actual = _number(source.compute(pairing_ids, year))
    previous = _number(source.compute(pairing_ids, year - 1))
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
    return plain(
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
            "url": source.list_url(pairing, year) if pairing_ids == ids["tree"] else None,
        }
    )


def _tiles(pairing: Pairing, year: int, tree_ids) -> dict:
    tiles = {}
    for key, source in sources.TILES.items():
        tiles[key] = {
            "value": plain(source.compute(tree_ids, year)),
            "url": source.list_url(pairing, year),
        }
    return tiles


def summary_compute(pairing: Pairing, year: int, rubric: Rubric | None) -> dict:
    """The summary's fields, computed from the source records (no writes)."""
    ids = {
        "own": frozenset({pairing.pk}),
        "tree": frozenset(Pairing.objects.descendant_ids([pairing.pk])),
    }
    with sources.memoized():
        tiles = _tiles(pairing, year, ids["tree"])
        if rubric is None:
            return {"rubric": None, "figures": [], "tiles": tiles, "score": None, "grade": ""}
        targets = _targets(pairing, year)
        figures = [_figure(item, pairing, year, ids, targets) for item in rubric.items.all()]
    score = scoring.round_cents(sum((Decimal(f["points"]) for f in figures), Decimal(0)))
    grade = scoring.grade_for(
        score, [(threshold.label, threshold.min_score) for threshold in rubric.thresholds.all()]
    )
    return {"rubric": rubric, "figures": figures, "tiles": tiles, "score": score, "grade": grade}


def _rubric_for(year: int) -> Rubric | None:
    return (
        Rubric.objects.filter(year=year).prefetch_related("items__indicator", "thresholds").first()
    )


def _forget_cached(pairing_id: int, year: int) -> None:
    """Drop the page cache's copy now and again after the commit: a page read in
    between would otherwise cache the old row until the next refresh."""
    summary_cache_forget(pairing_id, year)
    transaction.on_commit(lambda: summary_cache_forget(pairing_id, year))


def assessment_refresh(*, pairing: Pairing, year: int) -> PairingYearSummary:
    """Recompute ``pairing``'s summary for ``year`` from the source records.

    Idempotent: the same records give the same summary. Atomic: the summary
    changes all at once or not at all. If computing fails, the previous
    figures stay and the failure is recorded (``last_error``,
    ``last_failed_at``) so the pages say the figures are not current.
    """
    rubric = _rubric_for(year)
    try:
        # A savepoint: a database error in a selector must not poison the
        # caller's transaction before the failure is recorded.
        with transaction.atomic():
            fields = summary_compute(pairing, year, rubric)
    except Exception as exc:
        logger.exception("assessment refresh failed for pairing %s, year %s", pairing.pk, year)
        return _record_failure(pairing, year, exc)
    with transaction.atomic():
        summary, _created = PairingYearSummary.objects.update_or_create(
            pairing=pairing,
            year=year,
            defaults={**fields, "refreshed_at": timezone.now(), "last_error": ""},
        )
        _forget_cached(pairing.pk, year)
    return summary


def _record_failure(pairing: Pairing, year: int, exc: Exception) -> PairingYearSummary:
    message = f"{type(exc).__name__}: {exc}"[:2000]
    with transaction.atomic():
        summary, _created = PairingYearSummary.objects.update_or_create(
            pairing=pairing,
            year=year,
            defaults={"last_error": message, "last_failed_at": timezone.now()},
        )
        _forget_cached(pairing.pk, year)
    return summary


def assessment_refresh_many(*, pairing_ids, years) -> dict[str, int]:
    """Refresh every pairing × year; one failure does not stop the others."""
    counts = {"refreshed": 0, "failed": 0}
    pairings = Pairing.objects.filter(pk__in=pairing_ids).order_by("pk")
    for pairing in pairings:
        for year in years:
            summary = assessment_refresh(pairing=pairing, year=year)
            counts["failed" if summary.failed else "refreshed"] += 1
    return counts
