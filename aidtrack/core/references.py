"""Choosing a record by name: one type-ahead widget and one suggestion endpoint.

A drop-down of every person or pairing grows with the tables (thousands at
national scale) and a box asking for an id asks the user for something they
do not know. A model that may be picked by name declares what is searched::

    class Person(BaseModel):
        suggest_fields = ("name", "home_organization__name")
        suggest_related = ("home_organization",)   # what its label reads

and optionally a ``suggest_label`` property (``str(record)`` otherwise).
``ReferenceInput`` shows that label in a text box while a hidden input
carries the record's id (or ``to_field``, a region's code), so filters and
forms receive exactly what they received before. As the user types, htmx asks
``core.suggest.ReferenceSuggestView`` for at most ``SUGGESTION_LIMIT`` matches among the
rows ``for_user`` lets the user see; ``static/js/aidtrack.js`` copies the value
of the suggestion picked into the hidden input.
"""

from django import forms
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aidtrack.core import paging, scoping

SUGGESTION_LIMIT = 20
# A select longer than this becomes a type-ahead box (forms.scope_choice_fields). A
# shorter one, and any select of choices, is narrowed as one types in the browser once it
# has more than SEARCHABLE_OPTIONS (static/js/aidtrack.js) options.
LONGEST_SELECT = 50


def is_suggestible(model) -> bool:
    return bool(getattr(model, "suggest_fields", ()))


def suggest_label(record) -> str:
    """What the user sees for a record: its ``suggest_label`` or its ``str()``."""
    return str(getattr(record, "suggest_label", None) or record)


def suggestion_rows(queryset, text: str):
    """The rows of ``queryset`` suggested for ``text``, at most ``SUGGESTION_LIMIT``.

    ``queryset`` is already scoped; every word of ``text`` may match any of the
    model's ``suggest_fields`` (so "中山 六盘水" finds the pairing 中山市 → 六盘水市).
    The national bench times this very queryset's SQL as the suggest endpoint's floor.
    """
    model = queryset.model
    words = text.split()
    for word in words:
        condition = Q()
        for field in model.suggest_fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    related = getattr(model, "suggest_related", ())
    if related:
        queryset = queryset.select_related(*related)
    if not words:
        # No text yet (the box just took the focus): the first rows, a start for short
        # lists. A coordinator's are picked as a list's first page picks them: a
        # province's first projects lie 12,000 entries into the order's index, which
        # read row by row took 10 ms, and ids first (index only) 4 ms.
        keys = paging.sort_keys(queryset, model._meta.ordering)
        if paging.reads_ids_first(queryset, keys):
            first = paging.ordered(queryset, keys)
            return paging.page_rows(first, SUGGESTION_LIMIT, ids_first=True)
    return queryset[:SUGGESTION_LIMIT]


def suggestions(queryset, text: str, *, to_field: str = "pk") -> list[tuple[str, str]]:
    """At most ``SUGGESTION_LIMIT`` (value, label) pairs of ``queryset`` matching ``text``."""
    rows = suggestion_rows(queryset, text)
    return [(str(getattr(row, to_field)), suggest_label(row)) for row in rows]


def suggest_url(model, to_field: str = "pk") -> str:
    url = reverse("reference_suggest", args=[model._meta.label_lower])
    return url if to_field == "pk" else f"{url}?to_field={to_field}"


class ReferenceInput(forms.Widget):
    """A text box showing a record's name, backed by a hidden input carrying its id.

    ``model`` is a model or its label (``"pairings.Pairing"``); ``queryset``,
    the rows the user may see, is set by the form or filter that knows the
    user (``scoped``) and is where the current value's label is looked up, so
    ``?pairing=5`` shows the pairing's name and an id out of reach shows
    only itself.
    """

    template_name = "widgets/reference_input.html"

    def __init__(self, model, *, to_field: str = "pk", queryset=None, attrs=None):
        super().__init__(attrs)
        self._model = model
        self.to_field = to_field
        self.queryset = queryset

    @property
    def model(self):
        if isinstance(self._model, str):
            self._model = apps.get_model(self._model)
        return self._model

    def scoped(self, user) -> "ReferenceInput":
        widget = self.__deepcopy__({})
        widget.queryset = self.model.objects.for_user(user, scoping.VIEW)
        return widget

    def label_of(self, value) -> str:
        if value in (None, ""):
            return ""
        if self.queryset is None:
            return str(value)
        related = getattr(self.model, "suggest_related", ())
        try:
            record = self.queryset.select_related(*related).get(**{self.to_field: value})
        except (ObjectDoesNotExist, ValueError, ValidationError, TypeError):
            return str(value)
        return suggest_label(record)

    def format_value(self, value):
        # A form's initial value may be the record itself.
        if isinstance(value, self.model):
            value = getattr(value, self.to_field)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["label"] = self.label_of(widget["value"])
        widget["suggest_url"] = suggest_url(self.model, self.to_field)
        widget["placeholder"] = _("Type part of a name")
        return context
