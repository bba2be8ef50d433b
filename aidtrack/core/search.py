"""Search from the navbar: records found by name or code, within the user's scope.

A model joins by declaring ``search = Searchable(...)`` on its ObjectViews,
as it declares its import. The search reads through
``Model.objects.for_user(user, "view")`` and matches with the list's own
free-text rule (``filters.search_q``) on ``Searchable.fields``: a subset of
the list's ``search_fields``, so the group's "more" link (the list filtered
by the same ``q``) finds at least every record the search found.

Why a subset and not the list's fields themselves: a list also searches
columns across joins (a person's home organisation) or long texts (a
project's description). An ``OR`` across a join cannot be answered from an
index, and at national scale (100,000 people, 200,000 projects) the navbar
must answer as you type. The declared fields carry a trigram index
(``indexes.trigram_index``), which serves ``icontains`` on any part of a name.

A person is found by name only, never by ID number or phone, whatever the
list allows: a search must not confirm a guessed (masked) number.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.http import urlencode

from aidtrack.core import scoping
from aidtrack.core.filters import search_q

# One character matches too much to be worth a query. Two (a common Chinese
# name, 王伟) hold no whole trigram, so the index cannot narrow them: they cost
# a scan of the names in the user's scope (tens of milliseconds for 100,000).
MIN_QUERY_LENGTH = 2
# Records shown per group: on the results page and under the navbar box.
PAGE_LIMIT = 10
SUGGESTION_LIMIT = 3


@dataclass(frozen=True)
class Searchable:
    """How the navbar's search finds a model's records."""

    # The group's place on the results page (lower first).
    rank: int
    # Columns matched, each one of the list's ``search_fields``; each should
    # carry a ``trigram_index`` when the table is large.
    fields: tuple[str, ...]
    # What ``str()`` and ``detail`` read, fetched with the records.
    select_related: tuple[str, ...] = ()
    # An attribute shown beside each record's name (a person's organisation).
    detail: str = ""
    # The order of the records shown; by default the shortest match on the
    # first field first, so "王伟" comes before "王伟东".
    order_by: tuple = ()

    def describe(self, record) -> str:
        """The text beside ``record``'s name ("" when none is declared or it has none)."""
        if not self.detail:
            return ""
        value = getattr(record, self.detail)
        value = value() if callable(value) else value  # get_programme_display
        return "" if value is None else str(value)

    def ordering(self) -> tuple:
        return self.order_by or (Length(self.fields[0]), self.fields[0], "pk")


@dataclass
class Hit:
    label: str
    detail: str
    url: str


@dataclass
class Group:
    """One model's records matching the query, as the pages show them."""

    model: str  # "app_label.model_name"
    label: str
    hits: list[Hit]
    # The list filtered by the same ``q``: every match, and those its wider
    # ``search_fields`` find (a person by home organisation).
    list_url: str
    has_more: bool  # more records match than are shown


def searchables() -> list[type]:
    """The ObjectViews classes that declare ``search``, in their ``rank`` order."""
    from aidtrack.core.views import declared_pages

    found = [views for views in declared_pages() if getattr(views, "search", None) is not None]
    for views in found:
        check_declaration(views)
    return sorted(found, key=lambda views: views.search.rank)


def check_declaration(views) -> None:
    """Refuse a declared field the list does not search (its "more" link would miss hits)."""
    listed = getattr(views.filterset_class, "search_fields", ())
    unlisted = [name for name in views.search.fields if name not in listed]
    if unlisted:
        raise ImproperlyConfigured(
            f"{views.__name__}.search: {unlisted} are not among the list's search_fields, "
            "so its 'more' link would not find what the search found."
        )


def matches(views, user, text: str):
    """The records of ``views.model`` that ``user`` may view matching ``text``, best first."""
    declared = views.search
    return (
        views.model.objects.for_user(user, scoping.VIEW)
        .filter(search_q(declared.fields, text))
        .order_by(*declared.ordering())
    )


def best_matches(views, user, text: str, count: int):
    """The first ``count`` of ``matches``, with what their names read, in one query.

    The related rows are joined to those few only: joined before the limit, a
    name matching 5,000 projects would fetch 5,000 pairings' names to sort them.
    """
    declared = views.search
    chosen = matches(views, user, text).values("pk")[:count]
    # In scope already: the ids come from ``for_user`` above.
    return (
        views.model._default_manager.filter(pk__in=chosen)
        .select_related(*declared.select_related)
        .order_by(*declared.ordering())
    )


def site_search(user, text: str, limit: int = PAGE_LIMIT) -> list[Group]:
    """The groups of records ``user`` may view matching ``text``; one query per group.

    Groups without a match, or of models the user's role may not view, are left out.
    """
    text = text.strip()
    if len(text) < MIN_QUERY_LENGTH:
        return []
    groups = []
    for views in searchables():
        model, declared = views.model, views.search
        if not (user.may(scoping.VIEW, model) and user.may(views.pages_need, model)):
            continue  # no query: the role opens none of their pages
        rows = list(best_matches(views, user, text, limit + 1))
        if not rows:
            continue
        hits = [
            Hit(str(row), declared.describe(row), row.get_absolute_url()) for row in rows[:limit]
        ]
        list_url = f"{reverse(views.list_url())}?{urlencode({'q': text})}"
        groups.append(
            Group(
                model._meta.label_lower,
                model._meta.verbose_name_plural,
                hits,
                list_url,
                has_more=len(rows) > limit,
            )
        )
    return groups
