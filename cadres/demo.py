"""Demo people, deployments, teams and check-ins, calibrated to the seed articles.

Every name is invented; ID numbers are generated with a valid GB 11643 check
character. The figures the dashboards read come out as the articles report them:

* 中山 → 六盘水 (zs-lps and zsg-sc), 2021–2023: 18 party-government cadres
  (average age 45 when sent; economy, agriculture, housing, party building,
  social governance), 11 team-based ("组团式") medical and education talents
  (2 主任医师, 1 主任药师, 1 副主任医师; 2 副高, 1 高级) in two teams: the
  medical team heading 水城区人民医院 and the education team heading
  六盘水市第八中学 (two talents head schools, one a hospital, as the article
  says), 208 person-times of short-term professional support, the front
  working group set up in November 2021, five mentors with three apprentices
  each, 12 水城 medical staff trained in 中山;
* 淳安 → 巴塘: the 16-person team in three groups with a leader and group leaders;
* the medical team at 正安县人民医院, the education team at 边阳中学 and the
  23-person science-and-technology mission in 剑河县;
* check-ins of the last 14 days for everyone on post in a team.

Years: each term starts in the year its article reports. Later rotations run
up to the current year only where a team is still at work (ZS_LATER_CADRES,
the 正安 and 边阳 batches of 2026, the extended 淳安 team), and the projects and
funds demos carry 中山→六盘水's projects and money over the same years.

Idempotent: the people are created once; check-ins are topped up to today.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from cadres.choices import (
    AwardLevel,
    CareKind,
    CheckInSlot,
    CheckInState,
    DeploymentKind,
    DeploymentStatus,
    Direction,
    LeaveStatus,
    PersonCategory,
    Specialty,
    TeamKind,
    TeamRole,
)
from cadres.models import (
    Award,
    CareRecord,
    CheckIn,
    Deployment,
    DeploymentExtension,
    LeaveRequest,
    Mentorship,
    Person,
    Team,
    TeamMember,
)
from cadres.selectors import deployment_active_on, membership_current_on
from cadres.services import (
    deployment_complete,
    deployment_extend,
    deployment_start,
)
from cadres.validators import id_number_check_character
from pairings.choices import OrganizationKind as Kind
from pairings.demo import DEMO_ORGANIZATIONS
from pairings.models import Organization, Pairing, Region

FRONT_GROUP = "中山市驻六盘水市东西部协作前方工作组"

_SURNAMES = (
    "王李张刘陈杨黄赵周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭肖田董袁潘蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
_GIVEN = (
    "建国伟明志强俊杰文华丽敏静雅婷海燕晓东立新庆玉兰秀英春梅振卫红霞晨阳思远子涵欣怡浩然宇航佳琪"
)
# Names that appear in the seed articles: never generated.
_REAL_NAMES = {
    "曾庆文", "蒙永才", "吴海霞", "王宏", "陈嘉俊", "褚靖", "李妙洁", "周涛", "吴小勇", "陈思桃",
    "贾军",
}  # fmt: skip


@dataclass(frozen=True)
class Spec:
    """A person to create, with the one deployment that defines them in the demo."""

    category: str
    specialty: str
    home: str  # organisation name (see ORGANISATIONS)
    age: int  # at the deployment's start
    title: str = ""
    rank: str = ""
    name: str = ""  # empty: generated


# name → (kind, region code)
ORGANISATIONS = {
    # 中山 (helping side of zs-lps; towns under 442000)
    "中山市南区街道办事处": (Kind.TOWN, "442000005"),
    "中山市东区街道办事处": (Kind.TOWN, "442000002"),
    "中山市石岐街道办事处": (Kind.TOWN, "442000001"),
    "中山市人力资源和社会保障局": (Kind.GOVERNMENT, "442000"),
    "中山市住房和城乡建设局": (Kind.GOVERNMENT, "442000"),
    "中山市农业农村局": (Kind.GOVERNMENT, "442000"),
    "中共中山市委组织部": (Kind.GOVERNMENT, "442000"),
    "中山市发展和改革局": (Kind.GOVERNMENT, "442000"),
    "中山市民政局": (Kind.GOVERNMENT, "442000"),
    "中山市人民医院": (Kind.HOSPITAL, "442000"),
    "中山市博爱医院": (Kind.HOSPITAL, "442000"),
    "中山市中医院": (Kind.HOSPITAL, "442000"),
    "中山火炬开发区人民医院": (Kind.HOSPITAL, "442000003"),
    "中山纪念中学": (Kind.SCHOOL, "442000"),
    "中山市第一中学": (Kind.SCHOOL, "442000"),
    "中山市农业科技推广中心": (Kind.OTHER, "442000"),
    # 六盘水 (helped side)
    "六盘水市人民政府": (Kind.GOVERNMENT, "520200"),
    "中共六盘水市委组织部": (Kind.GOVERNMENT, "520200"),
    "六盘水市发展和改革委员会": (Kind.GOVERNMENT, "520200"),
    "六盘水市农业农村局": (Kind.GOVERNMENT, "520200"),
    "六枝特区乡村振兴局": (Kind.GOVERNMENT, "520203"),
    "六枝特区人民医院": (Kind.HOSPITAL, "520203"),
    "盘州市农业农村局": (Kind.GOVERNMENT, "520281"),
    "盘州市人民医院": (Kind.HOSPITAL, "520281"),
    "钟山区住房和城乡建设局": (Kind.GOVERNMENT, "520201"),
    "钟山区民政局": (Kind.GOVERNMENT, "520201"),
    "六盘水市第三中学": (Kind.SCHOOL, "520201"),
    "六盘水市第八中学": (Kind.SCHOOL, "520201"),
    "水城区乡村振兴局": (Kind.GOVERNMENT, "520204"),
    "水城区人民医院": (Kind.HOSPITAL, "520204"),
    "水城区第一中学": (Kind.SCHOOL, "520204"),
    "水城区农业农村局": (Kind.GOVERNMENT, "520204"),
    # 淳安 → 巴塘
    "中共淳安县委组织部": (Kind.GOVERNMENT, "330127"),
    "淳安县发展和改革局": (Kind.GOVERNMENT, "330127"),
    "淳安县农业农村局": (Kind.GOVERNMENT, "330127"),
    "淳安县第一人民医院": (Kind.HOSPITAL, "330127"),
    "淳安县中医院": (Kind.HOSPITAL, "330127"),
    "淳安县千岛湖初级中学": (Kind.SCHOOL, "330127"),
    "淳安中学": (Kind.SCHOOL, "330127"),
    "巴塘县人民政府": (Kind.GOVERNMENT, "513335"),
    "巴塘县发展和改革局": (Kind.GOVERNMENT, "513335"),
    "巴塘县农牧农村和科技局": (Kind.GOVERNMENT, "513335"),
    "巴塘县人民医院": (Kind.HOSPITAL, "513335"),
    "巴塘中学": (Kind.SCHOOL, "513335"),
    # teams in Guizhou
    "都匀市第二中学": (Kind.SCHOOL, "522701"),
    "惠水县民族中学": (Kind.SCHOOL, "522731"),
    "贵州省农业科学院": (Kind.OTHER, "520100"),
    "贵州大学": (Kind.UNIVERSITY, "520100"),
    "剑河县农业农村局": (Kind.GOVERNMENT, "522629"),
    "中共剑河县委": (Kind.GOVERNMENT, "522629"),
    # west → east and the twice-extended health official
    "中共贵定县委统战部": (Kind.GOVERNMENT, "522723"),
    "中共广州市南沙区委统战部": (Kind.GOVERNMENT, "440115"),
    "广州市天河区卫生健康局": (Kind.GOVERNMENT, "440106"),
    "七星关区人民医院": (Kind.HOSPITAL, "520502"),
}

# 18 cadres: (year, pairing, specialty, home, age when sent, rank, host, post)
ZS_CADRES = [
    (2021, "zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市南区街道办事处", 52, "二级调研员",
     "六盘水市人民政府", "六盘水市人民政府副秘书长、粤黔协作工作队六盘水工作组组长"),
    (2021, "zs-lps", Specialty.AGRICULTURE, "中山市东区街道办事处", 38, "四级主任科员",
     "六枝特区乡村振兴局", "六枝特区乡村振兴局副局长"),
    (2021, "zs-lps", Specialty.ECONOMY, "中山市发展和改革局", 45, "一级主任科员",
     "六盘水市发展和改革委员会", "六盘水市发展和改革委员会副主任"),
    (2021, "zs-lps", Specialty.HOUSING, "中山市住房和城乡建设局", 47, "四级调研员",
     "钟山区住房和城乡建设局", "钟山区住房和城乡建设局副局长"),
    (2021, "zs-lps", Specialty.PARTY_BUILDING, "中共中山市委组织部", 43, "一级主任科员",
     "中共六盘水市委组织部", "六盘水市委组织部人才科副科长"),
    (2021, "zsg-sc", Specialty.ECONOMY, "中山市火炬高技术产业开发区管委会", 49, "四级调研员",
     "水城区乡村振兴局", "水城区乡村振兴局副局长"),
    (2022, "zs-lps", Specialty.AGRICULTURE, "中山市农业农村局", 44, "二级主任科员",
     "盘州市农业农村局", "盘州市农业农村局副局长"),
    (2022, "zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市民政局", 46, "一级主任科员",
     "钟山区民政局", "钟山区民政局副局长"),
    (2022, "zs-lps", Specialty.ECONOMY, "中山市人力资源和社会保障局", 41, "二级主任科员",
     "六盘水市人民政府", "六盘水市人民政府办公室协作科副科长"),
    (2022, "zsg-sc", Specialty.AGRICULTURE, "中山市火炬高技术产业开发区管委会", 48, "四级调研员",
     "水城区农业农村局", "水城区农业农村局副局长"),
    (2022, "zs-lps", Specialty.HOUSING, "中山市住房和城乡建设局", 50, "三级调研员",
     "六盘水市人民政府", "六盘水市住房和城乡建设局副局长"),
    (2022, "zs-lps", Specialty.PARTY_BUILDING, "中山市石岐街道办事处", 42, "一级主任科员",
     "中共六盘水市委组织部", "六盘水市委组织部组织科副科长"),
    (2023, "zs-lps", Specialty.ECONOMY, "中山市发展和改革局", 45, "四级调研员",
     "六盘水市发展和改革委员会", "六盘水市发展和改革委员会副主任"),
    (2023, "zs-lps", Specialty.AGRICULTURE, "中山市农业农村局", 40, "一级主任科员",
     "六枝特区乡村振兴局", "六枝特区乡村振兴局副局长"),
    (2023, "zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市南区街道办事处", 51, "二级调研员",
     "六盘水市人民政府", "六盘水市人民政府副秘书长"),
    (2023, "zsg-sc", Specialty.HOUSING, "中山市火炬高技术产业开发区管委会", 44, "一级主任科员",
     "水城区乡村振兴局", "水城区乡村振兴局副局长"),
    (2023, "zs-lps", Specialty.PARTY_BUILDING, "中共中山市委组织部", 47, "四级调研员",
     "中共六盘水市委组织部", "六盘水市委组织部干部科副科长"),
    (2023, "zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市东区街道办事处", 37, "二级主任科员",
     "钟山区民政局", "钟山区民政局副局长"),
]  # fmt: skip
# Terms of each cohort: (start, planned end). The article (2 November 2023)
# counts all 18 as sent ("累计选派了18名"), so the 2023 cohort arrived by mid-2023.
ZS_TERMS = {
    2021: (date(2021, 7, 1), date(2023, 6, 30)),
    2022: (date(2022, 7, 1), date(2024, 6, 30)),
    2023: (date(2023, 7, 1), date(2025, 6, 30)),
}
# Beyond the articles (they stop in November 2023): the next two-year rotation,
# on post up to the current year. Illustrative and kept modest: the size of a
# cohort, the same five fields, average age 45 when sent. Not among the 18.
ZS_LATER_TERM = (date(2025, 7, 1), date(2027, 6, 30))
ZS_LATER_CADRES = [
    ("zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市南区街道办事处", 48, "二级调研员",
     "六盘水市人民政府", "六盘水市人民政府副秘书长、粤黔协作工作队六盘水工作组组长"),
    ("zs-lps", Specialty.ECONOMY, "中山市发展和改革局", 43, "一级主任科员",
     "六盘水市发展和改革委员会", "六盘水市发展和改革委员会副主任"),
    ("zs-lps", Specialty.AGRICULTURE, "中山市农业农村局", 42, "二级主任科员",
     "六枝特区乡村振兴局", "六枝特区乡村振兴局副局长"),
    ("zsg-sc", Specialty.HOUSING, "中山市火炬高技术产业开发区管委会", 46, "四级调研员",
     "水城区乡村振兴局", "水城区乡村振兴局副局长"),
    ("zs-lps", Specialty.PARTY_BUILDING, "中共中山市委组织部", 44, "一级主任科员",
     "中共六盘水市委组织部", "六盘水市委组织部人才科副科长"),
    ("zs-lps", Specialty.SOCIAL_GOVERNANCE, "中山市民政局", 47, "四级调研员",
     "钟山区民政局", "钟山区民政局副局长"),
]  # fmt: skip

# 11 team-based talents: (specialty, title, field, home, host, post, age)
ZS_TALENTS = [
    (Specialty.MEDICAL, "主任医师", "心血管内科", "中山火炬开发区人民医院", "水城区人民医院",
     "水城区人民医院党委副书记、院长", 48),
    (Specialty.MEDICAL, "主任医师", "新生儿科", "中山市博爱医院", "水城区人民医院",
     "水城区人民医院新生儿科主任", 50),
    (Specialty.MEDICAL, "主任药师", "临床药学", "中山市人民医院", "水城区人民医院",
     "水城区人民医院药剂科主任", 52),
    (Specialty.MEDICAL, "副主任医师", "泌尿外科", "中山市人民医院", "水城区人民医院",
     "水城区人民医院泌尿外科副主任", 44),
    (Specialty.MEDICAL, "主治医师", "妇产科", "中山市博爱医院", "水城区人民医院",
     "水城区人民医院妇产科医师", 38),
    (Specialty.MEDICAL, "主治医师", "新生儿科", "中山市博爱医院", "水城区人民医院",
     "水城区人民医院新生儿科医师", 36),
    (Specialty.MEDICAL, "主管护师", "护理", "中山市中医院", "水城区人民医院",
     "水城区人民医院护理部副主任", 41),
    # The education team's leader heads 六盘水市第八中学 (the article's 王宏,
    # "“组团式”教育帮扶工作队队长、六盘水市第八中学党委副书记、校长"); with
    # him, the second of the "2名干部任学校校长".
    (Specialty.EDUCATION, "副高", "高中数学", "中山纪念中学", "六盘水市第八中学",
     "六盘水市第八中学党委副书记、校长", 47),
    (Specialty.EDUCATION, "副高", "高中英语", "中山市第一中学", "水城区第一中学",
     "水城区第一中学校长", 45),
    (Specialty.EDUCATION, "高级", "高中物理", "中山纪念中学", "六盘水市第八中学",
     "六盘水市第八中学教师", 50),
    (Specialty.EDUCATION, "一级教师", "高中化学", "中山市第一中学", "六盘水市第八中学",
     "六盘水市第八中学教师", 39),
]  # fmt: skip

# Short-term professional support: stints begun per year (208 in all, "200多名").
ZS_PERSON_TIMES = {2021: 56, 2022: 72, 2023: 80}
SHORT_TERM_HOMES = {
    Specialty.MEDICAL: [
        "中山市人民医院",
        "中山市博爱医院",
        "中山市中医院",
        "中山火炬开发区人民医院",
    ],
    Specialty.EDUCATION: ["中山纪念中学", "中山市第一中学"],
    Specialty.AGRICULTURE: ["中山市农业科技推广中心"],
}
SHORT_TERM_HOSTS = {
    Specialty.MEDICAL: ["六枝特区人民医院", "盘州市人民医院", "水城区人民医院"],
    Specialty.EDUCATION: ["六盘水市第三中学", "水城区第一中学"],
    Specialty.AGRICULTURE: ["六盘水市农业农村局", "盘州市农业农村局", "水城区农业农村局"],
}
SHORT_TERM_TITLES = {
    Specialty.MEDICAL: ["主治医师", "副主任医师", "主管护师", "主任医师"],
    Specialty.EDUCATION: ["一级教师", "高级教师"],
    Specialty.AGRICULTURE: ["农艺师", "高级农艺师"],
}


class DemoBuilder:
    """Deterministic names, ID numbers and phones, and cached look-ups."""

    def __init__(self, pairings: dict[str, Pairing], today: date):
        self.pairings = pairings
        self.today = today
        self.rng = random.Random(20211101)  # noqa: S311 - demo data, not secrets
        self.used_names: set[str] = set(_REAL_NAMES)
        self.sequence: dict[str, int] = {}
        codes = {code for _kind, code in ORGANISATIONS.values()}
        regions = Region.objects.in_bulk(codes, field_name="code")
        existing = Organization.objects.select_related("region")
        self.orgs = {org.name: org for org in existing.filter(name__in=ORGANISATIONS)}
        self.orgs.update(
            {
                org.name: org
                for org in existing.filter(
                    name__in=[name for name, _kind, _code in DEMO_ORGANIZATIONS]
                )
            }
        )  # fmt: skip
        missing = [
            Organization(name=name, kind=kind, region=regions[code])
            for name, (kind, code) in ORGANISATIONS.items()
            if name not in self.orgs
        ]
        for org in Organization.objects.bulk_create(missing):
            self.orgs[org.name] = org
        self.people: list[Person] = []
        self.deployments: list[Deployment] = []

    # -- generated personal data ---------------------------------------------
    def name(self) -> str:
        while True:
            given = "".join(self.rng.sample(_GIVEN, self.rng.choice((1, 2, 2))))
            candidate = self.rng.choice(_SURNAMES) + given
            if candidate not in self.used_names:
                self.used_names.add(candidate)
                return candidate

    def _named(self, name: str) -> str:
        self.used_names.add(name)
        return name

    def id_number(self, region_code: str, birth: date, male: bool) -> str:
        prefix = region_code[:6]
        number = self.sequence.get(prefix, 0) + 1
        self.sequence[prefix] = number
        serial = number * 2 + (1 if male else 0)  # odd for men, even for women (GB 11643)
        first_17 = f"{prefix}{birth:%Y%m%d}{serial:03d}"
        return first_17 + id_number_check_character(first_17)

    def phone(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**9):09d}"

    def birth(self, age: int, on: date) -> date:
        """A birthday that makes the person exactly ``age`` on ``on``."""
        return date(on.year - age, on.month, min(on.day, 28)) - timedelta(
            days=self.rng.randrange(1, 365)
        )

    # -- rows ---------------------------------------------------------------------
    def person(self, spec: Spec, on: date) -> Person:
        male = self.rng.random() < 0.6
        birth = self.birth(spec.age, on)
        home = self.orgs[spec.home]
        person = Person(
            name=self._named(spec.name) if spec.name else self.name(),
            gender="male" if male else "female",
            birth_date=birth,
            ethnicity="汉族"
            if self.rng.random() < 0.9
            else self.rng.choice(("苗族", "布依族", "藏族")),
            political_status="party_member"
            if spec.category == PersonCategory.CADRE or self.rng.random() < 0.7
            else "masses",
            education=self.rng.choice(("master", "bachelor", "bachelor", "doctorate"))
            if spec.category == PersonCategory.TALENT
            else self.rng.choice(("master", "bachelor", "bachelor")),
            phone=self.phone(),
            id_number=self.id_number(home.region.code, birth, male),
            category=spec.category,
            specialty=spec.specialty,
            title=spec.title,
            rank=spec.rank,
            home_organization=home,
        )
        self.people.append(person)
        return person

    def deploy(
        self,
        person: Person,
        pairing: str,
        host: str,
        post: str,
        start: date,
        end: date,
        *,
        kind=DeploymentKind.LONG_TERM,
        direction=Direction.EAST_TO_WEST,
        notes: str = "",
    ) -> Deployment:
        if end < self.today:
            status, actual_end = DeploymentStatus.COMPLETED, end
        elif start <= self.today:
            status, actual_end = DeploymentStatus.ON_POST, None
        else:
            status, actual_end = DeploymentStatus.PLANNED, None
        deployment = Deployment(
            person=person,
            pairing=self.pairings[pairing],
            direction=direction,
            kind=kind,
            host_organization=self.orgs[host],
            post=post,
            start_date=start,
            planned_end_date=end,
            actual_end_date=actual_end,
            status=status,
            notes=notes,
        )
        self.deployments.append(deployment)
        return deployment

    def save(self) -> None:
        """Write the people, then their deployments (bulk: hundreds of rows)."""
        Person.objects.bulk_create(self.people)
        for deployment in self.deployments:
            deployment.person_id = deployment.person.pk
        Deployment.objects.bulk_create(self.deployments)


@transaction.atomic
def demo_load(pairings: dict[str, Pairing]) -> str:
    today = timezone.localdate()
    if not Team.objects.filter(name=FRONT_GROUP).exists():
        _load_people(pairings, today)
    added = _top_up_check_ins(today)
    return (
        f"{Person.objects.count()} people, {Deployment.objects.count()} deployments, "
        f"{Team.objects.count()} teams, {TeamMember.objects.count()} team members, "
        f"{added} check-ins in the last 14 days"
    )


def _load_people(pairings, today) -> None:
    build = DemoBuilder(pairings, today)
    zs_cadres = _zhongshan_cadres(build)
    zs_talents = _zhongshan_talents(build)
    _zhongshan_short_term(build)
    trainees = _west_to_east(build)
    chunan = _chunan(build)
    zhengan = _zhengan(build)
    bianyang = _bianyang(build)
    mission = _mission(build)
    build.save()

    teams = _teams(build, zs_cadres, zs_talents, chunan, zhengan, bianyang, mission)
    _extensions(chunan)
    _mentorships(zs_talents)
    _awards_and_care(zs_cadres, zs_talents, chunan, mission, trainees)
    _leave(teams["chunan"], chunan, today)
    _link_demo_users(chunan)
    _extended_twice(build, pairings)


# -- 中山 → 六盘水 ----------------------------------------------------------------


def _zhongshan_cadres(build: DemoBuilder) -> list[Deployment]:
    """The 18 of the article (2021–2023), then the later rotation (ZS_LATER_CADRES)."""
    rows = [(*ZS_TERMS[year], *row) for year, *row in ZS_CADRES]
    rows += [(*ZS_LATER_TERM, *row) for row in ZS_LATER_CADRES]
    deployments = []
    for start, end, pairing, specialty, home, age, rank, host, post in rows:
        if post.endswith("组长") and start.year == 2021:  # the first leader stays a third year
            end = date(2024, 6, 30)
        person = build.person(Spec(PersonCategory.CADRE, specialty, home, age, rank=rank), start)
        deployments.append(build.deploy(person, pairing, host, post, start, end))
    return deployments


def _zhongshan_talents(build: DemoBuilder) -> list[Deployment]:
    deployments = []
    for specialty, title, field, home, host, post, age in ZS_TALENTS:
        if specialty == Specialty.MEDICAL:
            start, end = date(2022, 3, 1), date(2025, 2, 28)
        else:
            start, end = date(2022, 8, 20), date(2024, 7, 15)
        person = build.person(Spec(PersonCategory.TALENT, specialty, home, age, title=title), start)
        pairing = "zsg-sc" if host.startswith("水城区") else "zs-lps"  # 八中 is the city's
        deployments.append(
            build.deploy(person, pairing, host, post, start, end, notes=f"专业:{field}")
        )
    return deployments


def _zhongshan_short_term(build: DemoBuilder) -> None:
    """208 stints by 120 people; nobody serves two stints in one year."""
    specialties = [Specialty.MEDICAL] * 6 + [Specialty.EDUCATION] * 3 + [Specialty.AGRICULTURE]
    pool = []
    for index in range(120):
        specialty = specialties[index % len(specialties)]
        spec = Spec(
            PersonCategory.TALENT,
            specialty,
            build.rng.choice(SHORT_TERM_HOMES[specialty]),
            build.rng.randrange(30, 56),
            title=build.rng.choice(SHORT_TERM_TITLES[specialty]),
        )
        pool.append(build.person(spec, date(2021, 1, 1)))
    served = set()
    for year, count in ZS_PERSON_TIMES.items():
        for person in build.rng.sample(pool, count):
            served.add(id(person))
            start = date(year, build.rng.randrange(3, 10), build.rng.randrange(1, 28))
            end = start + timedelta(days=build.rng.randrange(14, 90))
            host = build.rng.choice(SHORT_TERM_HOSTS[person.specialty])
            pairing = "zsg-sc" if host.startswith("水城区") else "zs-lps"
            build.deploy(
                person,
                pairing,
                host,
                "短期专业技术帮扶",
                start,
                end,
                kind=DeploymentKind.SHORT_TERM,
            )
    # Whoever the draw never picked was never sent: not a person of the demo.
    build.people = [p for p in build.people if id(p) in served or not _in(p, pool)]


def _in(person, people) -> bool:
    return any(person is other for other in people)


def _west_to_east(build: DemoBuilder) -> list[Deployment]:
    """12 水城 medical staff trained in 中山; a 贵定 official at 南沙's united front department."""
    trainees = []
    for _ in range(12):
        spec = Spec(
            PersonCategory.TALENT,
            Specialty.MEDICAL,
            "水城区人民医院",
            build.rng.randrange(26, 40),
            title=build.rng.choice(("住院医师", "主治医师", "护师")),
        )
        person = build.person(spec, date(2022, 9, 1))
        trainees.append(
            build.deploy(
                person,
                "zs-lps",
                "中山市人民医院",
                "进修医师",
                date(2022, 9, 1),
                date(2022, 12, 31),
                kind=DeploymentKind.TRAINING,
                direction=Direction.WEST_TO_EAST,
            )
        )
    official = build.person(
        Spec(
            PersonCategory.CADRE,
            Specialty.PARTY_BUILDING,
            "中共贵定县委统战部",
            41,
            rank="四级调研员",
        ),
        date(2020, 6, 1),
    )
    build.deploy(
        official,
        "ns-gd",
        "中共广州市南沙区委统战部",
        "南沙区委统战部副部长(挂职)",
        date(2020, 6, 1),
        date(2022, 5, 31),
        direction=Direction.WEST_TO_EAST,
    )
    return trainees


