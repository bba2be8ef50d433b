"""Demo pairings and users, taken from the seed articles (see DOMAIN.md).

Idempotent: running it again changes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.choices import Role
from accounts.models import User
from pairings.choices import OrganizationKind, PairingLevel, PairingStatus, Programme
from pairings.models import Agreement, Organization, Pairing, Region

DEMO_PASSWORD = "aidtrack-demo"  # development only; printed by `make run`


@dataclass(frozen=True)
class DemoPairing:
    key: str
    helping: str
    helped: str
    programme: str
    level: str
    start: date
    parent: str | None = None
    end: date | None = None
    notes: str = ""
    # Names of DEMO_ORGANIZATIONS, for institution and designated pairings.
    helping_org: str | None = None
    helped_org: str | None = None


# (name, kind, region code)
DEMO_ORGANIZATIONS = [
    ("珠海市人民医院", OrganizationKind.HOSPITAL, "440400"),
    ("正安县人民医院", OrganizationKind.HOSPITAL, "520324"),
    ("广州空港实验中学", OrganizationKind.SCHOOL, "440111"),
    ("罗甸县边阳中学", OrganizationKind.SCHOOL, "522728"),
    ("中央组织部", OrganizationKind.GOVERNMENT, "110000"),
    ("台江县人民政府", OrganizationKind.GOVERNMENT, "522630"),
    ("中山市火炬高技术产业开发区管委会", OrganizationKind.GOVERNMENT, "442000003"),
    ("贵州中医药大学", OrganizationKind.UNIVERSITY, "520100"),
    ("剑河县人民政府", OrganizationKind.GOVERNMENT, "522629"),
]

DEMO_PAIRINGS = [
    DemoPairing(
        "gd-gz",
        "440000",
        "520000",
        Programme.EAST_WEST,
        PairingLevel.PROVINCE,
        date(2021, 1, 1),
        notes="2021年国家东西部协作结对关系调整后,粤黔两省建立新的结对帮扶关系。",
    ),
    DemoPairing(
        "zs-lps",
        "442000",
        "520200",
        Programme.EAST_WEST,
        PairingLevel.PREFECTURE,
        date(2021, 1, 1),
        parent="gd-gz",
        notes="2021、2022年度国家和粤黔两省东西部协作考核均获“好”等次。",
    ),
    DemoPairing(
        "zsg-sc",
        "442000003",
        "520204",
        Programme.EAST_WEST,
        PairingLevel.COUNTY,
        date(2021, 1, 1),
        parent="zs-lps",
        notes="中山火炬开发区(中山港街道)结对帮扶水城区。",
    ),
    DemoPairing(
        "gz-bj",
        "440100",
        "520500",
        Programme.EAST_WEST,
        PairingLevel.PREFECTURE,
        date(2021, 1, 1),
        parent="gd-gz",
    ),
    DemoPairing(
        "th-xqg",
        "440106",
        "520502",
        Programme.EAST_WEST,
        PairingLevel.COUNTY,
        date(2021, 7, 1),
        parent="gz-bj",
        notes="七星关区33所学校与天河区27所学校开展结对帮扶。",
    ),
    # Guangzhou has helped Qiannan since the agreement of December 2017,
    # before the 2021 national re-pairing created the province pairing.
    DemoPairing(
        "gz-qn",
        "440100",
        "522700",
        Programme.EAST_WEST,
        PairingLevel.PREFECTURE,
        date(2017, 12, 1),
        notes="2017年12月签订帮扶协议。",
    ),
    DemoPairing(
        "ns-gd",
        "440115",
        "522723",
        Programme.EAST_WEST,
        PairingLevel.COUNTY,
        date(2018, 1, 1),
        parent="gz-qn",
    ),
    DemoPairing(
        "by-pt",
        "440111",
        "522727",
        Programme.EAST_WEST,
        PairingLevel.COUNTY,
        date(2017, 12, 1),
        parent="gz-qn",
    ),
    DemoPairing(
        "zh-za",
        "440400",
        "520324",
        Programme.TEAM,
        PairingLevel.INSTITUTION,
        date(2022, 3, 1),
        parent="gd-gz",
        helping_org="珠海市人民医院",
        helped_org="正安县人民医院",
        notes="组团式医疗帮扶:珠海市人民医院托管正安县人民医院。",
    ),
    DemoPairing(
        "kg-by",
        "440111",
        "522728",
        Programme.TEAM,
        PairingLevel.INSTITUTION,
        date(2022, 8, 1),
        parent="gd-gz",
        helping_org="广州空港实验中学",
        helped_org="罗甸县边阳中学",
        notes="组团式教育帮扶。",
    ),
    DemoPairing(
        "zzb-tj",
        "110000",
        "522630",
        Programme.DESIGNATED,
        PairingLevel.COUNTY,
        date(2015, 1, 1),
        helping_org="中央组织部",
        helped_org="台江县人民政府",
        notes="中央组织部自2015年起定点帮扶台江县。",
    ),
    DemoPairing(
        "ca-bt",
        "330127",
        "513335",
        Programme.COUNTERPART,
        PairingLevel.COUNTY,
        date(2021, 8, 1),
        notes="淳安县16名党员干部、专技人才分三个组在巴塘县开展对口支援。",
    ),
    # One of Guizhou's 82 science-and-technology missions: a national mission of
    # 23 led by a Guizhou University of TCM professor, to 剑河县 from March 2022.
    DemoPairing(
        "gzy-jh",
        "520100",
        "522629",
        Programme.TEAM,
        PairingLevel.COUNTY,
        date(2022, 3, 1),
        helping_org="贵州中医药大学",
        helped_org="剑河县人民政府",
        notes="组团式帮扶:23人国家级科技特派团,技术团长来自贵州中医药大学,行政团长由剑河县委副书记担任。",
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    scope: tuple[str, ...] = ()
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "系统管理员", Role.ADMINISTRATOR, superuser=True),
    DemoUser("leader", "领导(全部结对)", Role.LEADER),
    DemoUser("coord_zs", "中山市前方工作组", Role.COORDINATOR, scope=("zs-lps",)),
    DemoUser("coord_gz", "广州市前方工作组", Role.COORDINATOR, scope=("gz-bj",)),
    DemoUser("partner", "合作方系统", Role.PARTNER),
    # Members of the Chun'an team in Batang (linked to their people by cadres.demo):
    # the leader sees the team's check-ins and decides leave; a member checks in.
    DemoUser("ca_leader", "淳安援巴工作队队长", Role.MEMBER),
    DemoUser("ca_member", "淳安援巴工作队队员", Role.MEMBER),
]


@transaction.atomic
def demo_load() -> dict[str, Pairing]:
    codes = {code for p in DEMO_PAIRINGS for code in (p.helping, p.helped)}
    codes |= {code for _name, _kind, code in DEMO_ORGANIZATIONS}
    regions = Region.objects.in_bulk(codes, field_name="code")
    missing = codes - regions.keys()
    if missing:
        raise LookupError(f"regions missing (run load_regions first): {sorted(missing)}")
    organizations = {
        name: Organization.objects.get_or_create(
            name=name, region=regions[code], defaults={"kind": kind}
        )[0]
        for name, kind, code in DEMO_ORGANIZATIONS
    }
    pairings: dict[str, Pairing] = {}
    for spec in DEMO_PAIRINGS:
        pairing, _ = Pairing.objects.get_or_create(
            helping_region=regions[spec.helping],
            helped_region=regions[spec.helped],
            helping_organization=organizations.get(spec.helping_org),
            helped_organization=organizations.get(spec.helped_org),
            programme=spec.programme,
            start_date=spec.start,
            defaults={
                "level": spec.level,
                "parent": pairings.get(spec.parent),
                "end_date": spec.end,
                "status": PairingStatus.ENDED if spec.end else PairingStatus.ACTIVE,
                "notes": spec.notes,
            },
        )
        pairings[spec.key] = pairing
    Agreement.objects.get_or_create(
        pairing=pairings["gz-qn"],
        year=2017,
        defaults={"title": "广州市—黔南州东西部扶贫协作协议", "signed_on": date(2017, 12, 1)},
    )
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "password": make_password(DEMO_PASSWORD),
                "full_name": spec.full_name,
                "role": spec.role,
                "is_superuser": spec.superuser,
                "is_staff": spec.superuser,
            },
        )
        if created:
            user.scope_pairings.set([pairings[key] for key in spec.scope])
    return pairings
