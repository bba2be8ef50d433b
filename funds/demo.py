"""Demo money calibrated to the seed articles (DOMAIN.md "Money" and the headline figures).

* 中山→六盘水 (zs-lps and its county pairing zsg-sc): fiscal aid of exactly
  5.04亿元 over 2021–2023, committed to that tree's projects of those years
  and disbursed and spent realistically (2023 still well under way);
  60 Zhongshan enterprises with exactly 35.91亿元 in place; 3 modern
  agricultural parks ("one county, one park") and 3 industrial parks.
* 天河→七星关 (th-xqg): donations above 1000万元, among them uniforms and bags
  worth 27万 and 8万 for 青松村幸福小学 and 13万 from the 沙河街道 sub-district.
* 南沙→贵定 (ns-gd): 101万元 (October 2018).
* 广州→黔南 (gz-qn): the shop window in Haizhu selling 瓮安 specialties.
* Beyond the articles: 中山→六盘水's fiscal aid and canteen purchases for each
  later year up to the current one, modest and illustrative (allocations_wan,
  LATER_CONSUMPTION_WAN), so money covers the years its people are on post.

Enterprise and donor names are fictional. Idempotent: a second run adds nothing.
Projects come from the projects app's demo; without them the allocations and
everything not tied to a project still load.
"""

import random
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from aidtrack.core.money import format_money
from funds.choices import ConsumptionKind, DonationKind, ParkKind, SourceLevel, TransactionKind
from funds.models import (
    ConsumptionSupport,
    Donation,
    FundAllocation,
    FundTransaction,
    Investment,
    InvestmentTranche,
    Park,
)
from pairings.choices import OrganizationKind
from pairings.models import Organization, Region
from projects.choices import ProjectStatus
from projects.demo import ZS_LATER_BUDGET_WAN, zs_later_years
from projects.models import Project

YEARS = (2021, 2022, 2023)
CENT = Decimal("0.01")
WAN = Decimal(10_000)

# Fiscal aid per pairing and year, in 万元: 43,400 for the city, 7,000 for the
# Torch zone; 50,400万 = 5.04亿 in all.
ALLOCATIONS_WAN = {
    "zs-lps": {2021: 13_200, 2022: 14_400, 2023: 15_800},
    "zsg-sc": {2021: 2_000, 2022: 2_400, 2023: 2_600},
}
SOURCE_LEVEL = {"zs-lps": SourceLevel.CITY, "zsg-sc": SourceLevel.COUNTY}
# (purpose, share of the year's allocation)
PURPOSES = (
    ("产业发展", Decimal("0.45")),
    ("劳务协作", Decimal("0.15")),
    ("人才培训", Decimal("0.10")),
    ("乡村建设", Decimal("0.30")),
)
# Of the money committed to a year's projects: share disbursed and share spent
# (before per-project variation). Older years are nearly done; 2023 is under way.
EXECUTION = {2021: (Decimal("1.00"), Decimal("0.97")), 2022: (Decimal("0.96"), Decimal("0.86"))}
EXECUTION[2023] = (Decimal("0.74"), Decimal("0.48"))


def allocations_wan(today: date) -> dict[str, dict[int, int]]:
    """ALLOCATIONS_WAN, then each later year's illustrative allocation up to the current one.

    Beyond the articles (projects.demo.ZS_LATER_*): the later years' fiscal aid
    equals their projects' budgets, below each article year's, so that the
    article's 5.04亿元 stays the 2021–2023 total.
    """
    later = zs_later_years(today)
    return {
        key: years | dict.fromkeys(later, ZS_LATER_BUDGET_WAN[key])
        for key, years in ALLOCATIONS_WAN.items()
    }


def execution(year: int, today: date) -> tuple[Decimal, Decimal]:
    """Shares disbursed and spent: a later year looks like the article year as old."""
    return EXECUTION.get(year) or EXECUTION[max(2021, 2023 - (today.year - year))]


ENTERPRISES = 60
IN_PLACE_YUAN = Decimal(3_591_000_000)  # 35.91亿元


def demo_load(pairings) -> str:
    with transaction.atomic():
        rng = random.Random(504)  # noqa: S311 - the same demo every time, not a secret
        today = timezone.localdate()
        finance = _organization("中山市财政局", OrganizationKind.GOVERNMENT, "442000")
        allocated = _allocations(pairings, today)
        entries, funded = _transactions(pairings, finance, rng, today)
        parks = _parks(pairings)
        enterprises, in_place = _investments(pairings, parks, rng)
        donations = _donations(pairings)
        consumption = _consumption(pairings, today)
    return (
        f"fiscal aid {format_money(allocated)} in 2021–2023, "
        f"{entries} transactions on {funded} projects, "
        f"{enterprises} enterprises with {format_money(in_place)} in place, {parks_count(parks)}, "
        f"donations {format_money(donations)}, consumption support {format_money(consumption)}"
    )


