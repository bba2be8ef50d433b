"""English mode names indicators, units and grades in English; Chinese mode shows no raw codes."""

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from aidtrack.core.languages import in_language
from projects.models import Indicator


def _cadres_sent() -> Indicator:
    return Indicator(code="cadres_sent", name_zh="选派党政干部", name_en="Cadres sent", unit="人")


def _render(source: str, **context) -> str:
    return Template("{% load aidtrack assessments %}" + source).render(Context(context))


def test_names_follow_the_interface_language():
    with translation.override("zh-hans"):
        assert in_language("选派党政干部", "Cadres sent") == "选派党政干部"
    with translation.override("en"):
        assert in_language("选派党政干部", "Cadres sent") == "Cadres sent"
        assert in_language("选派党政干部", "") == "选派党政干部"  # no English name: the Chinese


def test_an_indicator_reads_in_the_interface_language():
    indicator = Indicator(
        code="cadres_sent", name_zh="选派党政干部", name_en="Cadres sent", unit="人"
    )
    with translation.override("zh-hans"):
        assert str(indicator) == "选派党政干部(人)"
        assert _render("{{ i|indicator_name }}", i=indicator) == "选派党政干部"
    with translation.override("en"):
        assert str(indicator) == "Cadres sent · people (人)"
        assert _render("{{ i|indicator_name }}", i=indicator) == "Cadres sent"
    assert "cadres_sent" not in str(indicator)


def test_summary_figures_grades_and_units_in_english():
    figure = {"code": "cadres_sent", "name": "选派党政干部", "name_en": "Cadres sent", "unit": "人"}
    source = "{{ f|indicator_name }} {{ f.unit|unit_label }} {{ g|grade_label }}"
    with translation.override("en"):
        assert _render(source, f=figure, g="较好") == "Cadres sent people (人) Fairly good"
        assert _render("{{ g|grade_label }}", g="优秀") == "优秀"  # an unusual wording as stored
    with translation.override("zh-hans"):
        assert _render(source, f=figure, g="较好") == "选派党政干部 人 较好"


def test_the_pairing_hubs_outcomes_show_no_indicator_codes():
    indicator = Indicator(
        code="cadres_sent", name_zh="选派党政干部", name_en="Cadres sent", unit="人"
    )
    context = {"outcome_rows": [{"indicator": indicator, "values": []}], "outcome_years": []}
    with translation.override("zh-hans"):
        html = render_to_string("projects/hub/outcomes.html", context)
    assert "选派党政干部" in html and "cadres_sent" not in html
    with translation.override("en"):
        html = render_to_string("projects/hub/outcomes.html", context)
    assert "Cadres sent" in html and "people (人)" in html and "cadres_sent" not in html


def test_an_outcome_reports_lists_name_the_indicator_in_english():
    indicator = _cadres_sent()
    reports = [{"indicator": indicator, "period_label": "2023", "value": 5}]
    with translation.override("en"):
        html = render_to_string("projects/project_tabs/outcomes.html", {"project_reports": reports})
    assert "Cadres sent" in html and "people (人)" in html and "选派党政干部" not in html
