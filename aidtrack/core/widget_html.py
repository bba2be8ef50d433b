"""Django's own select and input widget templates, built in Python.

Every form field of a page renders its widget through a template: a select
is ``select.html``, which includes ``select_option.html`` for each option,
which includes ``attrs.html``; an input is ``text.html`` including
``input.html`` including ``attrs.html``. A list page's filter form of six
selects with a hundred options made ~80 template includes per request, a
quarter of the page's time (and of each edit form's).

``WidgetRenderer`` (``settings.FORM_RENDERER``) builds the same HTML for
those templates in Python, with the template engine's own functions for each
value (``render_value_in_context``: localized, escaped) and the
``stringformat:'s'`` filter's rule. It does so only where it knows exactly
what the template does: each template it replaces must be Django's file,
word for word (checked once per template: a project override, or another
Django version's text, is rendered by the template), and a value the
template would treat differently — a callable (templates call them), an
attribute named ``items`` (``attrs.items`` would look it up), an option with
its own template — sends that widget through the template too.

tests/core/test_widget_html.py compares both ways for every form field of
every list page's filters and every edit form, and for the awkward values.
"""

import operator

from django.forms.renderers import TemplatesSetting
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
ATTRS = WIDGETS + "attrs.html"
INPUT = WIDGETS + "input.html"
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"

# The text of each replaced template, as Django ships it: where the loaded
# template says anything else, it renders the widget.
_ATTRS_SOURCE = (
    "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
    "{% endfor %}"
)
_INPUT_SOURCE = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"'
    "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n'
)
_SELECT_SOURCE = (
    '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
    "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
    '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
    "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
    "  </optgroup>{% endif %}{% endfor %}\n"
    "</select>\n"
)
_OPTION_SOURCE = (
    "<option value=\"{{ widget.value|stringformat:'s' }}\""
    '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
)
# Input widgets whose template is only the include of input.html.
_INCLUDING_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
INPUTS = tuple(
    f"{WIDGETS}{name}.html"
    for name in (
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
SOURCES = {
    ATTRS: _ATTRS_SOURCE,
    INPUT: _INPUT_SOURCE,
    SELECT: _SELECT_SOURCE,
    OPTION: _OPTION_SOURCE,
    **dict.fromkeys(INPUTS, _INCLUDING_INPUT),
}


class NotKnown(Exception):
    """A value the template would treat in a way this module does not repeat."""


class _TemplateContext:
    """What ``render_value_in_context`` reads of a template's context: the
    renderer's templates are rendered with a plain ``Context`` (no request)."""

    use_tz = None
    use_l10n = None

    def __init__(self, autoescape: bool):
        self.autoescape = autoescape


class WidgetRenderer(TemplatesSetting):
    """``TemplatesSetting`` that builds Django's select and input widgets in Python."""

    def __init__(self):
        super().__init__()
        self._builders: dict[str, object] = {}

    def render(self, template_name, context, request=None):
        build = self._builders.get(template_name)
        if build is None:
            build = self._builders[template_name] = self._builder(template_name)
        if build is not False and request is None:
            try:
                return build(context["widget"]).strip()
            except NotKnown:
                pass
        return super().render(template_name, context, request)

    def _builder(self, template_name):
        """The Python function for ``template_name``, or False where the template renders."""
        if template_name == SELECT:
            needed = (SELECT, OPTION, ATTRS)
        elif template_name in INPUTS:
            needed = (template_name, INPUT, ATTRS)
        else:
            return False
        templates = [self.get_template(name) for name in needed]
        if any(
            template.template.source != SOURCES[name]
            for name, template in zip(needed, templates, strict=True)
        ):
            return False
        values = _Values(templates[0].template.engine.autoescape)
        return values.select if template_name == SELECT else values.input


class _Values:
    """The templates' output, for one engine's autoescaping."""

    def __init__(self, autoescape: bool):
        self.context = _TemplateContext(autoescape)

    def shown(self, value) -> str:
        """``{{ value }}``."""
        if callable(value):
            raise NotKnown  # a template calls it
        return render_value_in_context(value, self.context)

    def formatted(self, value) -> str:
        """``{{ value|stringformat:'s' }}``."""
        if callable(value):
            raise NotKnown
        if isinstance(value, tuple):
            text = str(value)
        else:
            try:
                text = "%s" % value  # noqa: UP031 - the filter's own formatting
            except (ValueError, TypeError):
                text = ""
        if isinstance(value, SafeData):  # the filter is_safe: safe input stays unescaped
            text = mark_safe(text)  # noqa: S308
        return render_value_in_context(text, self.context)

    def attrs(self, attrs) -> str:
        """attrs.html."""
        if "items" in attrs:
            raise NotKnown  # ``attrs.items`` would be that attribute
        parts = []
        for name, value in attrs.items():
            if value is False:
                continue
            parts.append(f" {self.shown(name)}")
            if value is not True:
                parts.append(f'="{self.formatted(value)}"')
        return "".join(parts)

    def input(self, widget) -> str:
        """input.html."""
        value = widget["value"]
        # ``{% if widget.value != None %}``: the comparison itself, not an identity test.
        shown = f' value="{self.formatted(value)}"' if operator.ne(value, None) else ""
        return (
            f'<input type="{self.shown(widget["type"])}" name="{self.shown(widget["name"])}"'
            f"{shown}{self.attrs(widget['attrs'])}>\n"
        )

    def select(self, widget) -> str:
        """select.html, with select_option.html for each option."""
        parts = [f'<select name="{self.shown(widget["name"])}"{self.attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if callable(group_name):
                raise NotKnown
            if group_name:
                parts.append(f'\n  <optgroup label="{self.shown(group_name)}">')
            for option in group_choices:
                if option["template_name"] != OPTION:
                    raise NotKnown
                parts.append(
                    f'\n  <option value="{self.formatted(option["value"])}"'
                    f"{self.attrs(option['attrs'])}>{self.shown(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)
