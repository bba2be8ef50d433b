"""What the programme's map draws: pairings as lines, a pairing's work as points.

The overview's map (``overview_map``) is built from the rows the overview already
read (pairings of the level shown, each with its summary for the year), so it
costs no query of its own. A pairing's map (``pairing_map``) draws the projects,
parks and teams per county that the summary counted when it was refreshed
(``map_counts``, set-based like every other figure): counted per request, a
province's tree meant thousands of projects read on every view of its dashboard.
Coordinates are the regions' (``Region.longitude``/``latitude``, from
``load_regions``); a region without them is left off the map rather than drawn
at a wrong place.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import BigIntegerField, Count, F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from aidtrack.core.money import WAN
from aidtrack.core.rollup import Groups, roll_up
from assessments.selectors import summary_has_data
from assessments.templatetags.assessments import grade_colour
from pairings.choices import Programme
from pairings.models import Pairing, Region

# The overview's parameter choosing the map's programme (the pairings' ``programme``).
PROGRAMME = "programme"

# The Bootstrap palette behind ``grade_colour``'s names, for the canvas (no CSS there).
_HEX = {
    "success": "#198754",
    "primary": "#0d6efd",
    "warning": "#e0a800",
    "danger": "#dc3545",
    "secondary": "#6c757d",
}
NO_GRADE_COLOUR = _HEX["secondary"]


def _where(region: Region) -> list[float] | None:
    if region.longitude is None or region.latitude is None:
        return None
    return [region.longitude, region.latitude]


def _number(value) -> float:
    """A tile's value as the chart's weight (Decimals do not go into JSON as numbers)."""
    if isinstance(value, Decimal | int | float):
        return float(value)
    return 0.0


def dashboard_url(pairing_id: int, year: int) -> str:
    return f"{reverse('assessments:pairing', args=[pairing_id])}?year={year}"


def programme_asked(raw) -> str | None:
    """The programme the map is asked for; None (every programme) for anything else."""
    return raw if raw in Programme.values else None


def overview_map(rows: list[dict], year: int, programme: str | None = None) -> dict:
    """The overview's rows as lines from the helping to the helped region.

    Each line carries both weights (fiscal aid in 万元, people on post) so the page
    switches between them without a request, its grade's colour, its programme (one
    series each, so the legend filters by programme) and its dashboard's address.
    Each end is a region point listing the pairings that start or end there.
    ``programme`` keeps the lines of that programme only; ``programmes`` lists those
    the rows have, for the map's own filter (the ranking beside it keeps every row).
    """
    present = {row["pairing"].programme for row in rows}
    if programme is not None:
        rows = [row for row in rows if row["pairing"].programme == programme]
    lines, regions = [], {}
    for row in rows:
        pairing, summary = row["pairing"], row["summary"]
        start, end = _where(pairing.helping_region), _where(pairing.helped_region)
        if start is None or end is None:
            continue
        tiles = summary["tiles"] if summary else {}
        # No data in the year is no grade (grey), never "较差" (views._sort_by_score).
        grade = summary["grade"] if summary_has_data(summary) else ""
        url = dashboard_url(pairing.pk, year)
        lines.append(
            {
                "name": str(pairing),
                "url": url,
                "coords": [start, end],
                "programme": pairing.get_programme_display(),
                "grade": grade or "—",
                "colour": _HEX.get(grade_colour(grade), NO_GRADE_COLOUR),
                "money": round(_number(tiles.get("fiscal_aid", {}).get("value")) / float(WAN), 2),
                "people": _number(tiles.get("people_on_post", {}).get("value")),
            }
        )
        for side, region, where in (
            ("helping", pairing.helping_region, start),
            ("helped", pairing.helped_region, end),
        ):
            point = regions.setdefault(
                (side, region.pk),
                {"name": region.name, "side": side, "value": where, "pairings": []},
            )
            point["pairings"].append({"name": str(pairing), "url": url})
    grades = sorted({line["grade"] for line in lines}, key=lambda g: (g == "—", g))
    return {
        "lines": lines,
        "regions": list(regions.values()),
        # The colour key, shown under the map with the badges the tables use.
        "grades": [{"label": grade, "badge": grade_colour(grade)} for grade in grades],
        "programme": programme or "",
        "programmes": [
            {"value": value, "label": str(label)}
            for value, label in Programme.choices
            if value in present or value == programme
        ],
        "labels": {
            "money": _("Fiscal aid (10,000 yuan)"),
            "people": _("People on post"),
            "helping": _("Helping side"),
            "helped": _("Helped side"),
            "grade": _("Computed grade"),
        },
    }


def _county_key(prefix: str = "region"):
    """The county a record's region lies in (its path's third id), or the region itself
    when it is a province or prefecture: points are drawn per county."""
    return Coalesce(F(f"{prefix}__path__2"), F(f"{prefix}_id"), output_field=BigIntegerField())


def _points(counts, kind: str, label: str, url, counties: dict) -> list[dict]:
    """One point per county; ``url(county)`` is the list behind it."""
    points = []
    for county_id, count in counts:
        county = counties.get(county_id)
        where = county and _where(county)
        if where is None:
            continue
        points.append(
            {
                "kind": kind,
                "kind_label": label,
                "name": county.name,
                "value": [*where, count],
                "url": url(county),
            }
        )
    return points


# The kinds of points a pairing's map draws, in the legend's order.
MAP_KINDS = ("project", "park", "team")


def _team_county():
    """A team works where its host institution is, or else in the helped region."""
    return Coalesce(
        F("host_organization__region__path__2"),
        F("host_organization__region_id"),
        F("pairing__helped_region__path__2"),
        F("pairing__helped_region_id"),
        output_field=BigIntegerField(),
    )


def map_counts(groups: Groups, years) -> dict[tuple[int, int], dict[str, list[list[int]]]]:
    """``{(group key, year): {kind: [[county id, count], ...]}}``: each group's projects of
    the year, parks open by the year's end or being built, and teams at work during the
    year, per county. Computed with the summaries (``assessments.services``): one
    statement for the projects, one per year for parks and for teams.

    Unscoped: whoever may read a pairing's dashboard may read every record of its
    tree (a scope is whole subtrees, and reading is one rule for every model).
    """
    from cadres.models import Team
    from funds.models import Park
    from projects.models import Project

    years = sorted(set(years))
    counts: dict[tuple[int, int], dict[str, list[list[int]]]] = {
        (key, year): {kind: [] for kind in MAP_KINDS} for key in groups for year in years
    }
    ids = groups.pairing_ids

    def add(kind: str, own, year=None) -> None:
        by = ["county"] if year is not None else ["year_", "county"]
        for row in roll_up(own.annotate(n=Count("pk")), groups, by=by, totals={"n": "SUM(o.n)"}):
            key = (row["group"], int(year if year is not None else row["year_"]))
            if key in counts:
                counts[key][kind].append([int(row["county"]), int(row["n"])])

    add(
        "project",
        Project.objects.filter(pairing_id__in=ids, year__in=years).values(
            pid=F("pairing_id"), year_=F("year"), county=_county_key()
        ),
    )
    for year in years:
        first, last = date(year, 1, 1), date(year, 12, 31)
        parks = Park.objects.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=last))
        add(
            "park",
            parks.filter(pairing_id__in=ids).values(pid=F("pairing_id"), county=_county_key()),
            year,
        )
        teams = Team.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        add(
            "team",
            teams.filter(start_date__lte=last, pairing_id__in=ids).values(
                pid=F("pairing_id"), county=_team_county()
            ),
            year,
        )
    for figures in counts.values():  # a stable order: the same records, the same summary
        for points in figures.values():
            points.sort()
    return counts


def pairing_map(pairing: Pairing, year: int, summary: dict | None) -> dict:
    """The pairing's (and the pairings below it) projects of the year, parks open by the
    year's end or being built, and teams at work during the year, per county, as its
    summary for the year counted them (``map_counts``); nothing before it is computed."""
    counted = {kind: (summary or {}).get("map_points", {}).get(kind, []) for kind in MAP_KINDS}
    wanted = {county for rows in counted.values() for county, _n in rows}
    counties = Region.objects.in_bulk(wanted)
    query = urlencode({"pairing": pairing.pk})
    kinds = (
        ("project", _("Projects"), reverse("projects:project_list")),
        ("park", _("Co-built parks"), reverse("funds:park_list")),
        ("team", _("Teams"), reverse("cadres:team_list")),
    )
    points = []
    for kind, label, list_url in kinds:
        if kind == "project":  # the list recounts the point: same pairing, year and county

            def url(county, list_url=list_url):
                return f"{list_url}?{query}&" + urlencode({"year": year, "region": county.code})

        else:

            def url(county, list_url=list_url):
                return f"{list_url}?{query}"

        points += _points(counted[kind], kind, label, url, counties)
    sides = [
        {"name": region.name, "value": where}
        for region in (pairing.helping_region, pairing.helped_region)
        if (where := _where(region))
    ]
    return {
        "points": points,
        "sides": sides,
        "kinds": [{"kind": kind, "label": label} for kind, label, _url in kinds],
    }
