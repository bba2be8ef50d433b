"""OrjsonField reads a stored document as Django's JSONField (json) would, faster."""

import json
import math

import pytest

from aidtrack.core.models import OrjsonField
from assessments.models import PairingYearSummary

DOCUMENTS = [
    '{"figures": [{"code": "I01", "actual": "316.00", "target": null}], "n": 3}',
    '[1, 2.5, -0.125, "县", true, false, null, {"nested": {"deep": []}}]',
    '"text"',
    "12",
    # What orjson refuses is read by json, as the plain field reads it.
    '{"big": 123456789012345678901234567890}',
    '{"beyond 64 bits": -18446744073709551617, "code": "1234567890123456789012"}',
    '{"not a number": NaN}',
]


@pytest.mark.parametrize("stored", DOCUMENTS)
def test_reads_what_json_reads(stored):
    read = OrjsonField().from_db_value(stored, None, None)
    expected = json.loads(stored)
    if stored.endswith("NaN}"):
        assert math.isnan(read["not a number"])
    else:
        assert read == expected and type(read) is type(expected)


def test_none_stays_none_and_a_decoder_of_its_own_is_kept():
    assert OrjsonField().from_db_value(None, None, None) is None

    class Marked(json.JSONDecoder):
        def decode(self, text):
            return {"decoded by": "its own", "text": text}

    field = OrjsonField(decoder=Marked)
    assert field.from_db_value("[1]", None, None) == {"decoded by": "its own", "text": "[1]"}


def test_the_summaries_figures_and_tiles_are_read_with_it():
    for name in ("figures", "tiles", "map_points"):
        assert isinstance(PairingYearSummary._meta.get_field(name), OrjsonField)
