"""AidTrack's pairings and projects as an IATI 2.03 activity file (docs/iati.md).

``export(selection)`` yields the file as bytes, a chunk of activities at a
time: first each pairing (a parent activity, hierarchy 1, with its budgets
from the fund allocations and its results from approved reports against the
agreements' targets), then each project (hierarchy 2, pointing at its
pairing) with its transactions and results. Every code comes from
``publishing.mapping``, whose tables are checked against the shipped
codelists; the structure follows the schema's order, which the tests verify
with lxml on every kind of activity. The file carries no generation time, so
the API and ``manage.py export_iati`` give the same bytes for the same rows.
"""

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache
from urllib.parse import quote

from django.utils import translation

from pairings.choices import PairingLevel, PairingStatus, Programme
from projects.choices import ProjectCategory
from publishing import mapping, reads
from publishing.codelists import VERSION
from publishing.xml import attr, narratives, text

CHUNK = 1000  # projects per read (three queries) and per piece of the response (≈7 MB)
PAIRING_CHUNK = 500  # pairings per read (four queries); a national tree has about 2,000

HEADER = f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="{VERSION}">\n'
FOOTER = "</iati-activities>\n"


def export(selection: reads.Selection, *, chunk: int = CHUNK):
    """The file for ``selection``, as UTF-8 byte strings (one per chunk of activities)."""
    yield HEADER.encode()
    for piece in activities(selection, chunk=chunk):
        yield piece.encode()
    yield FOOTER.encode()


def activities(selection: reads.Selection, *, chunk: int = CHUNK):
    """Each chunk of activities as one string."""
    writer = Writer(selection)
    pairings = reads.pairings(selection)
    writer.know_pairings(pairings)
    for start in range(0, len(pairings), PAIRING_CHUNK):
        yield "".join(writer.pairing_activities(pairings[start : start + PAIRING_CHUNK]))
    for page in reads.project_pages(selection, chunk):
        yield "".join(writer.project_activities(page))


def _labels(choices) -> dict[str, tuple[str, str]]:
    """value → (Chinese label, English label): narratives are in both, whatever the UI's."""
    with translation.override("zh-hans"):
        chinese = {value: str(label) for value, label in choices.choices}
    with translation.override("en"):
        return {value: (chinese[value], str(label)) for value, label in choices.choices}


def _day(value: date) -> str:
    return value.isoformat()


def _period(year: int, quarter: int | None, month: int | None) -> tuple[date, date]:
    if quarter:
        first, last = quarter * 3 - 2, quarter * 3
    elif month:
        first = last = month
    else:
        first, last = 1, 12
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def _amount(value: Decimal) -> str:
    return f"{value:f}"


@lru_cache(maxsize=4096)  # payers and payees repeat on every entry; bounded, so memory stays flat
def _organization(tag: str, name: str | None, credit_code: str | None, kind: str | None, role=""):
    """A participating, provider or receiver organisation; identified by its credit code."""
    if not name:
        return ""
    attributes = f' role="{role}"' if role else ""
    if credit_code:
        attributes += f' ref="{mapping.CREDIT_CODE_AGENCY}-{attr(credit_code)}"'
    if kind:
        attributes += f' type="{mapping.ORGANIZATION_TYPE[kind]}"'
    return f"<{tag}{attributes}>{narratives(name)}</{tag}>"


def _side(row: dict, side: str, role: str) -> str:
    """A pairing's side as a participating organisation: the institution it names, or
    else the people's government of its region (local government, no identifier)."""
    if row[f"{side}_organization__name"]:
        return _organization(
            "participating-org",
            row[f"{side}_organization__name"],
            row[f"{side}_organization__credit_code"],
            row[f"{side}_organization__kind"],
            role=role,
        )
    region = row[f"{side}_region__name"]
    names = narratives(f"{region}人民政府", f"People's Government of {region}")
    attributes = f'role="{role}" type="{mapping.LOCAL_GOVERNMENT}"'
    return f"<participating-org {attributes}>{names}</participating-org>"


def _related(identifier: str, relation: str) -> str:
    return f'<related-activity ref="{attr(identifier)}" type="{relation}"/>'


def _span(start: date, end: date) -> str:
    return f'<period-start iso-date="{_day(start)}"/><period-end iso-date="{_day(end)}"/>'