# -- teams elsewhere -----------------------------------------------------------------

# 淳安 → 巴塘: (sub-group, role, specialty, home, host, post)
CHUNAN = [
    ("党政干部组", TeamRole.LEADER, Specialty.PARTY_BUILDING, "中共淳安县委组织部",
     "巴塘县人民政府", "巴塘县人民政府副县长"),
    ("党政干部组", TeamRole.GROUP_LEADER, Specialty.ECONOMY, "淳安县发展和改革局",
     "巴塘县发展和改革局", "巴塘县发展和改革局副局长"),
    ("党政干部组", TeamRole.MEMBER, Specialty.AGRICULTURE, "淳安县农业农村局",
     "巴塘县农牧农村和科技局", "巴塘县农牧农村和科技局副局长"),
    ("党政干部组", TeamRole.MEMBER, Specialty.ECONOMY, "淳安县发展和改革局",
     "巴塘县人民政府", "巴塘县人民政府办公室副主任"),
    ("党政干部组", TeamRole.MEMBER, Specialty.SOCIAL_GOVERNANCE, "中共淳安县委组织部",
     "巴塘县人民政府", "巴塘县人民政府办公室协作专干"),
    ("党政干部组", TeamRole.MEMBER, Specialty.AGRICULTURE, "淳安县农业农村局",
     "巴塘县农牧农村和科技局", "巴塘县农牧农村和科技局产业股副股长"),
    ("医生组", TeamRole.GROUP_LEADER, Specialty.MEDICAL, "淳安县第一人民医院",
     "巴塘县人民医院", "巴塘县人民医院副院长"),
    ("医生组", TeamRole.MEMBER, Specialty.MEDICAL, "淳安县第一人民医院",
     "巴塘县人民医院", "巴塘县人民医院外科医师"),
    ("医生组", TeamRole.MEMBER, Specialty.MEDICAL, "淳安县中医院",
     "巴塘县人民医院", "巴塘县人民医院中医科医师"),
    ("医生组", TeamRole.MEMBER, Specialty.MEDICAL, "淳安县第一人民医院",
     "巴塘县人民医院", "巴塘县人民医院妇产科医师"),
    ("医生组", TeamRole.MEMBER, Specialty.MEDICAL, "淳安县中医院",
     "巴塘县人民医院", "巴塘县人民医院护士长"),
    ("教师组", TeamRole.GROUP_LEADER, Specialty.EDUCATION, "淳安中学",
     "巴塘中学", "巴塘中学副校长"),
    ("教师组", TeamRole.MEMBER, Specialty.EDUCATION, "淳安中学", "巴塘中学", "巴塘中学数学教师"),
    ("教师组", TeamRole.MEMBER, Specialty.EDUCATION, "淳安县千岛湖初级中学",
     "巴塘中学", "巴塘中学语文教师"),
    ("教师组", TeamRole.MEMBER, Specialty.EDUCATION, "淳安县千岛湖初级中学",
     "巴塘中学", "巴塘中学英语教师"),
    ("教师组", TeamRole.MEMBER, Specialty.EDUCATION, "淳安中学", "巴塘中学", "巴塘中学物理教师"),
]  # fmt: skip
CHUNAN_START, CHUNAN_FIRST_END, CHUNAN_EXTENDED = (
    date(2021, 8, 1),
    date(2024, 7, 31),
    date(2026, 12, 31),
)


