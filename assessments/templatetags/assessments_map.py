"""The programme's map on the dashboards: ``{% overview_map %}`` and ``{% pairing_map %}``.

Inclusion tags, so each dashboard gains its map with one line and its view stays
as it is; the data goes to the page in a json_script block (the CSP allows no
inline script) and static/js/assessments_map.js draws it.
"""

from django import template

from assessments import maps

register = template.Library()


@register.inclusion_tag("assessments/includes/map_overview.html")
def overview_map(rows, year):
    """Lines from helping to helped regions for the overview's ``rows``."""
    return {"map_data": maps.overview_map(rows, year), "year": year}


@register.inclusion_tag("assessments/includes/map_pairing.html", takes_context=True)
def pairing_map(context, pairing, year):
    """The pairing's projects, parks and teams at their counties (in the user's scope)."""
    return {"map_data": maps.pairing_map(context["request"].user, pairing, year), "year": year}
