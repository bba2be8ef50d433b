"""Demo projects, outcome reports and needs, calibrated to the seed articles.

* 中山→六盘水 (zs-lps and the county pairing zsg-sc below it): 204 projects
  over 2021–2023 in industry, labour cooperation, talent training and rural
  construction, with budgets of about 5.15亿元 (the articles: 5.04亿元 of
  fiscal aid for 204 projects), located in 六枝特区, 水城区, 盘州市 and
  钟山区, including 3 modern agricultural parks ("one county, one park") and
  3 industrial parks; 300+ person-times of cadre training.
* 淳安→巴塘: the industrial park, the peach-processing plant, the
  kindergarten extension and a demonstration village, under construction.
* 天河→七星关: the teacher development centre; 1.3万 person-times of labour
  sent to jobs; 33 schools paired.
* 珠海→正安: the remote ultrasound centre (opened March 2023).
* Guizhou's team-based support (on 广东→贵州): 781 new technologies, 9,129
  surgeries taught, 86 emergency centres, 23 key specialties, 193 courses,
  83 majors, 2,659 students, 2,147 technical problems, 1,301 varieties.
* 剑河县 (pairing ``gzy-jh``, when the cadres demo has created it): 124
  needs collected, 90 resolved, the rest being matched.
* Beyond the articles (they stop in November 2023): a modest, illustrative set
  of 中山→六盘水 projects for each later year up to the current one
  (ZS_LATER_*), so projects cover the years its later cadres are on post.

Idempotent: codes, (project, date) and report periods are unique, so a
second run inserts nothing; needs are only created for a pairing without any.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from pairings.choices import OrganizationKind
from pairings.models import Organization, Pairing, Region
from projects.catalogue import indicators_load
from projects.choices import (
    NeedCategory,
    NeedPriority,
    NeedStatus,
    ProjectCategory,
    ProjectStatus,
    ReportStatus,
)
from projects.models import Indicator, Need, OutcomeReport, ProgressUpdate, Project

ZS_LPS_PROJECTS_BY_YEAR = {2021: 64, 2022: 68, 2023: 72}  # 204 in all
ZSG_SC_PROJECTS_PER_YEAR = 10  # of those, under the county pairing 火炬开发区→水城区
ZS_LPS_BUDGET_TOTAL = Decimal("515000000")  # ≈ the 5.04亿元 of fiscal aid plus co-funding

# Beyond the articles (they stop in November 2023): each later year up to the
# current one has a smaller, illustrative set of projects, so projects and
# money cover the years the later rotation of cadres is on post. Not among
# the 204; kept modest (about half a year of the article's pace, budgets as
# funds.demo.LATER_ALLOCATIONS_WAN allocates).
ZS_LATER_FIRST_YEAR = 2024
ZS_LATER_PROJECTS = {"zs-lps": 30, "zsg-sc": 4}  # per later year
ZS_LATER_BUDGET_WAN = {"zs-lps": 12_000, "zsg-sc": 1_800}  # per later year


def zs_later_years(today: date) -> range:
    """The years after the articles, up to the current one."""
    return range(ZS_LATER_FIRST_YEAR, today.year + 1)


LIUPANSHUI_COUNTIES = {
    "520203": "六枝特区",
    "520204": "水城区",
    "520281": "盘州市",
    "520201": "钟山区",
}
VILLAGES = ["新华村", "岩脚村", "海坪村", "米箩村", "猴场村", "坪寨村", "龙场村", "月照村"]

# category → (share of the ordinary projects, budget range in 万元, name patterns)
CATEGORY_MIX = {
    ProjectCategory.INDUSTRY: (
        42,
        (150, 600),
        [
            "{place}食用菌种植基地建设项目",
            "{place}猕猴桃种植基地提质增效项目",
            "{place}刺梨产业基地建设项目",
            "{place}茶叶加工厂房建设项目",
            "{place}生态肉牛养殖场建设项目",
            "{place}蔬菜保供基地建设项目",
            "{place}农产品冷链仓储中心建设项目",
            "{place}中药材种植示范基地项目",
        ],
    ),
    ProjectCategory.LABOUR: (
        18,
        (50, 200),
        [
            "{county}粤黔劳务协作工作站项目",
            "{county}就业帮扶车间建设项目",
            "{county}脱贫劳动力技能培训项目",
            "{county}稳岗就业补助项目",
            "{county}赴粤务工交通补助项目",
        ],
    ),
    ProjectCategory.TRAINING: (
        16,
        (20, 120),
        [
            "{county}乡村振兴干部能力提升培训项目",
            "{county}医疗卫生人才进修培训项目",
            "{county}中小学骨干教师培训项目",
            "{county}农村致富带头人培训项目",
            "{county}电商人才培训项目",
        ],
    ),
    ProjectCategory.RURAL_CONSTRUCTION: (
        22,
        (100, 400),
        [
            "{place}人居环境整治项目",
            "{place}通组路硬化项目",
            "{place}饮水安全巩固提升项目",
            "{place}乡村振兴示范点建设项目",
            "{place}村级综合服务中心改造项目",
        ],
    ),
}

# (name, category, county code, year, budget in 万元, pairing key)
PARKS = [
    (
        "六枝特区现代农业产业园(一县一园)建设项目",
        ProjectCategory.INDUSTRY,
        "520203",
        2021,
        1800,
        "zs-lps",
    ),
    (
        "水城区现代农业产业园(一县一园)建设项目",
        ProjectCategory.INDUSTRY,
        "520204",
        2021,
        1600,
        "zsg-sc",
    ),
    (
        "盘州市现代农业产业园(一县一园)建设项目",
        ProjectCategory.INDUSTRY,
        "520281",
        2022,
        1700,
        "zs-lps",
    ),
    ("中山—钟山粤黔协作产业园建设项目", ProjectCategory.INDUSTRY, "520201", 2021, 2400, "zs-lps"),
    (
        "水城经济开发区粤黔协作产业园建设项目",
        ProjectCategory.INDUSTRY,
        "520204",
        2022,
        2200,
        "zsg-sc",
    ),
    ("盘州市粤黔协作产业园建设项目", ProjectCategory.INDUSTRY, "520281", 2023, 2100, "zs-lps"),
    (
        "六盘水市第八中学食宿综合一体楼援建项目",
        ProjectCategory.EDUCATION,
        "520201",
        2022,
        520,
        "zs-lps",
    ),
    ("水城区人民医院“五大中心”建设项目", ProjectCategory.HEALTH, "520204", 2022, 650, "zsg-sc"),
]


@dataclass(frozen=True)
class Single:
    """One project named in the articles."""

    pairing: str
    name: str
    category: str
    year: int
    budget_wan: int
    status: str
    start: date
    end: date | None = None
    accepted: date | None = None
    progress: int = 100
    description: str = ""


NAMED_PROJECTS = [
    Single(
        "ca-bt",
        "巴塘县产业融合园区建设项目",
        ProjectCategory.INDUSTRY,
        2021,
        1200,
        ProjectStatus.IN_PROGRESS,
        date(2021, 9, 1),
        progress=35,
        description="淳安县对口支援巴塘县,全速推进产业融合园区建设。",
    ),
    Single(
        "ca-bt",
        "巴塘县毛桃加工厂房建设项目",
        ProjectCategory.INDUSTRY,
        2021,
        600,
        ProjectStatus.IN_PROGRESS,
        date(2021, 9, 10),
        progress=40,
    ),
    Single(
        "ca-bt",
        "巴塘县幼儿园改扩建智力支援项目",
        ProjectCategory.EDUCATION,
        2021,
        450,
        ProjectStatus.IN_PROGRESS,
        date(2021, 9, 20),
        progress=20,
    ),
    Single(
        "ca-bt",
        "巴塘县乡村振兴示范村建设项目",
        ProjectCategory.RURAL_CONSTRUCTION,
        2021,
        380,
        ProjectStatus.IN_PROGRESS,
        date(2021, 9, 25),
        progress=25,
    ),
    Single(
        "th-xqg",
        "七星关区天河教师发展中心建设项目",
        ProjectCategory.EDUCATION,
        2021,
        300,
        ProjectStatus.ACCEPTED,
        date(2021, 9, 1),
        end=date(2022, 3, 31),
        accepted=date(2022, 5, 20),
        description="配备高清会议视频系统,与天河区教育局互联互通,同步共享培训资源。",
    ),
    Single(
        "th-xqg",
        "七星关区驻粤劳务协作工作站项目",
        ProjectCategory.LABOUR,
        2021,
        120,
        ProjectStatus.ACCEPTED,
        date(2021, 10, 1),
        end=date(2022, 6, 30),
        accepted=date(2022, 8, 15),
    ),
    Single(
        "zh-za",
        "正安县人民医院远程超声医学中心建设项目",
        ProjectCategory.HEALTH,
        2022,
        260,
        ProjectStatus.ACCEPTED,
        date(2022, 6, 1),
        end=date(2023, 3, 15),
        accepted=date(2023, 5, 10),
        description="集远程心电、脑电、超声、血压于一体,“1+1+N”远程智慧医疗帮扶模式。",
    ),
    Single(
        "gzy-jh",
        "剑河县中药材种植试验示范点建设项目",
        ProjectCategory.INDUSTRY,
        2022,
        350,
        ProjectStatus.ACCEPTED,
        date(2022, 4, 1),
        end=date(2022, 12, 20),
        accepted=date(2023, 2, 28),
        description="钩藤、黄精等中药材种植产业带试验示范。",
    ),
    Single(
        "gzy-jh",
        "剑河县钩藤产业基地提升项目",
        ProjectCategory.INDUSTRY,
        2023,
        280,
        ProjectStatus.IN_PROGRESS,
        date(2023, 3, 15),
        progress=60,
    ),
]

# (pairing key, indicator code, year, value, breakdown, note)
SEED_REPORTS = [
    (
        "th-xqg",
        "labour_transferred",
        2021,
        2600,
        {"east": 2100, "in_province": 380, "elsewhere": 120, "formerly_poor": 1050},
        "点对点输送劳动力到东部就业。",
    ),
    (
        "th-xqg",
        "labour_transferred",
        2022,
        6100,
        {"east": 4900, "in_province": 900, "elsewhere": 300, "formerly_poor": 2300},
        "",
    ),
    (
        "th-xqg",
        "labour_transferred",
        2023,
        4300,
        {"east": 3400, "in_province": 700, "elsewhere": 200, "formerly_poor": 1600},
        "累计输送劳动力超1.3万人次。",
    ),
    ("th-xqg", "schools_paired", 2022, 33, {}, "七星关区33所学校与天河区27所学校结对。"),
    # Yearly training and labour figures for 中山→六盘水 are illustrative: the
    # article gives none, and its 好 grades imply the targets were met.
    ("zs-lps", "people_trained", 2021, 1620, {}, "示例数据。"),
    ("zs-lps", "people_trained", 2022, 1760, {}, "示例数据。"),
    (
        "zs-lps",
        "labour_transferred",
        2021,
        4300,
        {"east": 2900, "in_province": 1100, "elsewhere": 300, "formerly_poor": 1800},
        "示例数据。",
    ),
    (
        "zs-lps",
        "labour_transferred",
        2022,
        4600,
        {"east": 3100, "in_province": 1200, "elsewhere": 300, "formerly_poor": 1900},
        "示例数据。",
    ),
    ("zs-lps", "cadres_trained", 2021, 90, {}, ""),
    ("zs-lps", "cadres_trained", 2022, 105, {}, ""),
    ("zs-lps", "cadres_trained", 2023, 110, {}, "培训援派干部人才300多人次(三年合计)。"),
    ("zsg-sc", "apprentices_mentored", 2022, 15, {}, "5名专家与15名青年医师“一对三”结成师徒。"),
    ("zsg-sc", "medical_staff_trained", 2022, 12, {}, "选派12名医护人员到中山市进修学习。"),
    ("kg-by", "university_admission_growth", 2023, Decimal("22.22"), {}, "较2022届增长。"),
    ("gd-gz", "new_technologies", 2023, 781, {}, "20家被帮扶县级医院累计。"),
    ("gd-gz", "surgeries_taught", 2023, 9129, {}, "20家被帮扶县级医院累计。"),
    ("gd-gz", "emergency_centres", 2023, 86, {}, "20家被集中帮扶医院累计建成。"),
    ("gd-gz", "key_specialties", 2023, 23, {}, ""),
    ("gd-gz", "medical_institutions_helped", 2023, 376, {}, "343家省外机构实质帮扶376家省内机构。"),
    ("gd-gz", "courses_added", 2023, 193, {}, "20所普通高中新增特色选修课程。"),
    ("gd-gz", "school_enterprise_majors", 2023, 83, {}, "20所职业高中校企合作共建专业。"),
    ("gd-gz", "school_enterprise_courses", 2023, 89, {}, ""),
    ("gd-gz", "students_trained", 2023, 2659, {}, "校企联合培养学生。"),
    ("gd-gz", "teachers_trained", 2023, 50000, {}, "教育帮扶团队累计培训教师5万余人次。"),
    ("gd-gz", "technical_problems_solved", 2023, 2147, {}, "20个县科技特派团。"),
    ("gd-gz", "varieties_promoted", 2023, 1301, {}, ""),
    ("gd-gz", "industries_guided", 2023, 105, {}, "科技特派团帮助指导发展优势特色产业。"),
    ("gzy-jh", "planting_area", 2023, 157800, {}, "剑河县中药材种植面积15.78万亩,31个品种。"),
    ("gzy-jh", "demonstration_bases", 2023, 37, {}, ""),
    ("gzy-jh", "industry_output", 2023, 28000, {}, "以中药材为主的健康医药产业产值突破2.8亿元。"),
]

# Reports still in review, so the queue has something to show.
PENDING_REPORTS = [
    ("zs-lps", "people_trained", 2023, 3, 420, ReportStatus.SUBMITTED),
    ("zsg-sc", "households_benefiting", 2023, 3, 860, ReportStatus.DRAFT),
]

JIANHE_NEEDS = {"collected": 124, "resolved": 90, "matched": 24}  # the rest are open
JIANHE_NEED_TOPICS = [
    (NeedCategory.SCIENCE, "钩藤种植病虫害防治技术指导"),
    (NeedCategory.SCIENCE, "黄精林下种植技术培训"),
    (NeedCategory.INDUSTRY, "中药材初加工设备选型与工艺指导"),
    (NeedCategory.SCIENCE, "食用菌菌棒生产技术"),
    (NeedCategory.INDUSTRY, "稻田养虾蟹技术推广"),
    (NeedCategory.INDUSTRY, "中药材品牌打造与市场对接"),
    (NeedCategory.HEALTH, "县医院中医科专科建设"),
    (NeedCategory.EDUCATION, "职业学校中药材专业课程建设"),
    (NeedCategory.TALENT, "乡土技术人才培养"),
    (NeedCategory.INFRASTRUCTURE, "中药材基地灌溉设施"),
]
JIANHE_DEPARTMENTS = [
    "县农业农村局",
    "县林业局",
    "县科技局",
    "县卫生健康局",
    "县教育局",
    "镇人民政府",
]


def _wan(amount) -> Decimal:
    return Decimal(amount) * 10_000


def _organization(name: str, kind: str, region: Region) -> Organization:
    return Organization.objects.get_or_create(name=name, region=region, defaults={"kind": kind})[0]


def _townships(county_codes) -> dict[str, list[Region]]:
    """Each county's townships (or the county itself where none are loaded)."""
    counties = Region.objects.in_bulk(county_codes, field_name="code")
    by_county = {code: [] for code in counties}
    for township in Region.objects.filter(parent__code__in=county_codes).order_by("code"):
        by_county[township.parent.code].append(township)
    return {code: towns or [counties[code]] for code, towns in by_county.items()}


