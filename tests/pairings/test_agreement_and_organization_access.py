"""Every role, in and out of scope, browser and API: organisations and agreements."""

from aidtrack.core.testing import ObjectAccessTests
from pairings.models import Agreement, AgreementTarget, Organization
from pairings.views import AgreementTargetViews, AgreementViews, OrganizationViews


def _side(world, in_scope):
    return world.in_scope_pairing if in_scope else world.out_of_scope_pairing


class TestOrganizationAccess(ObjectAccessTests):
    views = OrganizationViews
    api_url = "api:organization"
    update_changes = {"notes": "2022年3月起接受组团式医疗帮扶"}

    def make_object(self, world, in_scope, index=0):
        region = world.regions["sc" if in_scope else "xqg"]
        return Organization.objects.create(
            name=f"{region.name}人民医院{index}", kind="hospital", region=region
        )

    def create_data(self, world, in_scope):
        region = world.regions["lz" if in_scope else "dF"]
        return {"name": f"{region.name}第一中学", "kind": "school", "region": region.code}


class TestAgreementAccess(ObjectAccessTests):
    views = AgreementViews
    api_url = "api:agreement"
    update_changes = {"title": "2023年度东西部协作协议"}

    def make_object(self, world, in_scope, index=0):
        return Agreement.objects.create(pairing=_side(world, in_scope), year=2021 + index)

    def create_data(self, world, in_scope):
        return {
            "pairing": _side(world, in_scope).pk,
            "year": 2030,
            "reference": "黔东西协〔2030〕1号",
        }


class TestAgreementTargetAccess(ObjectAccessTests):
    views = AgreementTargetViews
    api_url = "api:agreementtarget"
    update_changes = {"notes": "按协议附件二"}

    def make_object(self, world, in_scope, index=0):
        agreement, _ = Agreement.objects.get_or_create(pairing=_side(world, in_scope), year=2023)
        return AgreementTarget.objects.create(
            agreement=agreement,
            indicator_code=f"labour_transferred_{index}",
            indicator_name="劳务输出",
            target=13000,
            unit="人次",
        )

    def create_data(self, world, in_scope):
        agreement, _ = Agreement.objects.get_or_create(pairing=_side(world, in_scope), year=2024)
        return {
            "agreement": agreement.pk,
            "indicator_code": "people_trained",
            "indicator_name": "培训人数",
            "target": "5000",
            "unit": "人次",
        }