def _chunan(build: DemoBuilder) -> list[tuple[str, str, Deployment]]:
    members = []
    for subgroup, role, specialty, home, host, post in CHUNAN:
        category = PersonCategory.CADRE if subgroup == "党政干部组" else PersonCategory.TALENT
        title = {"医生组": "主治医师", "教师组": "一级教师"}.get(subgroup, "")
        if role == TeamRole.GROUP_LEADER and subgroup != "党政干部组":
            title = "副主任医师" if subgroup == "医生组" else "高级教师"
        spec = Spec(category, specialty, home, build.rng.randrange(32, 50), title=title)
        person = build.person(spec, CHUNAN_START)
        deployment = build.deploy(person, "ca-bt", host, post, CHUNAN_START, CHUNAN_EXTENDED)
        members.append((subgroup, role, deployment))
    return members


def _zhengan(build: DemoBuilder) -> list[tuple[str, date, date, Deployment]]:
    """珠海市人民医院 → 正安县人民医院: the first batch (2022) and the current one."""
    first, current = (date(2022, 3, 1), date(2023, 2, 28)), (date(2026, 3, 1), date(2027, 2, 28))
    first_leader, second_leader = (
        (date(2022, 3, 1), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2027, 2, 28)),
    )
    # (role, field, title, post at 正安县人民医院, period)
    batches = [
        (TeamRole.LEADER, "泌尿外科", "主任医师", "院长", first_leader),
        (TeamRole.MEMBER, "心血管内科", "副主任医师", "心血管内科主任", first),
        (TeamRole.MEMBER, "骨科", "副主任医师", "骨科副主任", first),
        (TeamRole.MEMBER, "呼吸内科", "主治医师", "呼吸内科医师", first),
        (TeamRole.MEMBER, "超声医学科", "主治医师", "远程超声医学中心医师", first),
        (TeamRole.LEADER, "神经内科", "主任医师", "院长", second_leader),
        (TeamRole.DEPUTY, "心血管内科", "副主任医师", "副院长", current),
        (TeamRole.MEMBER, "骨科", "主治医师", "骨科医师", current),
        (TeamRole.MEMBER, "消化内科", "副主任医师", "消化内科主任", current),
        (TeamRole.MEMBER, "神经外科", "主治医师", "神经中心医师", current),
        (TeamRole.MEMBER, "重症医学科", "主治医师", "重症医学科医师", current),
    ]
    members = []
    for role, field, title, post, (start, end) in batches:
        spec = Spec(
            PersonCategory.TALENT,
            Specialty.MEDICAL,
            "珠海市人民医院",
            build.rng.randrange(35, 55),
            title=title,
        )
        person = build.person(spec, start)
        deployment = build.deploy(
            person,
            "zh-za",
            "正安县人民医院",
            f"正安县人民医院{post}",
            start,
            end,
            notes=f"专业:{field}",
        )
        members.append((role, start, end, deployment))
    return members


