"""A deterministic national dataset: real regions, East–West pairings and millions of records.

``NationalDataset(scale=1.0).load()`` fills an empty database (regions
loaded) with about 2,000 pairings under eleven real East–West province
pairings, 8k organisations, 100k people, 300k deployments, 2k teams with
100k members, 3M check-ins, 200k projects, 2.4M fund transactions and
proportionate rows for every other list. Every row keeps the models' rules
(checksummed ID and credit codes, non-overlapping deployments, children
within their parent pairing's sides and period, 0 ≤ spent ≤ disbursed ≤
committed per project, commitments within a pairing-year's allocations,
statuses matching their dates …); tests/scale checks a sample with
``full_clean``.

Each table has its own seeded random generator, so the data depend only on
``seed``, ``scale`` and ``as_of``: the same command gives the same rows.
Ids are assigned here (the database is empty), which lets later tables
refer to earlier ones without reading them back.
"""

import random
import time
from bisect import bisect_right
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import connection

from aidtrack.core.scale.copying import TableCopy
from cadres.validators import id_number_check_character
from pairings.validators import credit_code_check_character

# Real East–West cooperation pairs (helping province → helped province) and how
# many pairings lie below each at scale 1 (广东→贵州: 437, as in the issue).
PROVINCE_PAIRS = (
    ("440000", "520000", 437),  # 广东 → 贵州
    ("330000", "510000", 260),  # 浙江 → 四川
    ("310000", "530000", 260),  # 上海 → 云南
    ("320000", "610000", 200),  # 江苏 → 陕西
    ("110000", "150000", 200),  # 北京 → 内蒙古
    ("370000", "620000", 150),  # 山东 → 甘肃
    ("440000", "450000", 150),  # 广东 → 广西
    ("120000", "620000", 120),  # 天津 → 甘肃
    ("350000", "640000", 80),  # 福建 → 宁夏
    ("370000", "500000", 80),  # 山东 → 重庆
    ("320000", "630000", 52),  # 江苏 → 青海
)

# Row counts at scale 1 (the national sizes, and proportionate ones).
SIZES = {
    "organizations": 8_000,
    "people": 100_000,
    "deployments": 300_000,
    "teams": 2_000,
    "team_members": 100_000,
    "check_ins": 3_000_000,
    "projects": 200_000,
    "fund_transactions": 2_400_000,
    "needs": 40_000,
    "donations": 30_000,
    "parks": 600,
    "investments": 10_000,
    "consumption": 48_000,
    "leave_requests": 12_000,
    "mentorships": 15_000,
    "awards": 10_000,
    "care_records": 30_000,
}

FIRST_YEAR = 2021  # the current East–West arrangement began in 2021
DEFAULT_AS_OF = date(2026, 11, 30)
DEFAULT_SEED = 2021
PASSWORD = "scale-2026"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国志新春晓东海波宁梅兰云峰亮林斌宇浩凯琳雪慧婷倩颖欣怡晨阳鑫博文嘉瑞"  # noqa: E501
VILLAGE_WORDS = "石桥河坝坪岩湾沟寨田坡岭冲溪塘山林"
POSTS = (
    "副县长",
    "县委常委、副县长",
    "乡村振兴局副局长",
    "副校长",
    "副院长",
    "科主任",
    "驻村第一书记",
    "工业园区副主任",
    "农业农村局副局长",
)  # noqa: E501
TITLES = ("主任医师", "副主任医师", "高级教师", "一级教师", "高级农艺师", "工程师", "")
RANKS = ("二级调研员", "四级调研员", "一级主任科员", "副处级", "正科级", "")
PROJECT_WORDS = (
    "蔬菜基地",
    "茶叶加工厂",
    "食用菌大棚",
    "肉牛养殖场",
    "帮扶车间",
    "村道硬化",
    "饮水工程",
    "卫生室",
    "教学楼",
    "电商服务站",
    "冷链仓储",
    "技能培训",
)  # noqa: E501
PRODUCTS = ("茶叶", "辣椒", "猕猴桃", "牛肉", "菌菇", "土豆", "核桃", "蜂蜜", "大米", "中药材")
INDUSTRIES = ("农产品加工", "纺织服装", "电子组装", "文化旅游", "新能源", "食品饮料", "现代物流")
CARE_NOTES = ("年度体检", "意外伤害保险", "家属慰问", "谈心谈话", "节日走访")
SUBJECTS = (
    "心内科介入",
    "小学数学教学",
    "果树栽培",
    "急诊急救",
    "电商运营",
    "畜牧兽医",
    "骨科手术",
)
AWARD_TITLES = (
    "东西部协作工作突出个人",
    "担当作为先进个人",
    "优秀援派干部",
    "优秀共产党员",
    "先进工作者",
)
REASONS = ("家中有事", "回原单位述职", "参加培训", "身体不适", "子女升学")

PERSON_SPECIALTIES = {
    "school": ("education",),
    "hospital": ("medical",),
    "government": ("economy", "agriculture", "party_building", "social_governance", "housing"),
}
KIND_DAYS = {"long_term": (365, 1095), "short_term": (60, 365), "training": (20, 120)}
TEAM_KINDS = ("front_working_group", "education_team", "medical_team", "science_mission", "other")
TEAM_NAMES = {
    "front_working_group": "前方工作组",
    "education_team": "组团式教育帮扶团队",
    "medical_team": "组团式医疗帮扶团队",
    "science_mission": "科技特派团",
    "other": "产业帮扶工作队",
}


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class Pairing:
    __slots__ = (
        "id",
        "level",
        "parent",
        "helping",
        "helped",
        "helping_org",
        "helped_org",
        "start",
        "end",
        "root",
        "children",
        "helping_gov",
        "helped_gov",
    )

    def __init__(self, **values):
        self.children = []
        self.helping_org = self.helped_org = self.end = None
        for key, value in values.items():
            setattr(self, key, value)

    def years(self, last_year: int) -> range:
        end_year = date.fromordinal(self.end).year if self.end else last_year
        return range(date.fromordinal(self.start).year, min(end_year, last_year) + 1)

    def subtree(self):
        yield self
        for child in self.children:
            yield from child.subtree()


