"""The demo pairings: loading them again changes nothing, and they obey every rule.

(Moved from tests/pairings/test_regions_and_rules.py to share the loaded demo.)
"""

import pytest
from django.core.management import call_command

from pairings.models import Pairing

pytestmark = pytest.mark.xdist_group("demo")


def test_load_demo_is_idempotent(demo_loaded):
    """Loaded once (conftest.py), loaded again: nothing changes."""
    count = Pairing.objects.count()
    call_command("load_demo", verbosity=0)
    assert Pairing.objects.count() == count
    zs_lps = Pairing.objects.get(helping_region__code="442000", helped_region__code="520200")
    assert zs_lps.parent.helping_region.code == "440000"
    assert zs_lps.scoped_users.get().username == "coord_zs"
    for pairing in Pairing.objects.all():
        pairing.full_clean()  # the demo obeys every rule a user must
    levels = dict(
        Pairing.objects.values_list("helped_organization__name", "level").exclude(
            helped_organization=None
        )
    )
    assert levels == {
        "正安县人民医院": "institution",
        "罗甸县边阳中学": "institution",
        "台江县人民政府": "county",
        "剑河县人民政府": "county",  # the science-and-technology mission (cadres demo)
    }