def parks_count(parks) -> str:
    kinds = [park.kind for park in parks]
    return (
        f"{kinds.count(ParkKind.AGRICULTURAL)} agricultural + "
        f"{kinds.count(ParkKind.INDUSTRIAL)} industrial parks"
    )


def _organization(name, kind, region_code) -> Organization | None:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return None
    return Organization.objects.get_or_create(name=name, region=region, defaults={"kind": kind})[0]


def split(total: Decimal, weights: list) -> list[Decimal]:
    """``total`` in cents shared by ``weights``; the last share takes the rounding."""
    weights = [Decimal(w) for w in weights]
    whole = sum(weights)
    shares = [(total * w / whole).quantize(CENT, ROUND_DOWN) for w in weights[:-1]]
    return [*shares, total - sum(shares)]


# -- fiscal aid ------------------------------------------------------------------


def _allocations(pairings, today: date) -> Decimal:
    """Every year's allocations; returns the articles' years' total (5.04亿元)."""
    total = Decimal(0)
    for key, years in allocations_wan(today).items():
        pairing = pairings.get(key)
        if pairing is None:
            continue
        for year, wan in years.items():
            amounts = split(wan * WAN, [share for _purpose, share in PURPOSES])
            for number, ((purpose, _share), amount) in enumerate(
                zip(PURPOSES, amounts, strict=True), start=1
            ):
                allocation, _ = FundAllocation.objects.get_or_create(
                    pairing=pairing,
                    year=year,
                    purpose=purpose,
                    defaults={
                        "source_level": SOURCE_LEVEL[key],
                        "amount": amount,
                        "document_reference": f"中协资〔{year}〕{number}号",
                        "allocated_on": date(year, 2, 20),
                    },
                )
                if year in YEARS:
                    total += allocation.amount
    return total


def _transactions(pairings, payer, rng, today: date) -> tuple[int, int]:
    """Commit each pairing-year's allocations to its projects, then disburse and spend.

    Returns how many entries the tree's projects have and on how many projects.
    """
    new_entries = []
    for key in ALLOCATIONS_WAN:
        pairing = pairings.get(key)
        if pairing is None:
            continue
        for year in allocations_wan(today)[key]:
            # A later year draws from a generator of its own: the article years'
            # entries stay the same whichever year the demo is loaded in.
            year_rng = rng if year in YEARS else random.Random(f"{key}-{year}")  # noqa: S311
            projects = list(
                Project.objects.filter(pairing=pairing, year=year)
                .exclude(status=ProjectStatus.CANCELLED)
                .select_related("implementing_organization")
                .order_by("code", "pk")
            )
            if not projects or FundTransaction.objects.filter(project__in=projects).exists():
                continue  # no projects yet, or loaded before
            allocated = sum(
                FundAllocation.objects.filter(pairing=pairing, year=year).values_list(
                    "amount", flat=True
                ),
                Decimal(0),
            )
            weights = [project.budget if project.budget > 0 else 1 for project in projects]
            for project, committed in zip(projects, split(allocated, weights), strict=True):
                new_entries += _project_entries(
                    project, committed, payer, year, year_rng, execution(year, today), today
                )
    FundTransaction.objects.bulk_create(new_entries, batch_size=1000)
    tree = [pairing for key in ALLOCATIONS_WAN if (pairing := pairings.get(key)) is not None]
    entries = FundTransaction.objects.filter(project__pairing__in=tree, project__year__in=YEARS)
    return entries.count(), entries.values("project").distinct().count()