class NationalDataset:
    """Generates and COPYs the national dataset; ``load()`` runs every table in order."""

    def __init__(self, *, scale: float = 1.0, seed: int = DEFAULT_SEED, as_of=None, log=print):
        self.scale = scale
        self.seed = seed
        self.as_of = as_of or min(DEFAULT_AS_OF, date.today())
        self.today = self.as_of.toordinal()
        self.last_year = self.as_of.year
        self.log = log
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self._dates: dict[int, str] = {}
        # A fixed load time for rows without a date of their own.
        self.loaded_at = f"{self.as_of.isoformat()} 08:00:00+08"

    # -- helpers ------------------------------------------------------------------
    def size(self, name: str) -> int:
        return max(1, round(SIZES[name] * self.scale))

    def rng(self, table: str) -> random.Random:
        return random.Random(f"{self.seed}:{table}")  # noqa: S311 - sample data, not secrets

    def day(self, ordinal: int) -> str:
        text_ = self._dates.get(ordinal)
        if text_ is None:
            text_ = self._dates[ordinal] = date.fromordinal(ordinal).isoformat()
        return text_

    def stamp(self, ordinal: int, hour: int = 9) -> str:
        return f"{self.day(ordinal)} {hour:02d}:00:00+08"

    def ordinal(self, year: int, month: int = 1, day: int = 1) -> int:
        return date(year, month, day).toordinal()

    def copy(self, table: str, columns: str) -> TableCopy:
        return TableCopy(table, tuple(column.strip() for column in columns.split(",")))

    def step(self, name: str, function) -> None:
        started = time.perf_counter()
        rows = function()
        elapsed = time.perf_counter() - started
        self.timings[name] = elapsed
        for table, count in rows.items():
            self.counts[table] = count
        detail = ", ".join(f"{table} {count:,}" for table, count in rows.items())
        self.log(f"{name:<22} {elapsed:7.1f} s  {detail}")

    def load(self) -> dict[str, int]:
        self.step("regions", self.read_regions)
        self.step("users", self.create_users)
        self.step("pairings", self.make_pairings)
        self.step("organisations", self.fill_organizations)
        self.step("write pairings", self.write_pairings)
        self.step("agreements", self.make_agreements)
        self.step("people", self.make_people)
        self.step("deployments", self.make_deployments)
        self.step("teams", self.make_teams)
        self.step("check-ins", self.make_check_ins)
        self.step("people's records", self.make_person_records)
        self.step("projects", self.make_projects)
        self.step("progress updates", self.make_progress_updates)
        self.step("fund transactions", self.make_fund_transactions)
        self.step("allocations", self.make_allocations)
        self.step("outcome reports", self.make_outcome_reports)
        self.step("needs", self.make_needs)
        self.step("non-fiscal funds", self.make_non_fiscal)
        self.step("official grades", self.make_official_grades)
        self.step("attachments", self.make_attachments)
        return self.counts

    # -- regions and users ---------------------------------------------------------
    def read_regions(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, code, name, level, parent_id FROM pairings_region")
            rows = cursor.fetchall()
        self.region = {row[0]: row for row in rows}
        self.region_by_code = {row[1]: row[0] for row in rows}
        self.region_children: dict[int, list[int]] = {}
        for row in sorted(rows, key=lambda r: r[1]):
            if row[4] is not None:
                self.region_children.setdefault(row[4], []).append(row[0])
        return {"pairings_region": len(rows)}

    def children_at(self, region_id: int, level: str) -> list[int]:
        """The regions at ``level`` inside ``region_id`` (its own level counts), by code."""
        if self.region[region_id][3] == level:
            return [region_id]
        found = []
        for child in self.region_children.get(region_id, ()):
            found.extend(self.children_at(child, level))
        return found

    def create_users(self):
        from accounts.choices import Role
        from accounts.models import User

        self.users = {}
        password = make_password(PASSWORD)
        for username, role, full_name in (
            ("scale_admin", Role.ADMINISTRATOR, "国家管理员"),
            ("scale_leader", Role.LEADER, "领导"),
            ("scale_coord_province", Role.COORDINATOR, "广东省协作办"),
            ("scale_coord_city", Role.COORDINATOR, "市协作办"),
            ("scale_reviewer", Role.COORDINATOR, "审核员"),
        ):
            user = User.objects.create(
                username=username,
                role=role,
                full_name=full_name,
                password=password,
                is_superuser=role == Role.ADMINISTRATOR,
                is_staff=role == Role.ADMINISTRATOR,
            )
            self.users[username] = user.pk
        return {"accounts_user": len(self.users)}

    def assign_scopes(self) -> None:
        from accounts.models import User

        root = self.roots[0]  # 广东 → 贵州
        city = max(root.children, key=lambda p: sum(1 for _ in p.subtree()))
        User.objects.get(username="scale_coord_province").scope_pairings.set([root.id])
        User.objects.get(username="scale_coord_city").scope_pairings.set([city.id])
        User.objects.get(username="scale_reviewer").scope_pairings.set([root.id])

    # -- organisations -------------------------------------------------------------
    def _new_org(self, name: str, kind: str, region_id: int, department: str) -> int:
        """An organisation with a unique name in its region and a checksummed credit code."""
        org_id = len(self.orgs) + 1
        code = self.region[region_id][1][:6]
        first17 = f"{department}{code}{org_id:09d}"
        credit = first17 + credit_code_check_character(first17)
        self.orgs.append((org_id, name, kind, region_id, credit))
        self.org_region[org_id] = region_id
        self.org_kind[org_id] = kind
        return org_id

    def gov_org(self, region_id: int) -> int:
        org_id = self.gov.get(region_id)
        if org_id is None:
            org_id = self.gov[region_id] = self._new_org(
                f"{self.region[region_id][2]}人民政府", "government", region_id, "11"
            )
        return org_id

    def institution(self, region_id: int, kind: str) -> int:
        number = self.institution_numbers[(region_id, kind)] = (
            self.institution_numbers.get((region_id, kind), 0) + 1
        )
        county = self.region[region_id][2]
        name = f"{county}第{number}中学" if kind == "school" else f"{county}第{number}人民医院"
        return self._new_org(name, kind, region_id, "12")

    # -- pairings --------------------------------------------------------------------
    def make_pairings(self):
        rng = self.rng("pairings")
        self.orgs, self.org_region, self.org_kind = [], {}, {}
        self.gov, self.institution_numbers = {}, {}
        self.pairings: list[Pairing] = []
        self.roots: list[Pairing] = []
        start = self.ordinal(FIRST_YEAR)
        for helping_code, helped_code, below in PROVINCE_PAIRS:
            root = self._pairing(
                "province",
                None,
                self.region_by_code[helping_code],
                self.region_by_code[helped_code],
                start,
            )
            self.roots.append(root)
            self._grow_tree(rng, root, max(3, round(below * self.scale)))
        return {"pairings (planned)": len(self.pairings)}

    def _pairing(self, level, parent, helping, helped, start, *, orgs=(None, None)) -> Pairing:
        pairing = Pairing(
            id=len(self.pairings) + 1,
            level=level,
            parent=parent,
            helping=helping,
            helped=helped,
            helping_org=orgs[0],
            helped_org=orgs[1],
            start=start,
            root=parent.root if parent else None,
            helping_gov=orgs[0] or self.gov_org(helping),
            helped_gov=orgs[1] or self.gov_org(helped),
        )
        if parent is None:
            pairing.root = pairing
        else:
            parent.children.append(pairing)
        self.pairings.append(pairing)
        return pairing

    def _grow_tree(self, rng, root: Pairing, below: int) -> None:
        """Prefecture pairings, county pairings below them, institution pairings below those."""
        helping_prefs = self.children_at(root.helping, "prefecture")
        helped_prefs = self.children_at(root.helped, "prefecture")
        n_pref = max(1, min(len(helped_prefs), round(below * 0.03)))
        n_county = max(1, round(below * 0.17))
        prefs = []
        for i in range(n_pref):
            pair = (helping_prefs[i % len(helping_prefs)], helped_prefs[i])
            prefs.append(self._pairing("prefecture", root, *pair, root.start + 59))
        counties, used = [], set()
        for i in range(n_county):
            pref = prefs[i % len(prefs)]
            # A prefecture-level city without counties (东莞, 中山) pairs as itself.
            helping = self.children_at(pref.helping, "county") or [pref.helping]
            helped = self.children_at(pref.helped, "county") or [pref.helped]
            for attempt in range(len(helping) * len(helped)):
                k = i // len(prefs) + attempt
                pair = (helping[(k + k // len(helped)) % len(helping)], helped[k % len(helped)])
                if pair not in used:
                    break
            else:
                continue
            used.add(pair)
            begins = pref.start + 31 + rng.randrange(200)
            counties.append(self._pairing("county", pref, *pair, begins))
        for i in range(max(0, below - n_pref - len(counties))):
            county = counties[i % len(counties)]
            kind = "school" if i % 2 == 0 else "hospital"
            orgs = (self.institution(county.helping, kind), self.institution(county.helped, kind))
            begins = county.start + 30 + rng.randrange(700)
            pairing = self._pairing(
                "institution", county, county.helping, county.helped, begins, orgs=orgs
            )
            if rng.random() < 0.03 and begins + 400 < self.today:
                pairing.end = min(self.today - 1, begins + 365 + rng.randrange(500))

    def fill_organizations(self):
        """Enterprises up to the organisations' size, in the helping and helped counties."""
        rng = self.rng("organizations")
        counties = sorted(
            {p.helping for p in self.pairings if p.level == "county"}
            | {p.helped for p in self.pairings if p.level == "county"}
        )
        self.enterprises_by_region: dict[int, list[int]] = {}
        self.enterprises = []
        words = ("兴农", "东西", "协作", "山海", "振兴", "绿源", "富民", "同心", "黔粤", "丰泽")
        target = max(self.size("organizations"), len(self.orgs) + len(counties))
        i = 0
        while len(self.orgs) < target:
            region_id = counties[i % len(counties)]
            word = words[rng.randrange(len(words))]
            name = f"{self.region[region_id][2]}{word}{INDUSTRIES[i % len(INDUSTRIES)]}有限公司{i}"
            org_id = self._new_org(name, "enterprise", region_id, "91")
            self.enterprises.append(org_id)
            self.enterprises_by_region.setdefault(region_id, []).append(org_id)
            i += 1
        with self.copy(
            "pairings_organization",
            "id, name, kind, region_id, credit_code, notes, created_at, updated_at",
        ) as out:
            for org_id, name, kind, region_id, credit in self.orgs:
                out.add((org_id, name, kind, region_id, credit, "", self.loaded_at, self.loaded_at))
        return {"pairings_organization": out.rows}

    def write_pairings(self):
        with self.copy(
            "pairings_pairing",
            "id, helping_region_id, helped_region_id, helping_organization_id, "
            "helped_organization_id, programme, level, parent_id, start_date, end_date, status, "
            "notes, created_at, updated_at",
        ) as out:
            for p in self.pairings:
                out.add(
                    (
                        p.id,
                        p.helping,
                        p.helped,
                        p.helping_org,
                        p.helped_org,
                        "east_west",
                        p.level,
                        p.parent.id if p.parent else None,
                        self.day(p.start),
                        self.day(p.end) if p.end else None,
                        "ended" if p.end else "active",
                        "",
                        self.stamp(p.start),
                        self.stamp(p.start),
                    )
                )
        self.assign_scopes()
        return {"pairings_pairing": out.rows}

    def make_agreements(self):
        from projects.models import Indicator

        rng = self.rng("agreements")
        self.indicators = list(
            Indicator.objects.filter(computed=False)
            .order_by("code")
            .values_list("id", "code", "name_zh", "unit", "aggregation")
        )
        agreements = self.copy(
            "pairings_agreement",
            "id, pairing_id, year, title, signed_on, reference, attachment, notes, "
            "created_at, updated_at",
        )
        targets = self.copy(
            "pairings_agreementtarget",
            "id, agreement_id, pairing_id, indicator_code, indicator_name, target, unit, "
            "notes, created_at, updated_at",
        )
        with agreements, targets:
            for p in self.pairings:
                if p.level == "institution":
                    continue
                for year in p.years(self.last_year):
                    signed = max(p.start, self.ordinal(year, 2, 1)) + rng.randrange(40)
                    agreement_id = agreements.next_id
                    agreements.add(
                        (
                            agreement_id,
                            p.id,
                            year,
                            f"{year}年度东西部协作协议",
                            self.day(signed),
                            f"协议〔{year}〕{p.id}号",
                            "",
                            "",
                            self.stamp(signed),
                            self.stamp(signed),
                        )
                    )
                    for _id, code, name, unit, _agg in rng.sample(self.indicators, 5):
                        value = 100 if unit == "%" else 50 + rng.randrange(5000)
                        target_id = targets.next_id
                        targets.add(
                            (
                                target_id,
                                agreement_id,
                                p.id,  # the load runs without triggers: aidtrack.core.copies
                                code,
                                name,
                                f"{value}.00",
                                unit,
                                "",
                                self.stamp(signed),
                                self.stamp(signed),
                            )
                        )
        return {"pairings_agreement": agreements.rows, "pairings_agreementtarget": targets.rows}

    # -- people and deployments ------------------------------------------------------
    def make_people(self):
        """People with unique, checksummed ID numbers; each belongs to a leaf pairing."""
        rng = self.rng("people")
        leaves = [p for p in self.pairings if p.level in ("county", "institution")]
        weights = [3 if p.level == "county" else 1 for p in leaves]
        cumulative, total = [], 0
        for w in weights:
            total += w
            cumulative.append(total)
        self.people = []  # (id, home pairing, west_to_east, category)
        seen = set()
        columns = (
            "id, name, gender, birth_date, ethnicity, political_status, education, phone, "
            "id_number, category, specialty, title, rank, home_organization_id, user_id, "
            "created_at, updated_at"
        )
        political = ("party_member",) * 8 + ("masses", "democratic_party", "probationary")
        educations = ("bachelor",) * 4 + ("master",) * 3 + ("doctorate", "college")
        with self.copy("cadres_person", columns) as out:
            for person_id in range(1, self.size("people") + 1):
                home = leaves[bisect_right(cumulative, rng.randrange(total))]
                west_to_east = rng.random() < 0.05
                org = home.helped_gov if west_to_east else home.helping_gov
                kind = self.org_kind[org]
                specialty = rng.choice(PERSON_SPECIALTIES.get(kind, ("economy",)))
                category = "talent" if kind in ("school", "hospital") else "cadre"
                gender = "male" if rng.random() < 0.68 else "female"
                birth = date(1964 + rng.randrange(34), 1 + rng.randrange(12), 1 + rng.randrange(28))
                region_code = self.region[self.org_region[org]][1][:6]
                sequence = rng.randrange(500) * 2 + (1 if gender == "male" else 0)
                first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
                while first17 in seen:
                    sequence = (sequence + 2) % 1000
                    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
                seen.add(first17)
                name = (
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
                )
                self.people.append((person_id, home, west_to_east, category, org))
                out.add(
                    (
                        person_id,
                        name,
                        gender,
                        birth.isoformat(),
                        "汉族" if rng.random() < 0.9 else "苗族",
                        rng.choice(political),
                        rng.choice(educations),
                        f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                        first17 + id_number_check_character(first17),
                        category,
                        specialty,
                        rng.choice(TITLES) if category == "talent" else "",
                        rng.choice(RANKS) if category == "cadre" else "",
                        org,
                        None,
                        self.loaded_at,
                        self.loaded_at,
                    )
                )
        return {"cadres_person": out.rows}

    def make_deployments(self):
        """Each person's terms, latest first, back from today; they never overlap.

        A person is on post today with probability 1/2, has a planned term
        with 1/16; the earlier terms (completed, a few recalled) go back in
        time until the pairing's start.
        """
        rng = self.rng("deployments")
        self.deployments = []  # (id, person, pairing, start, end, status)
        self.by_pairing: dict[int, list[int]] = {}  # pairing id → deployment indexes
        target = self.size("deployments")
        per_person = 1.07 * target / len(self.people)  # some terms stop at the pairing's start
        extensions = self.copy(
            "cadres_deploymentextension",
            "id, deployment_id, previous_end_date, new_end_date, reason, approval_reference, "
            "created_at, updated_at",
        )
        out = self.copy(
            "cadres_deployment",
            "id, person_id, pairing_id, direction, kind, host_organization_id, post, start_date, "
            "planned_end_date, actual_end_date, status, notes, created_at, updated_at",
        )
        kinds = ("long_term",) * 2 + ("short_term",) * 4 + ("training",) * 3
        with out, extensions:
            for person_id, home, west_to_east, _category, _org in self.people:
                wanted = max(1, round(per_person + rng.uniform(-1.5, 1.5)))
                cursor_day = self.today
                roll = rng.random()
                for n in range(wanted):
                    pairing = home.parent if (rng.random() < 0.2 and home.parent) else home
                    kind = rng.choice(kinds)
                    low, high = KIND_DAYS[kind]
                    length = low + rng.randrange(high - low)
                    if n == 0 and roll < 0.0625:  # planned: starts soon
                        start = self.today + 10 + rng.randrange(120)
                        status, actual = "planned", None
                    elif n == 0 and roll < 0.56:  # on post today
                        start = self.today - rng.randrange(min(length - 1, 700)) - 1
                        length = max(length, self.today - start + 15)
                        status, actual = "on_post", None
                    else:  # ended before the cursor
                        end = cursor_day - 1 - rng.randrange(60)
                        start = end - length
                        if rng.random() < 0.03:
                            status, actual = "recalled", start + max(1, length // 2)
                        else:
                            status, actual = "completed", end
                    if start < pairing.start or (pairing.end and start + length > pairing.end):
                        break
                    planned_end = start + length
                    deployment_id = len(self.deployments) + 1
                    if west_to_east:
                        direction, host = "west_to_east", pairing.helping_gov
                    else:
                        direction, host = "east_to_west", pairing.helped_org or pairing.helped_gov
                    post = self.orgs[host - 1][1] + rng.choice(POSTS)
                    out.add(
                        (
                            deployment_id,
                            person_id,
                            pairing.id,
                            direction,
                            kind,
                            host,
                            post,
                            self.day(start),
                            self.day(planned_end),
                            self.day(actual) if actual else None,
                            status,
                            "",
                            self.stamp(min(start, self.today)),
                            self.stamp(min(start, self.today)),
                        )
                    )
                    if kind == "long_term" and rng.random() < 0.08 and length > 400:
                        extensions.add(
                            (
                                extensions.next_id,
                                deployment_id,
                                self.day(planned_end - 180),
                                self.day(planned_end),
                                "工作需要延期一期",
                                f"组干〔{date.fromordinal(start).year}〕{deployment_id}号",
                                self.stamp(min(start + 200, self.today)),
                                self.stamp(min(start + 200, self.today)),
                            )
                        )
                    index = len(self.deployments)
                    self.deployments.append(
                        (deployment_id, person_id, pairing, start, actual or planned_end, status)
                    )
                    self.by_pairing.setdefault(pairing.id, []).append(index)
                    cursor_day = start
        return {"cadres_deployment": out.rows, "cadres_deploymentextension": extensions.rows}

    def make_teams(self):
        """Teams on prefecture and county pairings; members are people deployed below them."""
        rng = self.rng("teams")
        team_pairings = [p for p in self.pairings if p.level in ("prefecture", "county")]
        per_pairing = self.size("teams") / len(team_pairings)
        member_target = self.size("team_members") / self.size("teams")
        self.teams = []  # (id, pairing, [(person, joined, left)])
        teams = self.copy(
            "cadres_team",
            "id, pairing_id, kind, name, host_organization_id, start_date, end_date, notes, "
            "created_at, updated_at",
        )
        members = self.copy(
            "cadres_teammember",
            "id, team_id, pairing_id, person_id, role, subgroup, joined_on, left_on, "
            "created_at, updated_at",
        )
        carry = 0.0
        with teams, members:
            for pairing in team_pairings:
                carry += per_pairing
                count, carry = int(carry), carry - int(carry)
                below = [i for p in pairing.subtree() for i in self.by_pairing.get(p.id, ())]
                for k in range(count):
                    kind = TEAM_KINDS[k % len(TEAM_KINDS)]
                    team_id = len(self.teams) + 1
                    name = f"{self.region[pairing.helped][2]}{TEAM_NAMES[kind]}"
                    if k >= len(TEAM_KINDS):
                        name += f"(第{k // len(TEAM_KINDS) + 1}批)"
                    teams.add(
                        (
                            team_id,
                            pairing.id,
                            kind,
                            name,
                            pairing.helped_gov,
                            self.day(pairing.start),
                            None,
                            "",
                            self.stamp(pairing.start),
                            self.stamp(pairing.start),
                        )
                    )
                    chosen, people = [], set()
                    wanted = round(member_target * rng.uniform(0.5, 1.5))
                    for index in rng.sample(below, min(len(below), wanted * 2)):
                        deployment = self.deployments[index]
                        if deployment[1] in people or deployment[5] == "planned":
                            continue
                        people.add(deployment[1])
                        current = deployment[5] == "on_post"
                        joined = max(deployment[3], pairing.start)
                        chosen.append((deployment[1], joined, None if current else deployment[4]))
                        if len(chosen) >= wanted:
                            break
                    leader = next((i for i, m in enumerate(chosen) if m[2] is None), None)
                    for i, (person_id, joined, left) in enumerate(chosen):
                        role = "leader" if i == leader else ("deputy" if i % 17 == 1 else "member")
                        members.add(
                            (
                                members.next_id,
                                team_id,
                                pairing.id,  # the load runs without triggers: aidtrack.core.copies
                                person_id,
                                role,
                                "",
                                self.day(joined),
                                self.day(left) if left else None,
                                self.stamp(min(joined, self.today)),
                                self.stamp(min(joined, self.today)),
                            )
                        )
                    self.teams.append((team_id, pairing, chosen))
        return {"cadres_team": teams.rows, "cadres_teammember": members.rows}

    def make_check_ins(self):
        """Morning and evening reports of the people on post, over the last weeks, some missed."""
        rng = self.rng("check_ins")
        on_post = [d for d in self.deployments if d[5] == "on_post"]
        # Those who arrived within the window check in fewer days: 20 % more days make up for it.
        days = max(1, round(1.2 * self.size("check_ins") / (max(1, len(on_post)) * 2 * 0.92)))
        columns = (
            "id, person_id, home_organization_id, date, slot, state, note, recorded_at, "
            "created_at, updated_at"
        )
        row_id = 0
        random_ = rng.random
        with self.copy("cadres_checkin", columns) as out:
            for _id, person_id, _pairing, start, _end, _status in on_post:
                # The load runs without triggers: it writes the copy itself (core.copies).
                home = self.home_organization(person_id)
                for ordinal in range(max(start, self.today - days + 1), self.today + 1):
                    day = self.day(ordinal)
                    for slot, hour in (("morning", "07"), ("evening", "21")):
                        if random_() < 0.08:
                            continue
                        row_id += 1
                        roll = random_()
                        state, note = (
                            ("well", "")
                            if roll < 0.97
                            else ("unwell", "感冒发烧")
                            if roll < 0.995
                            else ("needs_help", "请求协助")
                        )
                        at = f"{day} {hour}:{row_id % 60:02d}:00+08"
                        out.add_line(
                            f"{row_id}\t{person_id}\t{home}\t{day}\t{slot}\t{state}\t{note}\t"
                            f"{at}\t{at}\t{at}"
                        )
        return {"cadres_checkin": out.rows}

    def home_organization(self, person_id: int) -> int:
        """The person's home organisation: people are written with ids 1, 2, … in order."""
        return self.people[person_id - 1][4]

    def make_person_records(self):
        """Leave requests, mentorships, awards and care records."""
        rng = self.rng("person_records")
        reviewer = self.users["scale_coord_province"]
        leave = self.copy(
            "cadres_leaverequest",
            "id, person_id, team_id, pairing_id, start_date, end_date, reason, status, "
            "decided_by_id, decided_at, decision_comment, created_at, updated_at",
        )
        with leave:
            memberships = [(t[0], t[1], m) for t in self.teams for m in t[2]]
            for i in range(min(self.size("leave_requests"), len(memberships))):
                team_id, pairing, (person_id, joined, left) = memberships[
                    rng.randrange(len(memberships))
                ]
                last = min(left or self.today + 30, self.today + 30)
                if last - joined < 5:
                    continue
                start = joined + rng.randrange(last - joined - 3)
                end = start + rng.randrange(1, 4)
                if start > self.today - 3 and rng.random() < 0.7:
                    status, by, at, comment = "pending", None, None, ""
                elif rng.random() < 0.88:
                    status, by, at, comment = "approved", reviewer, self.stamp(start - 1, 18), ""
                else:
                    status, by, at = "rejected", reviewer, self.stamp(start - 1, 18)
                    comment = "工作任务重,请调整时间"
                created = self.stamp(min(start - 2, self.today))
                leave.add(
                    (
                        i + 1,
                        person_id,
                        team_id,
                        pairing.id,  # the load runs without triggers: aidtrack.core.copies
                        self.day(start),
                        self.day(end),
                        rng.choice(REASONS),
                        status,
                        by,
                        at,
                        comment,
                        created,
                        created,
                    )
                )
        talents = [d for d in self.deployments if d[5] in ("on_post", "completed")]
        with self.copy(
            "cadres_mentorship",
            "id, mentor_id, home_organization_id, subject, apprentices, goals, start_date, "
            "end_date, created_at, updated_at",
        ) as mentorships:
            for i in range(self.size("mentorships")):
                _id, person_id, pairing, start, end, status = talents[rng.randrange(len(talents))]
                unit = self.orgs[(pairing.helped_org or pairing.helped_gov) - 1][1]
                apprentices = "\\n".join(
                    f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)},{unit}"
                    for _ in range(1 + rng.randrange(3))
                )
                mentorships.add(
                    (
                        i + 1,
                        person_id,
                        self.home_organization(person_id),
                        rng.choice(SUBJECTS),
                        apprentices,
                        "带出一支带不走的队伍",
                        self.day(start),
                        None if status == "on_post" else self.day(end),
                        self.stamp(start),
                        self.stamp(start),
                    )
                )
        with self.copy(
            "cadres_award",
            "id, person_id, home_organization_id, title, level, year, issuer, notes, "
            "created_at, updated_at",
        ) as awards:
            levels = ("national", "provincial", "provincial", "city", "county")
            for i in range(self.size("awards")):
                _id, person_id, _pairing, start, end, _status = talents[rng.randrange(len(talents))]
                year = date.fromordinal(min(end, self.today)).year
                awards.add(
                    (
                        i + 1,
                        person_id,
                        self.home_organization(person_id),
                        rng.choice(AWARD_TITLES),
                        rng.choice(levels),
                        year,
                        "东西部协作领导小组",
                        "",
                        self.loaded_at,
                        self.loaded_at,
                    )
                )
        with self.copy(
            "cadres_carerecord",
            "id, person_id, home_organization_id, kind, date, note, follow_up_date, "
            "created_at, updated_at",
        ) as care:
            kinds = ("health_check", "insurance", "family_support", "psychological", "other")
            for i in range(self.size("care_records")):
                _id, person_id, _pairing, start, end, _status = talents[rng.randrange(len(talents))]
                day = min(start + rng.randrange(max(1, end - start)), self.today)
                follow = day + 30 + rng.randrange(60) if rng.random() < 0.3 else None
                care.add(
                    (
                        i + 1,
                        person_id,
                        self.home_organization(person_id),
                        rng.choice(kinds),
                        self.day(day),
                        rng.choice(CARE_NOTES),
                        self.day(follow) if follow else None,
                        self.stamp(day),
                        self.stamp(day),
                    )
                )
        return {
            "cadres_leaverequest": leave.rows,
            "cadres_mentorship": mentorships.rows,
            "cadres_award": awards.rows,
            "cadres_carerecord": care.rows,
        }

    # -- projects and money --------------------------------------------------------------
    def _status_for(self, rng, year: int) -> str:
        age = self.last_year - year
        roll = rng.random()
        if age >= 2:
            table = (("accepted", 0.8), ("completed", 0.88), ("cancelled", 0.92))
        elif age == 1:
            table = (
                ("accepted", 0.4),
                ("completed", 0.6),
                ("in_progress", 0.9),
                ("cancelled", 0.93),
            )
        else:
            table = (
                ("planned", 0.2),
                ("approved", 0.45),
                ("in_progress", 0.93),
                ("completed", 0.97),
            )
        for status, limit in table:
            if roll < limit:
                return status
        return "in_progress" if age < 2 else "accepted"

    def make_projects(self):
        rng = self.rng("projects")
        weights = {"province": 0.2, "prefecture": 1, "county": 6, "institution": 1}
        slots = [(p, year) for p in self.pairings for year in p.years(self.last_year)]
        total_weight = sum(weights[p.level] for p, _year in slots)
        per_weight = self.size("projects") / total_weight
        self.projects = []  # (id, pairing, year, status, start, end, budget cents, lead, impl)
        self.codes: dict[str, int] = {}
        categories = (
            "industry",
            "labour",
            "training",
            "rural_construction",
            "education",
            "health",
            "consumption",
            "social",
            "digital",
            "other",
        )
        columns = (
            "id, code, name, pairing_id, parent_id, region_id, village, category, year, status, "
            "planned_start_date, planned_end_date, actual_start_date, actual_end_date, budget, "
            "beneficiaries, beneficiaries_formerly_poor, lead_organization_id, "
            "implementing_organization_id, description, accepted_on, cancelled_on, "
            "cancellation_reason, created_at, updated_at"
        )
        counties_of: dict[int, list[int]] = {}
        carry = 0.5  # rounds each pairing-year's share to the nearest whole project
        with self.copy("projects_project", columns) as out:
            for pairing, year in slots:
                carry += weights[pairing.level] * per_weight
                count, carry = int(carry), carry - int(carry)
                counties = counties_of.get(pairing.helped)
                if counties is None:
                    counties = counties_of[pairing.helped] = self.children_at(
                        pairing.helped, "county"
                    )
                for _ in range(count):
                    project = self._project(rng, pairing, year, counties, categories)
                    if project is not None:
                        out.add(project)
        return {"projects_project": out.rows}

    def _project(self, rng, pairing, year, counties, categories):
        status = self._status_for(rng, year)
        year_start = max(self.ordinal(year), pairing.start)
        planned_start = year_start + rng.randrange(120)
        planned_end = planned_start + 90 + rng.randrange(240)
        if pairing.end and planned_end > pairing.end:
            planned_end = max(planned_start, pairing.end)
        actual_start = actual_end = accepted = cancelled = None
        if status in ("in_progress", "completed", "accepted"):
            actual_start = planned_start + rng.randrange(30)
            if actual_start >= self.today:
                status, actual_start = "approved", None
        if status in ("completed", "accepted"):
            actual_end = actual_start + 60 + rng.randrange(max(1, planned_end - actual_start))
            if actual_end >= self.today:
                status, actual_end = "in_progress", None
        if status == "accepted":
            accepted = actual_end + 5 + rng.randrange(60)
            if accepted > self.today:
                status, accepted = "completed", None
        if status == "cancelled":
            cancelled = min(planned_start + rng.randrange(200), self.today)
        region = (
            pairing.helped if self.region[pairing.helped][3] == "county" else rng.choice(counties)
        )
        helped_code = self.region[pairing.helped][1]
        prefix = f"{helped_code}-{year}-"
        number = self.codes[prefix] = self.codes.get(prefix, 0) + 1
        project_id = len(self.projects) + 1
        budget = (50 + rng.randrange(950)) * 1_000_000  # 50万 to 1000万 yuan, in cents
        beneficiaries = rng.randrange(50, 5000)
        village = f"{rng.choice(VILLAGE_WORDS)}{rng.choice(VILLAGE_WORDS)}村"
        lead, implementing = pairing.helping_gov, pairing.helped_org or pairing.helped_gov
        created = self.stamp(min(planned_start - 30, self.today))
        self.projects.append(
            (
                project_id,
                pairing,
                year,
                status,
                actual_start or planned_start,
                actual_end or min(planned_end, self.today),
                budget,
                lead,
                implementing,
            )
        )
        return (
            project_id,
            f"{prefix}{number:03d}",
            f"{village}{rng.choice(PROJECT_WORDS)}项目",
            pairing.id,
            None,
            region,
            village,
            rng.choice(categories),
            year,
            status,
            self.day(planned_start),
            self.day(planned_end),
            self.day(actual_start) if actual_start else None,
            self.day(actual_end) if actual_end else None,
            money(budget),
            beneficiaries,
            beneficiaries * rng.randrange(10, 60) // 100,
            lead,
            implementing,
            "",
            self.day(accepted) if accepted else None,
            self.day(cancelled) if cancelled else None,
            "项目选址调整" if cancelled else "",
            created,
            created,
        )

    def make_progress_updates(self):
        """Projects under way or done report progress, never going back; done ones end at 100 %."""
        rng = self.rng("progress_updates")
        with self.copy(
            "projects_progressupdate",
            "id, project_id, pairing_id, date, percent, note, created_at, updated_at",
        ) as out:
            # The pairing is written here: the load runs without triggers (projects.pairing_copy).
            for project_id, pairing, _year, status, start, end, *_rest in self.projects:
                if status not in ("in_progress", "completed", "accepted"):
                    continue
                last = min(end, self.today)
                span = last - start
                if span < 4:
                    continue
                done = status != "in_progress"
                count = 1 + rng.randrange(3)
                days = sorted(rng.sample(range(start + 1, last), min(count, span - 2)))
                if done:
                    days.append(last)
                percent = 0
                for n, day in enumerate(days):
                    if done and n == len(days) - 1:
                        percent = 100
                    else:
                        percent = min(95, percent + 5 + rng.randrange(40))
                    out.add(
                        (
                            out.next_id,
                            project_id,
                            pairing.id,
                            self.day(day),
                            percent,
                            "按计划推进" if percent < 100 else "已完工",
                            self.stamp(day, 17),
                            self.stamp(day, 17),
                        )
                    )
        return {"projects_progressupdate": out.rows}

    def make_fund_transactions(self):
        """Commitments, then disbursements each followed by the spending they fund.

        In id order (= date order) every prefix keeps 0 ≤ spent ≤ disbursed ≤
        committed, as the service checks on each write. A few projects carry a
        mistaken entry and its reversal. The per pairing-year commitments are
        remembered for the allocations.
        """
        rng = self.rng("fund_transactions")
        self.committed: dict[tuple[int, int], int] = {}
        funded = [p for p in self.projects if p[3] != "planned"]
        full = sum(1 for p in funded if p[3] in ("completed", "accepted"))
        # Entries per project: 2 commitments, ~d disbursements each with ~d spendings.
        target = self.size("fund_transactions") * 1.45  # integer steps fall short of the mean
        per_full = max(5, (target - (len(funded) - full) * 4) / max(1, full))
        disbursements = max(1, round(((per_full - 2) / 2.2) ** 0.5 + 0.5))
        columns = (
            "id, project_id, pairing_id, kind, date, amount, payer_id, payee_id, voucher_number, "
            "note, reverses_id, created_at, updated_at"
        )
        row_id = 0
        with self.copy("funds_fundtransaction", columns) as out:

            def entry(kind, day, cents, payer, payee, reverses=None, note=""):
                nonlocal row_id
                row_id += 1
                day = min(day, self.today)
                at = f"{self.day(day)} 10:00:00+08"
                out.add_line(
                    f"{row_id}\t{project_id}\t{pairing.id}\t{kind}\t{self.day(day)}\t"
                    f"{'-' if cents < 0 else ''}{money(abs(cents))}\t{payer}\t{payee}\t"
                    f"PZ{row_id:09d}\t{note}\t{reverses or chr(92) + 'N'}\t{at}\t{at}"
                )
                return row_id

            # project_id and pairing are read by entry() above (the load runs without
            # triggers, so it writes the project's pairing itself: projects.pairing_copy).
            for project_id, pairing, year, status, start, end, budget, lead, impl in funded:  # noqa: B007
                span = max(1, min(end, self.today) - start)
                key = (pairing.id, year)
                if status == "approved" or status == "cancelled":
                    first = budget // 2 if status == "approved" else budget // 4
                    entry("commitment", start, first, lead, impl)
                    self.committed[key] = self.committed.get(key, 0) + first
                    continue
                complete = status in ("completed", "accepted")
                n_disb = disbursements if complete else max(1, disbursements // 2)
                committed = budget if complete else budget * 6 // 10
                half = committed // 2
                day = start
                entry("commitment", day, half, lead, impl)
                entry("commitment", day + 1, committed - half, lead, impl)
                self.committed[key] = self.committed.get(key, 0) + committed
                disbursed_total = committed * 98 // 100 if complete else committed * 7 // 10
                step = span / (n_disb + 1)
                spent_share = 97 if complete else 60
                last = None
                for d in range(n_disb):
                    day = min(start + 2 + int(step * (d + 1)), self.today)
                    tranche = disbursed_total // n_disb
                    entry("disbursement", day, tranche, lead, impl)
                    spend = tranche * spent_share // 100
                    pieces = rng.randrange(1, n_disb + 2)
                    for _ in range(pieces):
                        last = entry("expenditure", day, spend // pieces, impl, impl)
                if rng.random() < 0.04:  # a mistaken entry, then its reversal
                    if last is not None and rng.random() < 0.5:
                        original_id, cents = last, spend // pieces
                        entry("expenditure", day, -cents, impl, impl, original_id, "冲销重复录入")
                    else:
                        extra = budget // 20
                        original = entry("commitment", day, extra, lead, impl, note="误录")
                        entry("commitment", day, -extra, lead, impl, original, "冲销误录")
                        key_extra = (key, "extra")
                        self.committed[key_extra] = self.committed.get(key_extra, 0) + extra
        return {"funds_fundtransaction": out.rows}

    def make_allocations(self):
        """Each pairing-year's allocation covers its commitments (a few need an over-allocation)."""
        rng = self.rng("allocations")
        admin = self.users["scale_admin"]
        source = {"province": "provincial", "prefecture": "city", "county": "county"}
        allocations = self.copy(
            "funds_fundallocation",
            "id, pairing_id, year, source_level, amount, purpose, document_reference, "
            "allocated_on, created_at, updated_at",
        )
        overs = self.copy(
            "funds_overallocation",
            "id, pairing_id, year, amount, reason, approved_by_id, created_at, updated_at",
        )
        with allocations, overs:
            for p in self.pairings:
                for year in p.years(self.last_year):
                    committed = self.committed.get((p.id, year), 0)
                    peak = committed + self.committed.get(((p.id, year), "extra"), 0)
                    day = max(p.start, self.ordinal(year, 1, 10)) + rng.randrange(60)
                    day = min(day, self.today)
                    amount = (peak * (105 + rng.randrange(30)) // 100) // 100_000 * 100_000
                    amount += 50_000_000  # at least 50万 yuan more than committed
                    over = 0
                    if committed and rng.random() < 0.02:
                        over = amount - committed * 90 // 100
                        amount = committed * 90 // 100
                    parts = [amount] if rng.random() < 0.8 else [amount // 2, amount - amount // 2]
                    for n, part in enumerate(parts):
                        level = "central" if n else source.get(p.level, "county")
                        allocations.add(
                            (
                                allocations.next_id,
                                p.id,
                                year,
                                level,
                                money(part),
                                "产业发展、劳务协作、乡村建设",
                                f"财农〔{year}〕{p.id}号",
                                self.day(day),
                                self.stamp(day),
                                self.stamp(day),
                            )
                        )
                    if over:
                        overs.add(
                            (
                                overs.next_id,
                                p.id,
                                year,
                                money(over),
                                "年中追加项目,经审批超额下达",
                                admin,
                                self.stamp(day),
                                self.stamp(day),
                            )
                        )
        return {"funds_fundallocation": allocations.rows, "funds_overallocation": overs.rows}

    def make_outcome_reports(self):
        """Yearly reports of six indicators per pairing; past years approved, four eyes."""
        rng = self.rng("outcome_reports")
        self.submitted_reports = []  # (id, submitted at, pairing): evidence came before
        submitter = self.users["scale_coord_province"]
        reviewer = self.users["scale_reviewer"]
        columns = (
            "id, indicator_id, pairing_id, scope_pairing_id, project_id, year, quarter, month, "
            "value, breakdown, note, status, submitted_at, submitted_by_id, reviewed_at, "
            "reviewed_by_id, review_comment, created_at, updated_at"
        )
        reviews = self.copy(
            "projects_outcomereportreview", "id, report_id, action, comment, user_id, at"
        )
        with self.copy("projects_outcomereport", columns) as out, reviews:
            for p in self.pairings:
                for year in p.years(self.last_year):
                    for indicator_id, _code, _name, unit, _agg in rng.sample(self.indicators, 6):
                        report_id = out.next_id
                        if unit == "%":
                            value = f"{rng.randrange(0, 100)}.{rng.randrange(100):02d}"
                        elif unit in ("万元", "亩"):
                            value = f"{rng.randrange(1, 5000)}.{rng.randrange(100):02d}"
                        else:
                            value = f"{rng.randrange(1, 3000)}.00"
                        day = min(self.ordinal(year, 12, 20), self.today - 5)
                        current = year == self.last_year
                        status = (
                            rng.choice(("draft", "submitted", "approved"))
                            if current
                            else ("returned" if rng.random() < 0.03 else "approved")
                        )
                        submitted = self.stamp(day, 10) if status != "draft" else None
                        reviewed = (
                            self.stamp(day + 3, 15) if status in ("approved", "returned") else None
                        )
                        comment = "请补充佐证材料" if status == "returned" else ""
                        out.add(
                            (
                                report_id,
                                indicator_id,
                                p.id,
                                # The scope pairing (projects.pairing_copy): the load runs
                                # without triggers.
                                p.id,
                                None,
                                year,
                                None,
                                None,
                                value,
                                "{}",
                                "",
                                status,
                                submitted,
                                submitter if submitted else None,
                                reviewed,
                                reviewer if reviewed else None,
                                comment,
                                self.stamp(day - 10),
                                reviewed or submitted or self.stamp(day - 10),
                            )
                        )
                        if submitted:
                            reviews.add(
                                (reviews.next_id, report_id, "submit", "", submitter, submitted)
                            )
                            self.submitted_reports.append((report_id, submitted, p.id))
                        if reviewed:
                            action = "approve" if status == "approved" else "return"
                            reviews.add(
                                (reviews.next_id, report_id, action, comment, reviewer, reviewed)
                            )
        return {"projects_outcomereport": out.rows, "projects_outcomereportreview": reviews.rows}

    def make_needs(self):
        rng = self.rng("needs")
        per_pairing = self.size("needs") / len(self.pairings)
        projects_of: dict[int, list[int]] = {}
        for project in self.projects:
            projects_of.setdefault(project[1].id, []).append(project[0])
        teams_of: dict[int, list[int]] = {}
        for team_id, pairing, _members in self.teams:
            teams_of.setdefault(pairing.id, []).append(team_id)
        categories = (
            "industry",
            "education",
            "health",
            "science",
            "talent",
            "labour",
            "infrastructure",
            "governance",
            "other",
        )
        columns = (
            "id, pairing_id, raised_by_region_id, raised_by_department, collected_on, category, "
            "description, priority, status, matched_team_id, matched_deployment_id, "
            "matched_project_id, matched_on, resolved_on, resolution_note, created_at, updated_at"
        )
        carry = 0.0
        with self.copy("projects_need", columns) as out:
            for p in self.pairings:
                carry += per_pairing
                count, carry = int(carry), carry - int(carry)
                for _ in range(count):
                    collected = p.start + rng.randrange(
                        max(1, min(p.end or self.today, self.today) - p.start)
                    )
                    roll = rng.random()
                    status = (
                        "open"
                        if roll < 0.2
                        else "matched"
                        if roll < 0.5
                        else "resolved"
                        if roll < 0.9
                        else "withdrawn"
                    )
                    team = deployment = project = matched = resolved = None
                    note = ""
                    if status in ("matched", "resolved"):
                        options = []
                        if projects_of.get(p.id):
                            options.append("project")
                        if teams_of.get(p.id):
                            options.append("team")
                        if self.by_pairing.get(p.id):
                            options.append("deployment")
                        if not options:
                            status = "open"
                        else:
                            what = rng.choice(options)
                            if what == "project":
                                project = rng.choice(projects_of[p.id])
                            elif what == "team":
                                team = rng.choice(teams_of[p.id])
                            else:
                                deployment = self.deployments[rng.choice(self.by_pairing[p.id])][0]
                            matched = min(collected + rng.randrange(1, 90), self.today)
                    if status == "resolved":
                        resolved = min(matched + rng.randrange(1, 300), self.today)
                        note = "需求已落实"
                    if status == "withdrawn":
                        note = "需求已由其他渠道解决"
                    out.add(
                        (
                            out.next_id,
                            p.id,
                            p.helped,
                            "县乡村振兴局",
                            self.day(collected),
                            rng.choice(categories),
                            f"{rng.choice(PROJECT_WORDS)}需求",
                            rng.choice(("high", "medium", "low")),
                            status,
                            team,
                            deployment,
                            project,
                            self.day(matched) if matched else None,
                            self.day(resolved) if resolved else None,
                            note,
                            self.stamp(collected),
                            self.stamp(resolved or matched or collected),
                        )
                    )
        return {"projects_need": out.rows}

    def make_non_fiscal(self):
        """Donations, parks, investments with their tranches, consumption support."""
        rng = self.rng("non_fiscal")
        leaves = [p for p in self.pairings if p.level in ("county", "institution")]
        counties = [p for p in self.pairings if p.level == "county"]
        with self.copy(
            "funds_donation",
            "id, pairing_id, date, kind, donor_organization_id, donor_name, "
            "recipient_organization_id, recipient_name, amount, items, purpose, created_at, "
            "updated_at",
        ) as donations:
            for i in range(self.size("donations")):
                p = leaves[rng.randrange(len(leaves))]
                day = p.start + rng.randrange(
                    max(1, min(p.end or self.today, self.today) - p.start)
                )
                in_kind = rng.random() < 0.3
                donor_org = p.helping_org or p.helping_gov if rng.random() < 0.7 else None
                donations.add(
                    (
                        i + 1,
                        p.id,
                        self.day(day),
                        "in_kind" if in_kind else "cash",
                        donor_org,
                        "" if donor_org else f"{rng.choice(SURNAMES)}先生",
                        p.helped_org or p.helped_gov,
                        "",
                        money((1 + rng.randrange(500)) * 100_000),
                        "校服、书包" if in_kind else "",
                        "助学助医",
                        self.stamp(day),
                        self.stamp(day),
                    )
                )
        parks_of: dict[int, list[int]] = {}
        with self.copy(
            "funds_park",
            "id, name, kind, pairing_id, region_id, opened_on, description, created_at, updated_at",
        ) as parks:
            for i in range(self.size("parks")):
                p = counties[i % len(counties)]
                opened = p.start + 200 + rng.randrange(900)
                sides = f"{self.region[p.helping][2]}—{self.region[p.helped][2]}"
                name = f"{sides}产业园{i // len(counties) + 1}"
                parks.add(
                    (
                        i + 1,
                        name,
                        rng.choice(("agricultural", "industrial")),
                        p.id,
                        p.helped,
                        self.day(opened) if opened < self.today else None,
                        "",
                        self.loaded_at,
                        self.loaded_at,
                    )
                )
                parks_of.setdefault(p.id, []).append(i + 1)
        investments = self.copy(
            "funds_investment",
            "id, enterprise_id, pairing_id, name, industry, park_id, amount_agreed, agreed_on, "
            "amount_in_place, over_agreed_note, created_at, updated_at",
        )
        tranches = self.copy(
            "funds_investmenttranche",
            "id, investment_id, pairing_id, date, amount, note, created_at, updated_at",
        )
        with investments, tranches:
            for i in range(self.size("investments")):
                p = counties[rng.randrange(len(counties))]
                enterprises = self.enterprises_by_region.get(p.helping) or self.enterprises
                enterprise = enterprises[rng.randrange(len(enterprises))]
                agreed = p.start + rng.randrange(max(1, self.today - p.start - 30))
                amount = (10 + rng.randrange(990)) * 10_000_00  # 10万 to 1000万 yuan
                in_place = 0
                for _ in range(rng.randrange(0, 5)):
                    day = agreed + rng.randrange(max(1, self.today - agreed))
                    part = amount // 5
                    in_place += part
                    tranches.add(
                        (
                            tranches.next_id,
                            i + 1,
                            p.id,  # the load runs without triggers: aidtrack.core.copies
                            self.day(day),
                            money(part),
                            "",
                            self.stamp(day),
                            self.stamp(day),
                        )
                    )
                park = (
                    rng.choice(parks_of[p.id]) if p.id in parks_of and rng.random() < 0.5 else None
                )
                investments.add(
                    (
                        i + 1,
                        enterprise,
                        p.id,
                        f"{rng.choice(PRODUCTS)}{rng.choice(INDUSTRIES)}项目",
                        rng.choice(INDUSTRIES),
                        park,
                        money(amount),
                        self.day(agreed),
                        money(in_place),
                        "",
                        self.stamp(agreed),
                        self.stamp(agreed),
                    )
                )
        with self.copy(
            "funds_consumptionsupport",
            "id, pairing_id, kind, buyer_organization_id, channel, product, amount, year, month, "
            "note, created_at, updated_at",
        ) as consumption:
            for i in range(self.size("consumption")):
                p = leaves[rng.randrange(len(leaves))]
                years = p.years(self.last_year)
                year = years[rng.randrange(len(years))]
                month = 1 + rng.randrange(12 if year < self.last_year else self.as_of.month)
                buyer = p.helping_org or p.helping_gov if rng.random() < 0.6 else None
                consumption.add(
                    (
                        i + 1,
                        p.id,
                        rng.choice(("purchased", "sold")),
                        buyer,
                        "" if buyer else "电商平台",
                        rng.choice(PRODUCTS),
                        money((1 + rng.randrange(2000)) * 10_000),
                        year,
                        month,
                        "",
                        self.loaded_at,
                        self.loaded_at,
                    )
                )
        return {
            "funds_donation": donations.rows,
            "funds_park": parks.rows,
            "funds_investment": investments.rows,
            "funds_investmenttranche": tranches.rows,
            "funds_consumptionsupport": consumption.rows,
        }

    def make_official_grades(self):
        rng = self.rng("official_grades")
        grades = ("好", "好", "较好", "较好", "一般")
        with self.copy(
            "assessments_officialgrade",
            "id, pairing_id, year, level, grade, document_reference, published_on, notes, "
            "created_at, updated_at",
        ) as out:
            for p in self.pairings:
                if p.level not in ("province", "prefecture"):
                    continue
                level = "national" if p.level == "province" else "provincial"
                for year in p.years(self.last_year - 1):
                    published = self.ordinal(year + 1, 3, 1) + rng.randrange(60)
                    if published > self.today:
                        continue
                    out.add(
                        (
                            out.next_id,
                            p.id,
                            year,
                            level,
                            rng.choice(grades),
                            f"考核通报〔{year + 1}〕{p.id}号",
                            self.day(published),
                            "",
                            self.stamp(published),
                            self.stamp(published),
                        )
                    )
        return {"assessments_officialgrade": out.rows}

    def make_attachments(self):
        """Documents of projects under way or done, and evidence of submitted outcome reports.

        Rows share a few real PDF files written to the default storage (if
        absent), so pages list them and downloads answer; the files pass
        ``validate_upload``.
        """
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        rng = self.rng("attachments")
        files = {}
        for app, title in (("projects", "施工现场照片说明"), ("projects", "验收报告"),
                           ("projects", "资金拨付凭证"), ("projects", "成效佐证材料")):  # fmt: skip
            name = f"{app}/scale{len(files):028d}/{title}.pdf"
            content = SAMPLE_PDF.replace(b"TITLE", title.encode())
            if not default_storage.exists(name):
                default_storage.save(name, ContentFile(content))
            files[title] = (name, len(content))
        project_files = [files[t] for t in ("施工现场照片说明", "验收报告", "资金拨付凭证")]
        columns = "id, title, file, size, created_at, updated_at"
        with self.copy(
            "projects_projectattachment", f"{columns}, project_id, pairing_id, progress_update_id"
        ) as out:
            for project_id, pairing, _year, status, start, _end, *_rest in self.projects:
                if status not in ("in_progress", "completed", "accepted") or rng.random() > 0.3:
                    continue
                name, size = project_files[rng.randrange(len(project_files))]
                title = name.rsplit("/", 1)[1].removesuffix(".pdf")
                at = self.stamp(min(start + 30, self.today), 16)
                out.add((out.next_id, title, name, size, at, at, project_id, pairing.id, None))
        name, size = files["成效佐证材料"]
        # The report's scope pairing is written here: no triggers (projects.pairing_copy).
        with self.copy("projects_outcomeevidence", f"{columns}, report_id, pairing_id") as evidence:
            for report_id, submitted, pairing_id in self.submitted_reports:
                if rng.random() < 0.25:
                    evidence.add((evidence.next_id, "成效佐证材料", name, size, submitted,
                                  submitted, report_id, pairing_id))  # fmt: skip
        return {"projects_projectattachment": out.rows, "projects_outcomeevidence": evidence.rows}


# A one-page PDF: enough for the upload check (its first bytes) and for a viewer.
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%% TITLE\n%%EOF\n"
)