def _bianyang(build: DemoBuilder) -> list[tuple[str, date, date, Deployment]]:
    """广州空港实验中学 (with 都匀二中 and 惠水民中 teachers) → 边阳中学."""
    first = (date(2022, 8, 20), date(2023, 7, 15))
    current = (date(2026, 8, 20), date(2027, 7, 10))
    rows = [(TeamRole.LEADER, "广州空港实验中学", "高级教师", "边阳中学校长", first)]
    homes = ["广州空港实验中学"] * 4 + ["都匀市第二中学"] * 2 + ["惠水县民族中学"] * 2
    rows += [(TeamRole.MEMBER, home, "一级教师", "边阳中学教师", first) for home in homes]
    rows += [(TeamRole.LEADER, "广州空港实验中学", "高级教师", "边阳中学校长", current)]
    rows += [
        (TeamRole.MEMBER, "广州空港实验中学", title, "边阳中学教师", current)
        for title in ("高级教师", "一级教师", "一级教师", "一级教师", "二级教师")
    ]
    members = []
    for role, home, title, post, (start, end) in rows:
        spec = Spec(
            PersonCategory.TALENT,
            Specialty.EDUCATION,
            home,
            build.rng.randrange(28, 52),
            title=title,
        )
        person = build.person(spec, start)
        members.append(
            (role, start, end, build.deploy(person, "kg-by", "罗甸县边阳中学", post, start, end))
        )
    return members


