"""The demo's summaries, refreshed set-based for every pairing at once, are the raw rows
and what a refresh of each pairing alone gives (tests/assessments/test_set_based.py
checks the same on factory trees)."""

from decimal import Decimal

import pytest

from assessments.models import PairingYearSummary
from assessments.services import assessment_refresh, assessment_refresh_set
from pairings.models import Pairing
from tests.assessments.test_end_to_end import TILE_FIGURES, in_indicator_units, nonzero, raw

pytestmark = pytest.mark.xdist_group("demo")

YEARS = [2021, 2022, 2023]


def number(value):
    return None if value is None else Decimal(str(value))


def test_every_demo_summary_is_the_raw_rows_at_once_and_alone(demo_loaded):
    ids = sorted(Pairing.objects.values_list("pk", flat=True))
    assert assessment_refresh_set(pairing_ids=ids, years=YEARS)["failed"] == 0
    at_once = {
        (s.pairing_id, s.year): (s.figures, s.tiles, s.score, s.grade)
        for s in PairingYearSummary.objects.filter(pairing_id__in=ids, year__in=YEARS)
    }
    assert len(at_once) == len(ids) * len(YEARS)
    for pk in ids:
        pairing = Pairing.objects.get(pk=pk)
        tree = sorted(Pairing.objects.descendant_ids([pk]))
        for year in YEARS:
            alone = assessment_refresh(pairing=pairing, year=year)
            assert (alone.figures, alone.tiles, alone.score, alone.grade) == at_once[(pk, year)]
            expected = raw(tree, year)
            tiles = {key: tile["value"] for key, tile in alone.tiles.items()}
            for tile, figure in TILE_FIGURES.items():
                assert number(tiles[tile]) == expected[figure], (pairing, year, tile)
            assert nonzero(tiles["projects_by_status"]) == expected["projects_by_status"]
            in_units = in_indicator_units(expected)
            for figure in alone.figures:
                if figure["code"] in in_units:
                    assert number(figure["actual"]) == in_units[figure["code"]], (
                        pairing,
                        year,
                        figure["code"],
                    )
