"""Demo assessments: rubrics, yearly agreement targets, official grades, fresh summaries.

Targets follow the Zhongshan → Liupanshui article (2021 to late 2023: 18
cadres, 200+ professional person-times, 11 team talents, 5.04亿元 fiscal aid,
204 projects, 60 enterprises with 35.91亿元 in place, 3 + 3 parks, 300+
person-times of cadre training), set a little below what was achieved, and
scaled for the other pairings. Idempotent: existing agreements and targets
are kept; summaries are recomputed.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from assessments.choices import GradeLevel
from assessments.models import OfficialGrade, Rubric
from assessments.services import assessment_refresh_many, rubric_load_default
from pairings.models import Agreement, AgreementTarget, Pairing

FIRST_YEAR = 2021


def demo_years() -> range:
    """Every year of the demo, from the articles' first up to the current one."""
    return range(FIRST_YEAR, max(2025, timezone.localdate().year) + 1)


# A prefecture pairing's yearly targets (units of the indicator catalogue).
BASE_TARGETS = {
    "fiscal_aid": Decimal(16000),  # 万元; 5.04亿元 over three years
    "fund_execution_rate": Decimal(90),  # %
    "donations": Decimal(800),  # 万元
    "cadres_sent": Decimal(5),  # 18 over three years
    "talents_sent": Decimal(3),  # 11 team talents
    "professional_person_times": Decimal(60),  # 200+ over three years
    "people_trained": Decimal(1500),
    "cadres_trained": Decimal(90),  # 300+ over three years
    "labour_transferred": Decimal(4000),
    "enterprises_invested": Decimal(18),  # 60 over three years
    "investment_in_place": Decimal(110000),  # 万元; 35.91亿元 over three years
    "parks_built": Decimal(2),  # cumulative: 3 + 3 by 2023
    "consumption_support": Decimal(2000),  # 万元
    "projects_completed": Decimal(60),  # 204 over three years
    "needs_resolved": Decimal(30),
}

# How each demo pairing's targets compare with a prefecture pairing's.
SCALE = {
    "gd-gz": Decimal(6),
    "zs-lps": Decimal(1),
    "gz-bj": Decimal("1.2"),
    "gz-qn": Decimal("1.1"),
    "zsg-sc": Decimal("0.25"),
    "th-xqg": Decimal("0.3"),
    "ns-gd": Decimal("0.25"),
    "by-pt": Decimal("0.25"),
}

# 中山→六盘水: 好 in the 2021 and 2022 national and provincial assessments.
OFFICIAL_GRADES = [
    (
        "zs-lps",
        2021,
        GradeLevel.NATIONAL,
        "好",
        "2021年度东西部协作考核评价结果通报(国家)",
        date(2022, 5, 20),
    ),
    (
        "zs-lps",
        2021,
        GradeLevel.PROVINCIAL,
        "好",
        "粤黔东西部协作2021年度考核结果通报",
        date(2022, 4, 28),
    ),
    (
        "zs-lps",
        2022,
        GradeLevel.NATIONAL,
        "好",
        "2022年度东西部协作考核评价结果通报(国家)",
        date(2023, 5, 18),
    ),
    (
        "zs-lps",
        2022,
        GradeLevel.PROVINCIAL,
        "好",
        "粤黔东西部协作2022年度考核结果通报",
        date(2023, 4, 25),
    ),
]


def _target(code: str, scale: Decimal, year: int) -> Decimal:
    base = BASE_TARGETS[code]
    if code in ("fund_execution_rate",):
        return base  # a rate does not scale with size
    if code == "parks_built":  # parks open up over the years: a running total
        return max(Decimal(1), (base * scale * (year - 2020)).quantize(Decimal(1)))
    growth = Decimal("1.05") ** (year - 2021)
    return (base * scale * growth).quantize(Decimal(1))


def _targets_load(pairings: dict[str, Pairing]) -> int:
    """Agreements for each scaled pairing and year, with a target per rubric indicator."""
    years = demo_years()
    rubrics = Rubric.objects.filter(year__in=years).prefetch_related("items__indicator")
    indicators = {
        rubric.year: {item.indicator.code: item.indicator for item in rubric.items.all()}
        for rubric in rubrics
    }
    targets = []
    for key, scale in SCALE.items():
        pairing = pairings.get(key)
        for year in years:
            if pairing is None or year < pairing.start_date.year:
                continue
            agreement, _created = Agreement.objects.get_or_create(
                pairing=pairing,
                year=year,
                defaults={
                    "title": f"{pairing} {year}年度东西部协作协议",
                    "signed_on": date(year, 3, 1),
                },
            )
            for code, indicator in indicators.get(year, {}).items():
                if code not in BASE_TARGETS:
                    continue
                targets.append(
                    AgreementTarget(
                        agreement=agreement,
                        indicator_code=code,
                        indicator_name=indicator.name_zh,
                        unit=indicator.unit,
                        target=_target(code, scale, year),
                    )
                )
    # Existing targets (perhaps edited since) are kept.
    AgreementTarget.objects.bulk_create(targets, ignore_conflicts=True)
    return len(targets)


def _official_grades_load(pairings: dict[str, Pairing]) -> int:
    for key, year, level, grade, reference, published in OFFICIAL_GRADES:
        OfficialGrade.objects.get_or_create(
            pairing=pairings[key],
            year=year,
            level=level,
            defaults={"grade": grade, "document_reference": reference, "published_on": published},
        )
    return len(OFFICIAL_GRADES)


def demo_load(pairings: dict[str, Pairing]) -> str:
    years = demo_years()
    with transaction.atomic():
        # Again here: the indicator catalogue may have arrived with the projects demo.
        for year in years:
            rubric_load_default(year=year)
        targets = _targets_load(pairings)
        grades = _official_grades_load(pairings)
    counts = assessment_refresh_many(
        pairing_ids=[pairing.pk for pairing in pairings.values()], years=list(years)
    )
    return (
        f"rubrics {years[0]}–{years[-1]}, {targets} targets, {grades} official grades, "
        f"{counts['refreshed']} summaries refreshed, {counts['failed']} failed"
    )
