"""The indicator catalogue shipped with AidTrack (DOMAIN.md "Outcomes" and the assessment).

``manage.py load_indicators`` (run by ``make demo`` / ``make run``) creates the
missing ones and leaves the others as administrators edited them; with
``--update`` it resets them to these definitions.

Computed indicators are figures the assessments app derives from records
(funds, deployments, projects, needs); all others come from approved
outcome reports.
"""

from dataclasses import asdict, dataclass, field

from django.db import transaction

from projects.choices import Aggregation as A
from projects.choices import IndicatorCategory as C
from projects.choices import IndicatorUnit as U
from projects.models import Indicator


@dataclass(frozen=True)
class Definition:
    code: str
    name_zh: str
    name_en: str
    unit: str
    category: str
    aggregation: str = A.SUM
    higher_is_better: bool = True
    computed: bool = False
    breakdown_schema: dict = field(default_factory=dict)
    description: str = ""


LABOUR_BREAKDOWN = {"parts": ["east", "in_province", "elsewhere"], "of_whom": ["formerly_poor"]}

CATALOGUE = [
    # -- computed from the records -------------------------------------------
    Definition(
        "fiscal_aid", "财政援助资金", "Fiscal aid", U.TEN_THOUSAND_YUAN, C.FUNDS, computed=True
    ),
    Definition(
        "fund_execution_rate",
        "资金执行率",
        "Fund execution rate",
        U.PERCENT,
        C.FUNDS,
        A.LATEST,
        computed=True,
        description="支出 ÷ 承诺(Spent ÷ committed).",
    ),
    Definition(
        "donations",
        "社会帮扶资金(含物资折价)",
        "Donations (cash and in kind)",
        U.TEN_THOUSAND_YUAN,
        C.FUNDS,
        computed=True,
    ),
    Definition(
        "cadres_sent",
        "选派党政干部",
        "Party-government cadres sent",
        U.PEOPLE,
        C.PEOPLE,
        computed=True,
    ),
    Definition(
        "talents_sent",
        "选派专业技术人才(长期)",
        "Professional talents sent (long-term)",
        U.PEOPLE,
        C.PEOPLE,
        computed=True,
    ),
    Definition(
        "professional_person_times",
        "专业技术人才帮扶人次",
        "Professional support person-times",
        U.PERSON_TIMES,
        C.PEOPLE,
        computed=True,
    ),
    Definition(
        "enterprises_invested",
        "引导企业投资",
        "Enterprises investing",
        U.ENTERPRISES,
        C.INDUSTRY,
        computed=True,
    ),
    Definition(
        "investment_in_place",
        "企业实际到位资金",
        "Investment actually in place",
        U.TEN_THOUSAND_YUAN,
        C.INDUSTRY,
        computed=True,
    ),
    Definition(
        "parks_built",
        "共建产业园区",
        "Parks co-built",
        U.COUNT,
        C.INDUSTRY,
        A.LATEST,
        computed=True,
        description="现代农业产业园与工业园区(截至年末)。",
    ),
    Definition(
        "consumption_support",
        "消费帮扶金额",
        "Consumption support",
        U.TEN_THOUSAND_YUAN,
        C.CONSUMPTION,
        computed=True,
    ),
    Definition(
        "projects_completed",
        "完工帮扶项目",
        "Projects completed",
        U.COUNT,
        C.PROJECTS,
        computed=True,
    ),
    Definition("needs_resolved", "解决需求", "Needs resolved", U.ITEMS, C.NEEDS, computed=True),
    Definition(
        "needs_resolution_rate",
        "需求解决率",
        "Needs resolution rate",
        U.PERCENT,
        C.NEEDS,
        A.LATEST,
        computed=True,
    ),
    # -- reported in outcome reports -------------------------------------------
    Definition(
        "labour_transferred",
        "劳务输出(转移就业)",
        "Labour transferred to jobs",
        U.PEOPLE,
        C.LABOUR,
        breakdown_schema=LABOUR_BREAKDOWN,
        description=(
            "按去向:东部 east / 省内 in_province / 其他 elsewhere;其中脱贫人口 formerly_poor。"
        ),
    ),
    Definition("people_trained", "培训人员", "People trained", U.PERSON_TIMES, C.PEOPLE),
    Definition(
        "cadres_trained", "培训干部人才", "Cadres and talents trained", U.PERSON_TIMES, C.PEOPLE
    ),
    Definition(
        "apprentices_mentored", "师带徒结对(徒弟)", "Apprentices mentored", U.PEOPLE, C.PEOPLE
    ),
    Definition(
        "new_technologies",
        "新技术新项目",
        "New medical technologies introduced",
        U.ITEMS,
        C.HEALTH,
    ),
    Definition("surgeries_taught", "手术带教", "Surgeries taught", U.OPERATIONS, C.HEALTH),
    Definition(
        "emergency_centres",
        "急诊急救中心",
        "Emergency centres built",
        U.COUNT,
        C.HEALTH,
        A.LATEST,
        description="截至期末累计建成。",
    ),
    Definition(
        "key_specialties",
        "重点专科",
        "Key specialties created",
        U.COUNT,
        C.HEALTH,
        A.LATEST,
        description="截至期末累计创建。",
    ),
    Definition(
        "medical_staff_trained",
        "医护人员进修",
        "Medical staff trained",
        U.PERSON_TIMES,
        C.HEALTH,
    ),
    Definition(
        "medical_institutions_helped",
        "实质帮扶医疗卫生机构",
        "Medical institutions helped",
        U.ENTERPRISES,
        C.HEALTH,
        A.LATEST,
    ),
    Definition(
        "courses_added", "新增特色选修课程", "Elective courses added", U.COURSES, C.EDUCATION
    ),
    Definition(
        "school_enterprise_majors",
        "校企合作共建专业",
        "School–enterprise majors",
        U.COUNT,
        C.EDUCATION,
        A.LATEST,
    ),
    Definition(
        "school_enterprise_courses",
        "校企合作共建课程",
        "School–enterprise courses",
        U.COURSES,
        C.EDUCATION,
        A.LATEST,
    ),
    Definition(
        "students_trained", "联合培养学生", "Students jointly trained", U.PEOPLE, C.EDUCATION
    ),
    Definition(
        "schools_paired", "结对学校", "Schools paired", U.INSTITUTIONS, C.EDUCATION, A.LATEST
    ),
    Definition("teachers_trained", "培训教师", "Teachers trained", U.PERSON_TIMES, C.EDUCATION),
    Definition(
        "university_admission_growth",
        "高考一本上线人数增长率",
        "Growth of first-tier university admissions",
        U.PERCENT,
        C.EDUCATION,
        A.LATEST,
    ),
    Definition(
        "technical_problems_solved",
        "解决技术问题",
        "Technical problems solved",
        U.ITEMS,
        C.SCIENCE,
    ),
    Definition(
        "varieties_promoted",
        "推广新品种新技术",
        "New varieties and techniques promoted",
        U.ITEMS,
        C.SCIENCE,
    ),
    Definition(
        "industries_guided",
        "指导发展优势特色产业",
        "Featured industries guided",
        U.COUNT,
        C.SCIENCE,
        A.LATEST,
    ),
    Definition(
        "demonstration_bases",
        "农业示范基地",
        "Agricultural demonstration bases",
        U.COUNT,
        C.INDUSTRY,
        A.LATEST,
    ),
    Definition("planting_area", "特色种植面积", "Featured crop area", U.MU, C.INDUSTRY, A.LATEST),
    Definition(
        "industry_output",
        "特色产业产值",
        "Featured industry output",
        U.TEN_THOUSAND_YUAN,
        C.INDUSTRY,
    ),
    Definition(
        "households_benefiting",
        "带动农户",
        "Households benefiting",
        U.HOUSEHOLDS,
        C.RURAL_CONSTRUCTION,
    ),
    Definition(
        "villages_improved",
        "乡村建设示范村",
        "Demonstration villages built",
        U.COUNT,
        C.RURAL_CONSTRUCTION,
        A.LATEST,
    ),
]


@transaction.atomic
def indicators_load(*, update: bool = False) -> tuple[int, int]:
    """Create the catalogue's missing indicators (and reset the others with ``update``)."""
    existing = Indicator.objects.in_bulk(field_name="code")
    created = updated = 0
    for definition in CATALOGUE:
        values = asdict(definition)
        code = values.pop("code")
        indicator = existing.get(code)
        if indicator is None:
            indicator = Indicator(code=code, **values)
            indicator.full_clean()
            indicator.save()
            created += 1
        elif update:
            for name, value in values.items():
                setattr(indicator, name, value)
            indicator.full_clean()
            indicator.save()
            updated += 1
    return created, updated