class _Schedule:
    """Status and dates of a project of ``year``, drawn to look like the programme's history."""

    # year → (status, weight): 2021–22 mostly done, 2023 mixed.
    STATUS_MIX = {
        2021: [(ProjectStatus.ACCEPTED, 85), (ProjectStatus.COMPLETED, 15)],
        2022: [
            (ProjectStatus.ACCEPTED, 60),
            (ProjectStatus.COMPLETED, 30),
            (ProjectStatus.IN_PROGRESS, 10),
        ],
        2023: [
            (ProjectStatus.COMPLETED, 25),
            (ProjectStatus.IN_PROGRESS, 45),
            (ProjectStatus.APPROVED, 20),
            (ProjectStatus.PLANNED, 8),
            (ProjectStatus.CANCELLED, 2),
        ],
    }
    # The articles describe the programme up to November 2023.
    AS_OF = date(2023, 10, 31)

    def __init__(self, rng: random.Random, as_of: date = AS_OF):
        self.rng = rng
        self.as_of = as_of

    def mix(self, year: int) -> list:
        """The article years' mixes; a later year looks like the article year as old."""
        age = self.as_of.year - year
        return self.STATUS_MIX.get(year) or self.STATUS_MIX[max(2021, 2023 - age)]

    def draw(self, year: int) -> dict:
        rng = self.rng
        statuses, weights = zip(*self.mix(year), strict=True)
        status = rng.choices(statuses, weights)[0]
        planned_start = date(year, rng.randint(2, 6), rng.randint(1, 28))
        planned_end = planned_start + timedelta(days=rng.randint(150, 330))
        fields = {
            "status": status,
            "planned_start_date": planned_start,
            "planned_end_date": planned_end,
        }
        if status in (ProjectStatus.PLANNED, ProjectStatus.APPROVED, ProjectStatus.CANCELLED):
            if status == ProjectStatus.CANCELLED:
                fields.update(
                    cancelled_on=planned_start + timedelta(days=40),
                    cancellation_reason="选址调整,项目资金调整用于其他项目。",
                )
            return fields
        start = min(planned_start + timedelta(days=rng.randint(0, 30)), self.as_of)
        fields["actual_start_date"] = start
        if status == ProjectStatus.IN_PROGRESS:
            return fields
        end = min(planned_end + timedelta(days=rng.randint(-20, 45)), self.as_of)
        fields["actual_end_date"] = max(end, start + timedelta(days=60))
        if status == ProjectStatus.ACCEPTED:
            fields["accepted_on"] = fields["actual_end_date"] + timedelta(days=rng.randint(20, 60))
        return fields