def _mission(build: DemoBuilder) -> dict:
    """The 23-person national science-and-technology mission in 剑河县 (from March 2022)."""
    start, end = date(2022, 3, 1), date(2027, 2, 28)
    head = build.person(
        Spec(
            PersonCategory.TALENT,
            Specialty.AGRICULTURE,
            "贵州中医药大学",
            52,
            title="教授",
            name="周松涛",
        ),
        start,
    )
    experts = [build.deploy(head, "gzy-jh", "剑河县农业农村局", "科技特派团技术团长", start, end)]
    fields = ["中药材种植", "钩藤栽培", "黄精栽培", "中药材加工", "食用菌", "水产养殖", "植物保护"]
    homes = ["贵州中医药大学"] * 9 + ["贵州省农业科学院"] * 7 + ["贵州大学"] * 5
    for index, home in enumerate(homes):
        title = build.rng.choice(("教授", "副教授", "研究员", "副研究员", "高级农艺师"))
        person = build.person(
            Spec(
                PersonCategory.TALENT,
                Specialty.AGRICULTURE,
                home,
                build.rng.randrange(33, 58),
                title=title,
            ),
            start,
        )
        field = fields[index % len(fields)]
        experts.append(
            build.deploy(
                person, "gzy-jh", "剑河县农业农村局", f"科技特派团专家({field})", start, end
            )
        )
    # The administrative head is a county leader: a person, but not deployed.
    admin_head = build.person(
        Spec(
            PersonCategory.CADRE,
            Specialty.AGRICULTURE,
            "中共剑河县委",
            46,
            rank="县委副书记",
            name="吴晓峰",
        ),
        start,
    )
    return {"experts": experts, "admin_head": admin_head}  # fmt: skip