class Writer:
    """Builds activities; holds what every activity of one export shares."""

    def __init__(self, selection: reads.Selection):
        self.selection = selection
        self.ref, name, org_type = mapping.reporting_org()
        self.reporting = (
            f'<reporting-org ref="{attr(self.ref)}" type="{attr(org_type)}">'
            f"{narratives(name)}</reporting-org>"
        )
        self.indicators = reads.indicators()
        self.categories = _labels(ProjectCategory)
        self.programmes = _labels(Programme)
        self.levels = _labels(PairingLevel)
        self.pairing_ids: dict[int, str] = {}
        self.funding: dict[int, str] = {}
        self.pairing_names: dict[int, tuple[str, str]] = {}

    # -- identifiers -------------------------------------------------------------

    def pairing_identifier(self, pk: int) -> str:
        return f"{self.ref}-PAIRING-{pk}"

    def project_identifier(self, project: dict) -> str:
        # A code is letters, digits and "-" as generated; anything else typed is
        # percent-encoded, so the identifier stays stable, unique and free of spaces.
        code = project["code"] or f"ID{project['id']}"
        return f"{self.ref}-{quote(code, safe='-_.')}"

    def know_pairings(self, pairings: list[dict]) -> None:
        """What projects repeat of their pairing: its identifier, funder and name."""
        for pairing in pairings:
            pk = pairing["id"]
            self.pairing_ids[pk] = self.pairing_identifier(pk)
            helping = pairing["helping_organization__name"] or pairing["helping_region__name"]
            helped = pairing["helped_organization__name"] or pairing["helped_region__name"]
            self.pairing_names[pk] = (helping, helped)
            self.funding[pk] = _side(pairing, "helping", mapping.FUNDING)

    # -- shared pieces -----------------------------------------------------------

    def _open(self, identifier: str, updated, hierarchy: str) -> str:
        return (
            f'<iati-activity last-updated-datetime="{updated.isoformat()}" '
            f'xml:lang="{mapping.LANGUAGE}" default-currency="{mapping.CURRENCY}" '
            f'hierarchy="{hierarchy}">'
            f"<iati-identifier>{text(identifier)}</iati-identifier>{self.reporting}"
        )

    @staticmethod
    def _dates(*pairs) -> str:
        return "".join(
            f'<activity-date type="{kind}" iso-date="{_day(value)}"/>'
            for kind, value in pairs
            if value is not None
        )

    @staticmethod
    def _location(row: dict, prefix: str) -> str:
        code, full_name = row[f"{prefix}code"], row[f"{prefix}full_name"]
        latitude, longitude = row[f"{prefix}latitude"], row[f"{prefix}longitude"]
        point = ""
        if latitude is not None and longitude is not None:
            point = f"<pos>{latitude:.6f} {longitude:.6f}</pos>"
            point = f'<point srsName="{mapping.WGS84}">{point}</point>'
        return (
            f'<location ref="{mapping.LOCATION_REF_PREFIX}{attr(code)}">'
            f'<location-reach code="{mapping.LOCATION_REACH_ACTIVITY}"/>'
            f"<name>{narratives(full_name)}</name>"
            f"{point}"
            f'<exactness code="{mapping.EXACTNESS_APPROXIMATE}"/>'
            f'<location-class code="{mapping.LOCATION_CLASS_ADMINISTRATIVE}"/>'
            f'<feature-designation code="{mapping.FEATURE_DESIGNATION[row[f"{prefix}level"]]}"/>'
            "</location>"
        )

    @staticmethod
    def _budget(status: str, year: int, amount: Decimal, value_date: date) -> str:
        start, end = date(year, 1, 1), date(year, 12, 31)
        return (
            f'<budget type="{mapping.BUDGET_ORIGINAL}" status="{status}">'
            f"{_span(start, end)}"
            f'<value currency="{mapping.CURRENCY}" value-date="{_day(value_date)}">'
            f"{_amount(amount)}</value></budget>"
        )

    def _results(self, reports: list[dict], targets: list[dict], years) -> str:
        """One result per indicator: a period per approved report, the agreements' targets
        on the whole years, and as baseline the approved value of the year before."""
        periods: dict[str, dict] = defaultdict(dict)
        whole_years: dict[str, dict[int, Decimal]] = defaultdict(dict)
        for report in reports:
            code = self.indicators[report["indicator_id"]]["code"]
            if not report["quarter"] and not report["month"]:
                whole_years[code][report["year"]] = report["value"]
            if years is None or report["year"] in years:
                key = (report["year"], report["quarter"], report["month"])
                periods[code].setdefault(key, {})["actual"] = report["value"]
        for target in targets:
            key = (target["agreement__year"], None, None)
            periods[target["indicator_code"]].setdefault(key, {})["target"] = target["target"]
        names = {target["indicator_code"]: target for target in targets}
        return "".join(
            self._result(code, periods[code], whole_years[code], names.get(code))
            for code in sorted(periods)
        )

    def _result(self, code: str, periods: dict, whole_years: dict, target: dict | None) -> str:
        indicator = self.indicators.get(code) or {
            "name_zh": target["indicator_name"],
            "name_en": target["indicator_name"],
            "unit": target["unit"],
            "higher_is_better": True,
        }
        unit = indicator["unit"]
        first = min(year for year, _quarter, _month in periods)
        baseline = ""
        if first - 1 in whole_years:
            baseline = (
                f'<baseline year="{first - 1}" iso-date="{first - 1}-12-31" '
                f'value="{_amount(whole_years[first - 1])}"/>'
            )
        rows = []
        for key in sorted(periods, key=lambda k: (k[0], *_period(*k))):
            start, end = _period(*key)
            values = periods[key]
            row = f"<period>{_span(start, end)}"
            if "target" in values:
                row += f'<target value="{_amount(values["target"])}"/>'
            if "actual" in values:
                row += f'<actual value="{_amount(values["actual"])}"/>'
            rows.append(row + "</period>")
        ascending = "1" if indicator["higher_is_better"] else "0"
        name_zh, name_en = indicator["name_zh"], indicator["name_en"]
        with_unit = narratives(f"{name_zh}（{unit}）", f"{name_en} ({unit})")
        return (
            f'<result type="{mapping.result_type(unit)}">'
            f"<title>{narratives(name_zh, name_en)}</title>"
            f'<indicator measure="{mapping.measure(unit)}" ascending="{ascending}">'
            f"<title>{with_unit}</title>{baseline}{''.join(rows)}</indicator></result>"
        )

    # -- pairings ----------------------------------------------------------------

    def pairing_activities(self, pairings: list[dict]):
        ids = [pairing["id"] for pairing in pairings]
        budgets = defaultdict(list)
        for row in reads.allocations(self.selection, ids):
            budgets[row["pairing_id"]].append(row)
        children = defaultdict(list)
        for project in reads.children(self.selection, ids):
            children[project["pairing_id"]].append(self.project_identifier(project))
        reports = defaultdict(list)
        for row in reads.pairing_reports(self.selection, ids):
            reports[row["pairing_id"]].append(row)
        targets = defaultdict(list)
        for row in reads.targets(self.selection, ids):
            targets[row["agreement__pairing_id"]].append(row)
        for pairing in pairings:
            pk = pairing["id"]
            yield self._pairing(pairing, budgets[pk], children[pk], reports[pk], targets[pk])

    def _pairing(self, pairing, budgets, children, reports, targets) -> str:
        pk = pairing["id"]
        helping, helped = self.pairing_names[pk]
        programme_zh, programme_en = self.programmes[pairing["programme"]]
        level_zh, level_en = self.levels[pairing["level"]]
        title = narratives(
            f"{helping} → {helped} {programme_zh}",
            f"{programme_en}: {helping} → {helped}",
        )
        description = narratives(
            pairing["notes"] or f"{helping}对{helped}的{programme_zh}结对（{level_zh}）。",
            f"{programme_en} pairing ({level_en.lower()} level): "
            f"{helping} ({pairing['helping_region__code']}) helps "
            f"{helped} ({pairing['helped_region__code']}).",
        )
        ended = pairing["end_date"] if pairing["status"] == PairingStatus.ENDED else None
        parts = [
            self._open(self.pairing_ids[pk], pairing["updated_at"], mapping.PAIRING_HIERARCHY),
            f"<title>{title}</title>",
            f'<description type="{mapping.GENERAL_DESCRIPTION}">{description}</description>',
            self.funding[pk],
            _side(pairing, "helped", mapping.IMPLEMENTING),
            f'<activity-status code="{mapping.PAIRING_STATUS[pairing["status"]]}"/>',
            self._dates((mapping.ACTUAL_START, pairing["start_date"]), (mapping.ACTUAL_END, ended)),
            f'<recipient-country code="{mapping.COUNTRY}" percentage="100"/>',
            self._location(pairing, "helped_region__"),
            f'<sector vocabulary="{mapping.SECTOR_VOCABULARY}" code="{mapping.PAIRING_SECTOR}" '
            'percentage="100"/>',
        ]
        for budget in budgets:
            value_date = budget["first"] or date(budget["year"], 1, 1)
            parts.append(
                self._budget(mapping.BUDGET_COMMITTED, budget["year"], budget["total"], value_date)
            )
        parent = pairing["parent_id"]
        if parent in self.pairing_ids:
            parts.append(_related(self.pairing_ids[parent], mapping.PARENT))
        parts += [_related(child, mapping.CHILD) for child in children]
        parts.append(self._results(reports, targets, self.selection.years))
        parts.append("</iati-activity>\n")
        return "".join(parts)

    # -- projects ----------------------------------------------------------------

    def project_activities(self, projects: list[dict]):
        ids = [project["id"] for project in projects]
        money = defaultdict(list)
        for row in reads.transactions(ids):
            money[row[0]].append(row)
        reports = defaultdict(list)
        for row in reads.project_reports(ids):
            reports[row["project_id"]].append(row)
        for project in projects:
            yield self._project(project, money[project["id"]], reports[project["id"]])

    def _project(self, project: dict, money: list[dict], reports: list[dict]) -> str:
        pairing = project["pairing_id"]
        helping, helped = self.pairing_names[pairing]
        category_zh, category_en = self.categories[project["category"]]
        year, code = project["year"], project["code"]
        place = f"{project['region__full_name']} ({project['region__code']})"
        description = narratives(
            project["description"]
            or f"{helping}帮扶{helped}的{category_zh}项目，{year}年度，实施地点{place}。",
            f"{category_en} project {code} of the pairing {helping} → {helped}, programme year "
            f"{year}, in {place}; {project['beneficiaries']} beneficiaries.",
        )
        dates = self._dates(
            (mapping.PLANNED_START, project["planned_start_date"]),
            (mapping.ACTUAL_START, project["actual_start_date"]),
            (mapping.PLANNED_END, project["planned_end_date"]),
            (mapping.ACTUAL_END, project["actual_end_date"] or project["cancelled_on"]),
        )
        if not dates:
            # An activity needs a date: a project planned without any starts in its year.
            dates = self._dates((mapping.PLANNED_START, date(year, 1, 1)))
        parts = [
            self._open(
                self.project_identifier(project), project["changed"], mapping.PROJECT_HIERARCHY
            ),
            f"<title>{narratives(project['name'], f'{category_en} project {code}')}</title>",
            f'<description type="{mapping.GENERAL_DESCRIPTION}">{description}</description>',
            self.funding[pairing],
            _organization(
                "participating-org",
                project["lead_organization__name"],
                project["lead_organization__credit_code"],
                project["lead_organization__kind"],
                role=mapping.EXTENDING,
            ),
            _organization(
                "participating-org",
                project["implementing_organization__name"],
                project["implementing_organization__credit_code"],
                project["implementing_organization__kind"],
                role=mapping.IMPLEMENTING,
            ),
            f'<activity-status code="{mapping.PROJECT_STATUS[project["status"]]}"/>',
            dates,
            f'<recipient-country code="{mapping.COUNTRY}" percentage="100"/>',
            self._location(project, "region__"),
            f'<sector vocabulary="{mapping.SECTOR_VOCABULARY}" '
            f'code="{mapping.SECTORS[project["category"]]}" percentage="100"/>',
        ]
        if project["budget"] > 0:
            parts.append(
                self._budget(mapping.BUDGET_INDICATIVE, year, project["budget"], date(year, 1, 1))
            )
        parts += [self._transaction(row) for row in money]
        parts.append(_related(self.pairing_ids[pairing], mapping.PARENT))
        parts.append(self._results(reports, [], None))
        parts.append("</iati-activity>\n")
        return "".join(parts)

    @staticmethod
    def _transaction(row: tuple) -> str:
        """One entry: a tuple of ``reads.TRANSACTION_FIELDS`` (day and amount already text)."""
        day = row[2]
        return (
            f"{_TRANSACTION_OPEN[row[1]]}"
            f'<transaction-date iso-date="{day}"/>'
            f'<value currency="{mapping.CURRENCY}" value-date="{day}">{row[3]}</value>'
            f"{_organization('provider-org', row[4], row[5], row[6])}"
            f"{_organization('receiver-org', row[7], row[8], row[9])}</transaction>"
        )


_TRANSACTION_OPEN = {
    kind: f'<transaction><transaction-type code="{code}"/>'
    for kind, code in mapping.TRANSACTION_TYPE.items()
}
