"""core.widget_html builds Django's select and input templates' HTML in Python, byte for byte.

Every case is rendered twice, by ``WidgetRenderer`` and by Django's
``TemplatesSetting`` (the templates themselves), and must give the same
HTML. Every list's filter form and edit form over the demo is compared in
tests/demo/test_widget_html_forms.py; here are the awkward values.
"""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from aidtrack.core import widget_html
from aidtrack.core.widget_html import SELECT, WidgetRenderer


class Everything(forms.Form):
    plain = forms.CharField(initial="<b>\"quoted\" & 'single'</b>")
    safe = forms.CharField(initial=mark_safe("<i>kept</i>"))  # noqa: S308
    number = forms.DecimalField(initial=Decimal("1234567.50"))
    count = forms.IntegerField(initial=1234567)
    day = forms.DateField(initial=datetime.date(2026, 11, 30), widget=forms.DateInput)
    moment = forms.DateTimeField(initial=datetime.datetime(2026, 11, 30, 8, 5))
    hidden = forms.CharField(initial="x", widget=forms.HiddenInput)
    empty = forms.CharField(required=False)
    agreed = forms.BooleanField(initial=True, required=False)
    disagreed = forms.BooleanField(initial=False, required=False)
    kind = forms.ChoiceField(
        choices=[
            ("", "---------"),
            ("a", gettext_lazy("Yes")),
            ("<&>", '<&> "escaped"'),
            (3, 2024),
            ("Group", [("g1", "一"), ("g2", mark_safe("<b>二</b>"))]),  # noqa: S308
        ],
        initial="<&>",
        widget=forms.Select(attrs={"class": "form-select", "data-x": 'a"b', "disabled": True}),
    )
    numbered = forms.TypedChoiceField(choices=[(1, 1000), (2, 2000)], initial=2, coerce=int)
    several = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")], initial=["a", "c"], required=False
    )
    maybe = forms.NullBooleanField(required=False, initial=None)
    flags = forms.CharField(
        initial="v",
        widget=forms.TextInput(attrs={"required": False, "autofocus": True, "maxlength": 20}),
    )


def rendered_both_ways(form):
    """Each field's HTML by the Python builder and by the templates."""
    fast, templates = [], []
    for renderer, out in ((WidgetRenderer(), fast), (TemplatesSetting(), templates)):
        form.renderer = renderer
        out.extend(str(field) for field in form)
    return fast, templates


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("bound", [False, True])
def test_every_value_renders_as_the_templates_do(language, bound):
    data = {"kind": "g2", "several": ["b"], "maybe": "true", "number": "1.5", "plain": "<x>"}
    with translation.override(language):
        fast, templates = rendered_both_ways(Everything(data if bound else None))
    assert fast == templates
    assert any("<optgroup" in html for html in fast) and any("selected" in html for html in fast)


def test_the_settings_use_it_and_it_builds_selects_and_inputs():
    renderer = get_default_renderer()
    assert isinstance(renderer, WidgetRenderer)
    form = Everything()
    form.renderer = renderer
    str(form["kind"]), str(form["plain"])
    assert renderer._builders[SELECT] is not False
    assert renderer._builders["django/forms/widgets/text.html"] is not False


def test_a_template_with_other_text_is_rendered_by_the_template(monkeypatch):
    """A project override (or another Django's text) is the template's to render."""
    monkeypatch.setitem(widget_html.SOURCES, SELECT, "something else")
    renderer = WidgetRenderer()
    form = Everything()
    form.renderer = renderer
    rendered = str(form["kind"])
    assert renderer._builders[SELECT] is False
    form.renderer = TemplatesSetting()
    assert rendered == str(form["kind"])


def test_values_it_does_not_repeat_go_to_the_template():
    """A callable (a template calls it), an attribute named items, an option's own template."""

    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    cases = [
        forms.TextInput(attrs={"data-call": lambda: "called"}),
        OwnOption(choices=[("a", "A")]),
    ]
    for widget in cases:
        expected = widget.render("name", "a", renderer=TemplatesSetting())
        assert widget.render("name", "a", renderer=WidgetRenderer()) == expected
    assert 'data-call="called"' in cases[0].render("name", "a", renderer=WidgetRenderer())
    # ``attrs.items`` is then the attribute, which the template cannot unpack: nor can we.
    with pytest.raises(ValueError, match="unpack"):
        forms.TextInput(attrs={"items": "x"}).render("name", "a", renderer=WidgetRenderer())


def test_an_engine_without_autoescaping_is_followed(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {**settings.TEMPLATES[0]["OPTIONS"], "autoescape": False},
        }
    ]
    # (The settings fixture makes the template engines anew, with and without.)
    fast, templates = rendered_both_ways(Everything())
    assert fast == templates
    assert any('"quoted" &' in html for html in fast)