def _teams(build, zs_cadres, zs_talents, chunan, zhengan, bianyang, mission) -> dict[str, Team]:
    p, o = build.pairings, build.orgs
    teams = {
        "front": Team(pairing=p["zs-lps"], kind=TeamKind.FRONT_WORKING_GROUP, name=FRONT_GROUP,
                      host_organization=o["六盘水市人民政府"], start_date=date(2021, 11, 1),
                      notes="2021年11月中山市委成立,统筹前方东西部协作工作。"),
        "zs_medical": Team(pairing=p["zsg-sc"], kind=TeamKind.MEDICAL_TEAM,
                           name="中山市东西部协作“组团式”医疗帮扶队",
                           host_organization=o["水城区人民医院"], start_date=date(2022, 3, 1),
                           end_date=date(2025, 2, 28)),
        "zs_education": Team(pairing=p["zs-lps"], kind=TeamKind.EDUCATION_TEAM,
                             name="中山市“组团式”教育帮扶工作队",
                             host_organization=o["六盘水市第八中学"], start_date=date(2022, 8, 20),
                             end_date=date(2024, 7, 15)),
        "chunan": Team(pairing=p["ca-bt"], kind=TeamKind.FRONT_WORKING_GROUP,
                       name="淳安县援巴塘工作队", host_organization=o["巴塘县人民政府"],
                       start_date=CHUNAN_START,
                       notes="“队长+小组长+队员”分层管理;每周一晚7点例会;执行“两安两好”报告制度和请假制度。"),
        "zhengan": Team(pairing=p["zh-za"], kind=TeamKind.MEDICAL_TEAM,
                        name="珠海市人民医院“组团式”帮扶正安县人民医院医疗队",
                        host_organization=o["正安县人民医院"], start_date=date(2022, 3, 1)),
        "bianyang": Team(pairing=p["kg-by"], kind=TeamKind.EDUCATION_TEAM,
                         name="广州空港实验中学“组团式”帮扶边阳中学教育团队",
                         host_organization=o["罗甸县边阳中学"], start_date=date(2022, 8, 1)),
        "mission": Team(pairing=p["gzy-jh"], kind=TeamKind.SCIENCE_MISSION,
                        name="剑河县国家级科技特派团", host_organization=o["剑河县农业农村局"],
                        start_date=date(2022, 3, 1),
                        notes="划定钩藤、黄精等中药材种植产业带,建设试验示范点并持续技术跟踪服务。"),
    }  # fmt: skip
    Team.objects.bulk_create(teams.values())
    members = []

    def member(team, deployment, role=TeamRole.MEMBER, subgroup="", joined=None, left=None):
        members.append(
            TeamMember(team=teams[team], person=deployment.person, role=role, subgroup=subgroup,
                       joined_on=joined, left_on=left)
        )  # fmt: skip

    for index, deployment in enumerate(zs_cadres):
        start, end = deployment.start_date, deployment.planned_end_date
        joined = max(start, teams["front"].start_date)
        left = end if end < build.today else None
        if index == 0:
            role = TeamRole.LEADER  # the Liupanshui group leader (组长) until mid-2024
        elif index == 14:
            role, joined = TeamRole.LEADER, date(2024, 7, 1)  # his successor, to mid-2025
        elif index == len(ZS_CADRES):
            role = TeamRole.LEADER  # the later rotation's 组长
        else:
            role = TeamRole.MEMBER
        member("front", deployment, role, "党政干部组", joined, left)
    for index, deployment in enumerate(zs_talents):
        team = "zs_medical" if deployment.person.specialty == Specialty.MEDICAL else "zs_education"
        role = TeamRole.LEADER if index in (0, 7) else TeamRole.MEMBER
        member(team, deployment, role, "医生组" if team == "zs_medical" else "教师组")
    for subgroup, role, deployment in chunan:
        member("chunan", deployment, role, subgroup)
    for team, rows, subgroup in (("zhengan", zhengan, "医生组"), ("bianyang", bianyang, "教师组")):
        for role, start, end, deployment in rows:
            member(team, deployment, role, subgroup, start, end if end < build.today else None)
    experts = mission["experts"]
    member("mission", experts[0], TeamRole.TECHNICAL_HEAD, "专家组")
    for deployment in experts[1:]:
        member("mission", deployment, TeamRole.MEMBER, "专家组")
    members.append(
        TeamMember(team=teams["mission"], person=mission["admin_head"],
                   role=TeamRole.ADMINISTRATIVE_HEAD, subgroup="行政组")
    )  # fmt: skip
    TeamMember.objects.bulk_create(members)
    return teams