def _project_entries(
    project, committed, payer, year, rng, shares, today: date
) -> list[FundTransaction]:
    """A commitment, one or two disbursements and a few expenditures; stages never overtake.

    None is dated after ``today`` (the current year's projects are under way).
    """
    disbursed_share, spent_share = shares
    disbursed = min(committed, _vary(committed * disbursed_share, rng))
    spent = min(disbursed, _vary(committed * spent_share, rng))
    start = date(year, 3, 1) + timedelta(days=rng.randrange(0, 90))

    def entry(kind, amount, day, voucher):
        return FundTransaction(
            project=project,
            kind=kind,
            amount=amount,
            date=min(day, today),
            payer=payer,
            payee=project.implementing_organization,
            voucher_number=voucher,
        )

    entries = [entry(TransactionKind.COMMITMENT, committed, start, f"中协资〔{year}〕下达")]
    for index, amount in enumerate(split(disbursed, [3, 2]) if disbursed else []):
        day = start + timedelta(days=30 + 120 * index)
        entries.append(entry(TransactionKind.DISBURSEMENT, amount, day, f"拨-{project.pk}-{index}"))
    for index, amount in enumerate(split(spent, [2, 3, 2]) if spent else []):
        day = start + timedelta(days=60 + 100 * index)
        entries.append(entry(TransactionKind.EXPENDITURE, amount, day, f"支-{project.pk}-{index}"))
    return [e for e in entries if e.amount > 0]


def _vary(amount: Decimal, rng) -> Decimal:
    """±8 % per project, so the rates differ as real ones do."""
    factor = Decimal(rng.randint(92, 108)) / 100
    return (amount * factor).quantize(CENT, ROUND_DOWN)


# -- parks and investment ---------------------------------------------------------

# (name, kind, pairing key, region code, opened)
PARKS = (
    (
        "六枝特区粤黔协作现代农业产业园",
        ParkKind.AGRICULTURAL,
        "zs-lps",
        "520203",
        date(2021, 9, 18),
    ),
    ("水城区猕猴桃现代农业产业园", ParkKind.AGRICULTURAL, "zsg-sc", "520204", date(2022, 4, 26)),
    ("盘州市刺梨现代农业产业园", ParkKind.AGRICULTURAL, "zs-lps", "520281", date(2022, 10, 12)),
    ("中山·六盘水产业园(钟山)", ParkKind.INDUSTRIAL, "zs-lps", "520201", date(2021, 12, 8)),
    ("中山火炬(水城)共建产业园", ParkKind.INDUSTRIAL, "zsg-sc", "520204", date(2022, 6, 30)),
    ("盘州粤黔协作工业园", ParkKind.INDUSTRIAL, "zs-lps", "520281", date(2023, 5, 16)),
)


def _parks(pairings) -> list[Park]:
    parks = []
    for name, kind, key, code, opened in PARKS:
        pairing = pairings.get(key)
        region = Region.objects.filter(code=code).first()
        if pairing is None or region is None:
            continue
        park, _ = Park.objects.get_or_create(
            pairing=pairing,
            name=name,
            defaults={"kind": kind, "region": region, "opened_on": opened},
        )
        parks.append(park)
    return parks


# Fictional enterprise names: a made-up brand, then the trade.
BRANDS = (
    "粤黔",
    "香山",
    "岐江",
    "五桂",
    "翠亨",
    "凤鸣",
    "榄溪",
    "金钟",
    "乌蒙",
    "凉都",
    "南朗",
    "东凤",
)
TRADES = (
    ("食品", "农产品加工"),
    ("电器", "家电制造"),
    ("灯饰", "照明灯具"),
    ("纺织", "纺织服装"),
    ("农业", "现代农业"),
    ("新能源", "新能源"),
    ("生物医药", "中药材"),
    ("茶业", "茶产业"),
    ("家居", "家具制造"),
    ("文旅", "文化旅游"),
)
ZHONGSHAN_TOWNS = ("442000001", "442000003", "442000101", "442000103", "442000105", "442000118")