def _progress_rows(
    project: Project, rng: random.Random, final: int = 100, as_of: date = _Schedule.AS_OF
) -> list[ProgressUpdate]:
    """A few updates between the actual start and the end (or ``as_of``: the articles' date)."""
    if project.actual_start_date is None:
        return []
    start = project.actual_start_date
    end = project.actual_end_date or as_of
    span = max((end - start).days, 3)
    percents = [30, 65, 100] if project.actual_end_date else sorted({final // 3, final})
    rows = []
    for index, percent in enumerate(percents, start=1):
        day = start + timedelta(days=span * index // len(percents))
        if project.actual_end_date and percent == 100:
            day = project.actual_end_date
        rows.append(
            ProgressUpdate(
                project=project,
                date=day,
                percent=percent if project.actual_end_date else min(percent, 95),
                note="完工。" if percent == 100 else rng.choice(["按计划推进。", "主体施工中。"]),
            )
        )
    return rows


def _liupanshui_projects(pairings, rng: random.Random) -> list[Project]:
    zs_lps, zsg_sc = pairings["zs-lps"], pairings["zsg-sc"]
    townships = _townships(LIUPANSHUI_COUNTIES)
    counties = Region.objects.in_bulk(LIUPANSHUI_COUNTIES, field_name="code")
    lead_city = _organization(
        "中山市东西部协作工作领导小组办公室", OrganizationKind.GOVERNMENT, zs_lps.helping_region
    )
    lead_county = Organization.objects.filter(region=zsg_sc.helping_region).first() or None
    implementers = {
        code: _organization(f"{name}乡村振兴局", OrganizationKind.GOVERNMENT, counties[code])
        for code, name in LIUPANSHUI_COUNTIES.items()
    }
    schedule = _Schedule(rng)
    categories = list(CATEGORY_MIX)
    shares = [CATEGORY_MIX[category][0] for category in categories]
    planned: list[tuple[Pairing, int, str, str, Region, str, int]] = []
    for name, category, county, year, budget_wan, key in PARKS:
        region = townships[county][0]
        planned.append((pairings[key], year, category, name, region, "", budget_wan))
    for year, total in ZS_LPS_PROJECTS_BY_YEAR.items():
        special = [row for row in planned if row[1] == year]
        county_projects = ZSG_SC_PROJECTS_PER_YEAR - sum(1 for row in special if row[0] == zsg_sc)
        for index in range(total - len(special)):
            county_only = index < county_projects
            pairing = zsg_sc if county_only else zs_lps
            county = "520204" if county_only else rng.choice(list(LIUPANSHUI_COUNTIES))
            category = rng.choices(categories, shares)[0]
            _share, (low, high), patterns = CATEGORY_MIX[category]
            township = rng.choice(townships[county])
            village = rng.choice(VILLAGES)
            name = rng.choice(patterns).format(
                place=f"{township.name}{village}", county=LIUPANSHUI_COUNTIES[county]
            )
            planned.append(
                (
                    pairing,
                    year,
                    category,
                    f"{year}年{name}",
                    township,
                    village,
                    rng.randint(low, high),
                )
            )
    scale = ZS_LPS_BUDGET_TOTAL / _wan(sum(row[6] for row in planned))
    projects, sequence = [], {}
    for pairing, year, category, name, region, village, budget_wan in planned:
        prefix = f"{pairing.helped_region.code}-{year}-"
        sequence[prefix] = sequence.get(prefix, 0) + 1
        beneficiaries = rng.randint(200, 5000)
        county_code = region.code[:6]
        projects.append(
            Project(
                code=f"{prefix}{sequence[prefix]:03d}",
                name=name,
                pairing=pairing,
                region=region,
                village=village,
                category=category,
                year=year,
                budget=_wan((budget_wan * scale).quantize(Decimal(1))),
                beneficiaries=beneficiaries,
                beneficiaries_formerly_poor=beneficiaries * rng.randint(20, 45) // 100,
                lead_organization=lead_county if pairing == zsg_sc and lead_county else lead_city,
                implementing_organization=implementers[county_code],
                **schedule.draw(year),
            )
        )
    # Rounding to 万元 leaves a remainder: the largest project absorbs it.
    largest = max(projects, key=lambda project: project.budget)
    largest.budget += ZS_LPS_BUDGET_TOTAL - sum(project.budget for project in projects)
    return projects


def _later_projects(pairings, today: date) -> list[Project]:
    """中山→六盘水's illustrative projects of each year after the articles (ZS_LATER_*).

    Each year draws from a generator of its own, so the article years' projects
    and every earlier year stay the same whichever year the demo is loaded in.
    """
    townships = _townships(LIUPANSHUI_COUNTIES)
    counties = Region.objects.in_bulk(LIUPANSHUI_COUNTIES, field_name="code")
    lead = _organization(
        "中山市东西部协作工作领导小组办公室",
        OrganizationKind.GOVERNMENT,
        pairings["zs-lps"].helping_region,
    )
    implementers = {
        code: _organization(f"{name}乡村振兴局", OrganizationKind.GOVERNMENT, counties[code])
        for code, name in LIUPANSHUI_COUNTIES.items()
    }
    categories = list(CATEGORY_MIX)
    shares = [CATEGORY_MIX[category][0] for category in categories]
    projects = []
    for year in zs_later_years(today):
        rng = random.Random(f"zs-lps-{year}")  # noqa: S311 - demo data, not secrets
        schedule = _Schedule(rng, as_of=today)
        for key, count in ZS_LATER_PROJECTS.items():
            pairing = pairings[key]
            budgets = split_whole(ZS_LATER_BUDGET_WAN[key], count, rng)
            for number, budget_wan in enumerate(budgets, start=1):
                county = "520204" if key == "zsg-sc" else rng.choice(list(LIUPANSHUI_COUNTIES))
                category = rng.choices(categories, shares)[0]
                township = rng.choice(townships[county])
                village = rng.choice(VILLAGES)
                name = rng.choice(CATEGORY_MIX[category][2]).format(
                    place=f"{township.name}{village}", county=LIUPANSHUI_COUNTIES[county]
                )
                beneficiaries = rng.randint(200, 5000)
                projects.append(
                    Project(
                        # 6xx and 9xx: clear of the article years' numbering.
                        code=f"{pairing.helped_region.code}-{year}-"
                        f"{(600 if key == 'zs-lps' else 900) + number:03d}",
                        name=f"{year}年{name}",
                        pairing=pairing,
                        region=township,
                        village=village,
                        category=category,
                        year=year,
                        budget=_wan(budget_wan),
                        beneficiaries=beneficiaries,
                        beneficiaries_formerly_poor=beneficiaries * rng.randint(20, 45) // 100,
                        lead_organization=lead,
                        implementing_organization=implementers[county],
                        **schedule.draw(year),
                    )
                )
    return projects


def split_whole(total: int, count: int, rng: random.Random) -> list[int]:
    """``total`` 万元 in ``count`` whole, unequal budgets (the last takes the rest)."""
    weights = [rng.randint(50, 150) for _ in range(count)]
    budgets = [total * weight // sum(weights) for weight in weights[:-1]]
    return [*budgets, total - sum(budgets)]


def _named_projects(pairings) -> list[Project]:
    projects, sequence = [], {}
    for spec in NAMED_PROJECTS:
        pairing = pairings.get(spec.pairing)
        if pairing is None:
            continue  # e.g. 剑河县 before the cadres demo adds its pairing
        prefix = f"{pairing.helped_region.code}-{spec.year}-"
        sequence[prefix] = sequence.get(prefix, 0) + 1
        projects.append(
            Project(
                code=f"{prefix}{sequence[prefix]:03d}",
                name=spec.name,
                pairing=pairing,
                region=pairing.helped_region,
                category=spec.category,
                year=spec.year,
                budget=_wan(spec.budget_wan),
                status=spec.status,
                planned_start_date=spec.start,
                planned_end_date=spec.end or spec.start + timedelta(days=365),
                actual_start_date=spec.start,
                actual_end_date=spec.end,
                accepted_on=spec.accepted,
                description=spec.description,
            )
        )
    return projects


def _load_projects(pairings, rng: random.Random, today: date) -> int:
    before = Project.objects.count()
    projects = _liupanshui_projects(pairings, rng) + _named_projects(pairings)
    later = _later_projects(pairings, today)
    Project.objects.bulk_create(projects + later, ignore_conflicts=True)
    saved = Project.objects.in_bulk([p.code for p in projects], field_name="code")
    finals = {spec.name: spec.progress for spec in NAMED_PROJECTS}
    updates = [
        row
        for project in saved.values()
        for row in _progress_rows(project, rng, finals.get(project.name, 80))
    ]
    # A later project's updates run up to the day it was loaded: written once, so
    # loading again on another day adds none.
    later_rng = random.Random(f"zs-lps-progress-{today.year}")  # noqa: S311 - demo data
    updates += [
        row
        for project in Project.objects.filter(
            code__in=[p.code for p in later], progress_updates__isnull=True
        ).order_by("code")
        for row in _progress_rows(project, later_rng, as_of=today)
    ]
    ProgressUpdate.objects.bulk_create(updates, ignore_conflicts=True)
    return Project.objects.count() - before


def _load_reports(pairings) -> int:
    indicators = Indicator.objects.in_bulk(field_name="code")
    User = get_user_model()
    reviewer = User.objects.filter(username="admin").first()
    submitter = User.objects.filter(username="coord_zs").first() or reviewer
    now = timezone.now()
    reports = []
    for key, code, year, value, breakdown, note in SEED_REPORTS:
        if key not in pairings:
            continue
        reports.append(
            OutcomeReport(
                indicator=indicators[code],
                pairing=pairings[key],
                year=year,
                value=Decimal(value),
                breakdown=breakdown,
                note=note,
                status=ReportStatus.APPROVED,
                submitted_at=now,
                submitted_by=submitter,
                reviewed_at=now,
                reviewed_by=reviewer,
            )
        )
    for key, code, year, quarter, value, status in PENDING_REPORTS:
        if key not in pairings:
            continue
        reports.append(
            OutcomeReport(
                indicator=indicators[code],
                pairing=pairings[key],
                year=year,
                quarter=quarter,
                value=Decimal(value),
                status=status,
                submitted_at=now if status == ReportStatus.SUBMITTED else None,
                submitted_by=submitter if status == ReportStatus.SUBMITTED else None,
            )
        )
    before = OutcomeReport.objects.count()
    OutcomeReport.objects.bulk_create(reports, ignore_conflicts=True)
    return OutcomeReport.objects.count() - before


def _jianhe_needs(pairing: Pairing, rng: random.Random) -> list[Need]:
    """124 needs collected early in 2022, before the experts were chosen; 90 resolved."""
    towns = _townships([pairing.helped_region.code])[pairing.helped_region.code]
    projects = list(Project.objects.filter(pairing=pairing).order_by("code"))
    deployments = list(pairing.deployments.order_by("pk")[:20])
    needs = []
    for index in range(JIANHE_NEEDS["collected"]):
        category, topic = JIANHE_NEED_TOPICS[index % len(JIANHE_NEED_TOPICS)]
        town = towns[index % len(towns)]
        collected = date(2022, 1, 10) + timedelta(days=index % 80)
        need = Need(
            pairing=pairing,
            raised_by_region=town,
            raised_by_department=JIANHE_DEPARTMENTS[index % len(JIANHE_DEPARTMENTS)],
            collected_on=collected,
            category=category,
            description=f"{town.name}:{topic}",
            priority=rng.choice(NeedPriority.values),
            status=NeedStatus.OPEN,
        )
        if index < JIANHE_NEEDS["resolved"] + JIANHE_NEEDS["matched"]:
            need.status = NeedStatus.MATCHED
            need.matched_on = collected + timedelta(days=30)
            if deployments and index % 2:
                need.matched_deployment = deployments[index % len(deployments)]
            elif projects:
                need.matched_project = projects[index % len(projects)]
        if index < JIANHE_NEEDS["resolved"]:
            need.status = NeedStatus.RESOLVED
            need.resolved_on = collected + timedelta(days=rng.randint(60, 600))
            need.resolution_note = "科技特派团现场指导,已解决。"
        needs.append(need)
    return needs


# 中山→六盘水's needs lists: year → (collected, matched, resolved). The article's
# principle is "中央要求、六盘水所需、中山所能" and the aid goes "着眼六盘水所需":
# the needs were collected from the first year (2021, when the front working
# group was set up); the counts are illustrative, the article gives none.
LIUPANSHUI_NEEDS = {2021: (40, 37, 33), 2023: (18, 15, 11)}


def _liupanshui_needs(pairing: Pairing, rng: random.Random) -> list[Need]:
    """The needs lists of LIUPANSHUI_NEEDS (2021 and 2023)."""
    needs = []
    for year, counts in LIUPANSHUI_NEEDS.items():
        needs += _liupanshui_needs_of(pairing, rng, year, *counts)
    return needs


def _liupanshui_needs_of(
    pairing: Pairing, rng: random.Random, year: int, collected: int, matched: int, resolved: int
) -> list[Need]:
    towns = _townships(list(LIUPANSHUI_COUNTIES))
    topics = [
        (NeedCategory.HEALTH, "县级医院新生儿科技术帮扶"),
        (NeedCategory.EDUCATION, "高中骨干教师跟岗学习"),
        (NeedCategory.INDUSTRY, "农产品进入大湾区市场渠道"),
        (NeedCategory.LABOUR, "赴粤务工岗位对接"),
        (NeedCategory.GOVERNANCE, "基层社会治理经验交流"),
        (NeedCategory.INDUSTRY, "招商引资项目对接"),
    ]
    needs = []
    for index in range(collected):
        county = list(LIUPANSHUI_COUNTIES)[index % 4]
        town = rng.choice(towns[county])
        category, topic = topics[index % len(topics)]
        collected_on = date(year, 2, 1) + timedelta(days=index * 5)
        need = Need(
            pairing=pairing,
            raised_by_region=town,
            raised_by_department=f"{LIUPANSHUI_COUNTIES[county]}相关部门",
            collected_on=collected_on,
            category=category,
            description=f"{town.name}:{topic}",
            priority=NeedPriority.HIGH if index % 3 == 0 else NeedPriority.MEDIUM,
        )
        if index < matched:
            need.status = NeedStatus.MATCHED
            need.matched_on = collected_on + timedelta(days=20)
        if index < resolved:
            need.status = NeedStatus.RESOLVED
            need.resolved_on = collected_on + timedelta(days=90)
            need.resolution_note = "已对接落实。"
        needs.append(need)
    return needs


def _load_needs(pairings, rng: random.Random) -> int:
    needs = []
    for key, build in (("gzy-jh", _jianhe_needs), ("zs-lps", _liupanshui_needs)):
        pairing = pairings.get(key)
        if pairing is not None and not Need.objects.filter(pairing=pairing).exists():
            needs += build(pairing, rng)
    return len(Need.objects.bulk_create(needs))


@transaction.atomic
def demo_load(pairings: dict[str, Pairing]) -> str:
    indicators_load()
    # One seed: the same projects, budgets and dates on every machine.
    rng = random.Random(20231102)  # noqa: S311 - demo data, not secrets
    projects = _load_projects(pairings, rng, timezone.localdate())
    reports = _load_reports(pairings)
    needs = _load_needs(pairings, rng)
    tree = Pairing.objects.descendant_ids([pairings["zs-lps"].pk])
    in_liupanshui = Project.objects.filter(pairing__in=tree, year__in=ZS_LPS_PROJECTS_BY_YEAR)
    return (
        f"{projects} projects, {reports} outcome reports, {needs} needs added; "
        f"中山→六盘水 has {in_liupanshui.count()} projects for 2021–2023."
    )