def _extensions(chunan) -> None:
    """The Chun'an team's terms were extended once, by one approval, to finish its projects."""
    DeploymentExtension.objects.bulk_create(
        DeploymentExtension(
            deployment=deployment,
            previous_end_date=CHUNAN_FIRST_END,
            new_end_date=CHUNAN_EXTENDED,
            reason="产业融合园区和毛桃加工厂房等项目收尾,两地组织部门同意延期",
            approval_reference="淳组〔2024〕12号",
        )
        for _subgroup, _role, deployment in chunan
    )


APPRENTICE_NAMES = [
    "杨思雨",
    "罗开宇",
    "陈明亮",
    "王春燕",
    "龙晓梅",
    "张德福",
    "李正平",
    "吴文静",
] + ["赵海涛", "刘家兴", "田雪梅", "周启航", "黄丽娟", "马国栋", "谢婷婷"]


def _mentorships(zs_talents) -> None:
    """师带徒: 5 experts of the 中山 medical team, each with 3 young 水城 doctors."""
    mentors = [d for d in zs_talents if d.person.specialty == Specialty.MEDICAL][:5]
    Mentorship.objects.bulk_create(
        Mentorship(
            mentor=deployment.person,
            subject=deployment.notes.removeprefix("专业:"),
            apprentices="\n".join(
                f"{name},水城区人民医院" for name in APPRENTICE_NAMES[index * 3 : index * 3 + 3]
            ),
            goals="“一对三”手把手带教,培养一支带不走的医疗队伍:独立开展本专科常见病诊疗和新技术。",
            start_date=date(2022, 5, 1),
            end_date=date(2025, 2, 28),
        )
        for index, deployment in enumerate(mentors)
    )


