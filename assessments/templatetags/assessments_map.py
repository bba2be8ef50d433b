"""The programme's map on the dashboards: ``{% overview_map %}`` and ``{% pairing_map %}``.

Inclusion tags, so each dashboard gains its map with one line and its view stays
as it is; the data goes to the page in a json_script block (the CSP allows no
inline script) and static/js/assessments_map.js draws it.
"""

from django import template

from assessments import maps

register = template.Library()


@register.inclusion_tag("assessments/includes/map_overview.html", takes_context=True)
def overview_map(context, rows, year, programme=None):
    """Lines from helping to helped regions for the overview's ``rows`` (of ``programme``).

    The map's programme filter reloads the overview with the period and the level
    shown (``keep``), so choosing a programme keeps the years.
    """
    parent = context.get("parent")
    keep = [("year", year), ("from", context.get("first_year", year))]
    if parent is not None:
        keep.append(("pairing", parent.pk))
    return {
        "map_data": maps.overview_map(rows, year, programme),
        "year": year,
        "keep": keep,
        "parameter": maps.PROGRAMME,
    }


@register.inclusion_tag("assessments/includes/map_pairing.html")
def pairing_map(pairing, year, summary):
    """The pairing's projects, parks and teams at their counties, as ``summary`` (the
    pairing's for ``year``) counted them."""
    return {"map_data": maps.pairing_map(pairing, year, summary), "year": year}