def _investments(pairings, parks, rng) -> tuple[int, Decimal]:
    """60 enterprises, one agreement each (20 a year, 2021–2023), 35.91亿 in place by 2023."""
    city, county = pairings.get("zs-lps"), pairings.get("zsg-sc")
    if city is None:
        return 0, Decimal(0)
    weights = [
        rng.choice((1, 1, 2, 3, 5, 8, 13)) * rng.randint(70, 130) for _ in range(ENTERPRISES)
    ]
    in_place_amounts = [_whole_wan(a) for a in split(IN_PLACE_YUAN, weights)]
    in_place_amounts[-1] += IN_PLACE_YUAN - sum(in_place_amounts)  # keep the total exact
    agreement_years = _agreement_years(in_place_amounts)
    investments, tranches = [], []
    for index, in_place in enumerate(in_place_amounts):
        brand = BRANDS[index % len(BRANDS)]
        trade, industry = TRADES[(index * 7) % len(TRADES)]
        enterprise = _organization(
            f"中山市{brand}{trade}{'科技' if index % 2 else '实业'}有限公司",
            OrganizationKind.ENTERPRISE,
            ZHONGSHAN_TOWNS[index % len(ZHONGSHAN_TOWNS)],
        ) or _organization(f"中山市{brand}{trade}有限公司", OrganizationKind.ENTERPRISE, "442000")
        pairing = county if county is not None and index % 5 == 0 else city
        agreed_on = date(agreement_years[index], 1 + index % 11, 10)
        park = _park_for(parks, pairing, index)
        investment, created = Investment.objects.get_or_create(
            enterprise=enterprise,
            pairing=pairing,
            name=f"{industry}项目",
            defaults={
                "industry": industry,
                "park": park,
                "amount_agreed": in_place + _whole_wan(in_place * rng.randint(0, 30) / 100),
                "agreed_on": agreed_on,
                "amount_in_place": in_place,
            },
        )
        investments.append(investment)
        if created:
            tranches += _tranches(investment, in_place, agreed_on)
    InvestmentTranche.objects.bulk_create(tranches)
    total = sum((i.amount_in_place for i in investments), Decimal(0))
    return len({i.enterprise_id for i in investments}), total


def _agreement_years(amounts: list[Decimal]) -> list[int]:
    """The year each investment is agreed: 20 a year, the money shared as the targets grow.

    The article gives only the three-year totals (60 enterprises, 35.91亿元 in
    place by late 2023). Dealing the largest investments first to the year
    furthest below its share (5 % more each year, as the agreements' targets
    grow) spreads the money over the years instead of piling it up in 2023.
    """
    per_year = len(amounts) // len(YEARS)
    growth = [Decimal("1.05") ** number for number in range(len(YEARS))]
    shares = dict(zip(YEARS, split(sum(amounts), growth), strict=True))
    dealt = dict.fromkeys(YEARS, Decimal(0))
    taken = dict.fromkeys(YEARS, 0)
    years = [0] * len(amounts)
    for index in sorted(range(len(amounts)), key=lambda i: (-amounts[i], i)):
        open_years = [year for year in YEARS if taken[year] < per_year] or list(YEARS)
        year = max(open_years, key=lambda y: (shares[y] - dealt[y], -y))
        years[index] = year
        dealt[year] += amounts[index]
        taken[year] += 1
    return years


def _whole_wan(amount: Decimal) -> Decimal:
    """Rounded down to whole 万元, as agreements and reports state them."""
    return (amount / WAN).quantize(Decimal(1), ROUND_DOWN) * WAN


def _park_for(parks, pairing, index) -> Park | None:
    """About half the investments settle in a park of their own pairing."""
    own = [park for park in parks if park.pairing_id == pairing.pk]
    return own[index % len(own)] if own and index % 2 == 0 else None