def _awards_and_care(zs_cadres, zs_talents, chunan, mission, trainees) -> None:
    liuzhi = zs_cadres[1].person  # the 六枝 deputy director whose family moved with him
    Award.objects.bulk_create(
        [
            Award(person=liuzhi, title="粤黔协作工作突出个人", level=AwardLevel.PROVINCIAL,
                  year=2022, issuer="粤黔东西部协作工作领导小组"),
            # "火炬开发区派驻水城区的陈嘉俊被评为中山市2022年担当作为先进个人"
            Award(person=zs_cadres[5].person, title="担当作为先进个人", level=AwardLevel.CITY,
                  year=2022, issuer="中共中山市委"),
            Award(person=zs_talents[0].person, title="粤黔协作工作突出个人",
                  level=AwardLevel.PROVINCIAL, year=2023, issuer="粤黔东西部协作工作领导小组"),
            Award(person=chunan[0][2].person, title="对口支援工作先进个人", level=AwardLevel.COUNTY,
                  year=2022, issuer="中共巴塘县委"),
            Award(person=mission["experts"][0].person, title="优秀科技特派员",
                  level=AwardLevel.PROVINCIAL, year=2023, issuer="贵州省科学技术厅"),
        ]
    )  # fmt: skip
    care = [
        CareRecord(person=liuzhi, kind=CareKind.FAMILY_SUPPORT, date=date(2022, 8, 15),
                   note="妻子和两个孩子随迁六盘水,协调子女入学入园。"),
        CareRecord(person=chunan[7][2].person, kind=CareKind.PSYCHOLOGICAL, date=date(2026, 10, 20),
                   note="高原工作压力大、睡眠差,心理老师谈心。",
                   follow_up_date=date(2026, 12, 1)),
    ]  # fmt: skip
    care += [
        CareRecord(
            person=deployment.person,
            kind=CareKind.HEALTH_CHECK,
            date=date(2024, 5, 10),
            note="年度健康体检",
        )
        for deployment in zs_cadres[12 : len(ZS_CADRES)]  # the 2023 cohort, on post in 2024
    ]
    care += [
        CareRecord(
            person=deployment.person,
            kind=CareKind.INSURANCE,
            date=CHUNAN_START,
            note="办理援派期间意外伤害保险",
            follow_up_date=date(2026, 7, 31),
        )
        for _subgroup, _role, deployment in chunan
    ]
    CareRecord.objects.bulk_create(care)


def _leave(team: Team, chunan, today: date) -> None:
    """One approved leave in the past (decided by the leader's account, see below), one pending."""
    doctor, teacher = chunan[8][2].person, chunan[12][2].person
    LeaveRequest.objects.bulk_create(
        [
            LeaveRequest(person=doctor, team=team, start_date=today - timedelta(days=40),
                         end_date=today - timedelta(days=33), reason="回淳安探亲",
                         status=LeaveStatus.APPROVED, decided_at=timezone.now(),
                         decision_comment="注意路途安全"),
            LeaveRequest(person=teacher, team=team, start_date=today + timedelta(days=10),
                         end_date=today + timedelta(days=14), reason="孩子升学事宜",
                         status=LeaveStatus.PENDING),
        ]
    )  # fmt: skip


def _link_demo_users(chunan) -> None:
    """ca_leader is the Chun'an team leader, ca_member a doctor of the team."""
    links = {"ca_leader": chunan[0][2].person, "ca_member": chunan[7][2].person}
    users = User.objects.in_bulk(list(links), field_name="username")
    for username, person in links.items():
        if username in users:
            person.user = users[username]
            person.save(update_fields=["user"])
    if "ca_leader" in users:
        LeaveRequest.objects.filter(status=LeaveStatus.APPROVED, decided_by=None).update(
            decided_by=users["ca_leader"]
        )


def _extended_twice(build: DemoBuilder, pairings) -> None:
    """A Guangzhou health official extended twice so his chest-pain centre passed acceptance."""
    spec = Spec(
        PersonCategory.CADRE, Specialty.MEDICAL, "广州市天河区卫生健康局", 46, rank="四级调研员"
    )
    person = build.person(spec, date(2021, 7, 1))
    person.save()
    deployment = Deployment.objects.create(
        person=person,
        pairing=pairings["th-xqg"],
        kind=DeploymentKind.LONG_TERM,
        host_organization=build.orgs["七星关区人民医院"],
        post="七星关区卫生健康局副局长",
        start_date=date(2021, 7, 1),
        planned_end_date=date(2023, 6, 30),
    )
    deployment_start(deployment=deployment, on=date(2021, 7, 1))
    for new_end, reference in (
        (date(2023, 12, 31), "穗组〔2023〕21号"),
        (date(2024, 6, 30), "穗组〔2023〕58号"),
    ):
        deployment_extend(
            deployment=deployment,
            new_end=new_end,
            reason="胸痛中心建设需通过国家级验收",
            approval_reference=reference,
        )  # fmt: skip
    deployment_complete(deployment=deployment, on=date(2024, 6, 30))


# -- check-ins -------------------------------------------------------------------------


def _top_up_check_ins(today: date) -> int:
    """Morning and evening check-ins of the last 14 days for team members on post.

    Mostly “well”, now and then unwell or needing help, and some missing; today
    only what would have been reported by now. Existing rows are kept.
    """
    rng = random.Random(today.toordinal())  # noqa: S311 - demo data, not secrets
    days = [today - timedelta(days=offset) for offset in range(13, -1, -1)]
    members = (
        TeamMember.objects.filter(membership_current_on(today))
        .filter(person__deployments__in=Deployment.objects.filter(deployment_active_on(today)))
        .values_list("person_id", flat=True)
        .distinct()
    )
    now = timezone.localtime()
    rows = []
    for person_id in members:
        for day in days:
            for slot, hour in ((CheckInSlot.MORNING, 8), (CheckInSlot.EVENING, 21)):
                at = timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60))))
                if at > now or rng.random() < 0.06:
                    continue  # not yet, or forgotten
                roll = rng.random()
                state, note = CheckInState.WELL, ""
                if roll < 0.03:
                    state, note = (
                        CheckInState.UNWELL,
                        rng.choice(("感冒发烧", "高原反应,头痛", "肠胃不适")),
                    )
                elif roll < 0.04:
                    state, note = CheckInState.NEEDS_HELP, "下乡途中车辆故障,需要协助"
                rows.append(CheckIn(person_id=person_id, date=day, slot=slot, state=state,
                                    note=note, recorded_at=at))  # fmt: skip
    CheckIn.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return CheckIn.objects.filter(date__gte=days[0]).count()
