"""Every role, in and out of scope, browser and API, for pairings and regions."""

from aidtrack.core.testing import ObjectAccessTests, ReadOnlyAccessTests
from pairings.views import PairingViews, RegionViews
from tests.factories import PairingFactory, region


class TestPairingAccess(ObjectAccessTests):
    views = PairingViews
    api_url = "api:pairing"
    update_changes = {"notes": "2024年度协议已签订"}

    def make_object(self, world, in_scope, index=0):
        if in_scope:
            parent = world.pairings["zs-lps"]
            helping = region(f"4420002{index:02d}", f"测试镇{index}", world.regions["zs"])
            helped = region(f"5202{50 + index}", f"测试县{index}", world.regions["lps"])
        else:
            parent = world.pairings["gz-bj"]
            helping = region(f"4401{50 + index}", f"测试区{index}", world.regions["gz"])
            helped = region(f"5205{50 + index}", f"测试县{index}", world.regions["bj"])
        return PairingFactory(helping_region=helping, helped_region=helped, parent=parent)

    def create_data(self, world, in_scope):
        if in_scope:
            sides = {"helping_region": world.regions["zs"], "helped_region": world.regions["lz"]}
            parent = world.pairings["zs-lps"]
        else:
            sides = {"helping_region": world.regions["gz"], "helped_region": world.regions["dF"]}
            parent = world.pairings["gz-bj"]
        return {
            "helping_region": sides["helping_region"].code,
            "helped_region": sides["helped_region"].code,
            "parent": parent.pk,
            "programme": "east_west",
            "level": "county",
            "start_date": "2021-03-01",
            "status": "active",
        }


class TestRegionAccess(ReadOnlyAccessTests):
    views = RegionViews
    api_url = "api:region"

    def make_object(self, world, in_scope, index=0):
        # Regions are shared reference data: "out of scope" does not exist.
        return region(
            f"5202{70 + index + (10 if in_scope else 0)}", f"参考县{index}", world.regions["lps"]
        )