def _tranches(investment, in_place, agreed_on) -> list[InvestmentTranche]:
    """In place in up to three instalments, within the year of the agreement."""
    last_day = date(agreed_on.year, 12, 31)
    days_left = (last_day - agreed_on).days
    count = 1 if days_left < 90 else (2 if days_left < 200 else 3)
    amounts = split(in_place, [5, 3, 2][:count])
    return [
        InvestmentTranche(
            investment=investment,
            date=agreed_on + timedelta(days=days_left * (number + 1) // (count + 1)),
            amount=amount,
            note="资金到位" if number == 0 else "追加到位",
        )
        for number, amount in enumerate(amounts)
    ]


# -- social support and consumption ----------------------------------------------


def _donations(pairings) -> Decimal:
    """Qixingguan's 1000万+ (the named gifts from the seeds among them), Nansha's 101万."""
    shahe = _organization("天河区沙河街道办事处", OrganizationKind.TOWN, "440106004")
    # (pairing key, date, kind, donor name or organisation, recipient, amount 万元, items, purpose)
    gifts = [
        ("th-xqg", date(2022, 3, 8), DonationKind.IN_KIND, "广州爱心企业(校服捐赠)",
         "青场镇青松村幸福小学", 27, "校服", "改善偏远学校教学条件"),
        ("th-xqg", date(2022, 3, 8), DonationKind.IN_KIND, "广州爱心企业(书包捐赠)",
         "青场镇青松村幸福小学", 8, "书包、文具", "改善偏远学校教学条件"),
        ("th-xqg", date(2022, 5, 20), DonationKind.CASH, shahe,
         "七星关区教育局", 13, "", "“工匠杯”教师技能大赛及教育帮扶"),
        ("th-xqg", date(2022, 9, 1), DonationKind.IN_KIND, "广州某家具企业",
         "长春堡镇王丰小学", 16, "课桌椅", "助学"),
        ("th-xqg", date(2021, 11, 15), DonationKind.CASH, "天河区慈善会",
         "七星关区乡村振兴局", 320, "", "产业帮扶与助学"),
        ("th-xqg", date(2022, 6, 18), DonationKind.CASH, "广州天河商会",
         "七星关区乡村振兴局", 260, "", "帮扶车间建设"),
        ("th-xqg", date(2022, 12, 2), DonationKind.IN_KIND, "天河区卫生健康系统",
         "七星关区人民医院", 145, "医疗设备", "医疗帮扶"),
        ("th-xqg", date(2023, 4, 10), DonationKind.CASH, "广州某科技企业",
         "七星关区教育局", 180, "", "助学金"),
        ("th-xqg", date(2023, 8, 28), DonationKind.IN_KIND, "天河区爱心人士",
         "七星关区各乡镇学校", 66, "图书、冬衣", "关爱留守儿童"),
        ("ns-gd", date(2018, 10, 16), DonationKind.CASH, "南沙区委统战部、区工商联",
         "贵定县", 101, "", "对口支援贵定县脱贫攻坚社会扶贫工作"),
    ]  # fmt: skip
    total = Decimal(0)
    for key, day, kind, donor, recipient, wan, items, purpose in gifts:
        pairing = pairings.get(key)
        if pairing is None:
            continue
        by_organization = isinstance(donor, Organization)
        donation, _ = Donation.objects.get_or_create(
            pairing=pairing,
            date=day,
            donor_name="" if by_organization else donor,
            recipient_name=recipient,
            defaults={
                "kind": kind,
                "donor_organization": donor if by_organization else None,
                "amount": Decimal(wan) * WAN,
                "items": items,
                "purpose": purpose,
            },
        )
        total += donation.amount
    return total


# Beyond the articles: each later year's purchases by 中山's canteens (万元), as
# modest as the article years' (projects.demo.ZS_LATER_*).
LATER_CONSUMPTION_WAN = 1_800


def _consumption(pairings, today: date) -> Decimal:
    # (pairing key, kind, channel, product, amount 万元, year, month)
    sales = [
        (
            "gz-qn",
            ConsumptionKind.SOLD,
            "广州海珠区“黔货出山”展销门店",
            "瓮安特产(茶叶、辣椒、土鸡)",
            86,
            2019,
            None,
        ),
        (
            "gz-qn",
            ConsumptionKind.SOLD,
            "广州海珠区“黔货出山”展销门店",
            "瓮安特产(茶叶、辣椒、土鸡)",
            142,
            2020,
            None,
        ),
        # 消费协作 from the first year (the article: "持续深化产业、劳务、消费、
        # 教育、医疗等各领域协作"); the yearly amounts are illustrative.
        (
            "zs-lps",
            ConsumptionKind.PURCHASED,
            "中山市机关单位食堂",
            "六盘水刺梨、猕猴桃",
            2100,
            2021,
            None,
        ),
        (
            "zs-lps",
            ConsumptionKind.PURCHASED,
            "中山市机关单位食堂",
            "六盘水刺梨、猕猴桃",
            1860,
            2022,
            None,
        ),
        (
            "zs-lps",
            ConsumptionKind.PURCHASED,
            "中山市机关单位食堂",
            "六盘水刺梨、猕猴桃",
            2240,
            2023,
            None,
        ),
        (
            "zs-lps",
            ConsumptionKind.SOLD,
            "中山“凉都好物”展销中心",
            "六盘水茶叶、小黄姜",
            930,
            2023,
            9,
        ),
    ]
    sales += [
        (
            "zs-lps",
            ConsumptionKind.PURCHASED,
            "中山市机关单位食堂",
            "六盘水刺梨、猕猴桃",
            LATER_CONSUMPTION_WAN,
            year,
            None,
        )
        for year in zs_later_years(today)
    ]
    total = Decimal(0)
    for key, kind, channel, product, wan, year, month in sales:
        pairing = pairings.get(key)
        if pairing is None:
            continue
        row, _ = ConsumptionSupport.objects.get_or_create(
            pairing=pairing,
            channel=channel,
            year=year,
            month=month,
            defaults={"kind": kind, "product": product, "amount": Decimal(wan) * WAN},
        )
        total += row.amount
    return total
