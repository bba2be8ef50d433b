"""Tabs on a record's page, assembled from what each app declares.

An app lists its tabs in its AppConfig under the name of the page they go on:
``pairing_hub_tabs = [HubTab(...)]`` for a pairing's hub,
``project_page_tabs = [HubTab(...)]`` for a project's page. Only the selected
tab is computed, so a page with many sections costs what one section costs;
a tab shows only to users whose role may view its model.

A tab costs the same whatever the size of the tree below the record: it
shows counts and sums computed in the database and a first page of rows
(``first_page``), with a link to the list filtered to the same records for
the rest. Lists are where paging lives.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.utils.module_loading import import_string

PAIRING_HUB = "pairing_hub_tabs"
PROJECT_PAGE = "project_page_tabs"
# Rows a tab shows of a section before it points to the list.
FIRST_PAGE_SIZE = 25


@dataclass(frozen=True)
class HubTab:
    key: str  # the ?tab= value
    label: str
    # "app_label.ModelName" whose view permission decides visibility.
    model: str
    template: str
    # Dotted path of ``f(request, record) -> dict`` giving the template's context
    # (the record is the pairing or project whose page shows the tab); a path,
    # because AppConfigs are read before models can be imported.
    context: str

    @property
    def context_function(self) -> Callable:
        return import_string(self.context)


def hub_tabs(user, attribute: str = PAIRING_HUB) -> list[HubTab]:
    """The tabs of the page named by ``attribute`` this user may open, in app order."""
    return [
        tab
        for config in apps.get_app_configs()
        for tab in getattr(config, attribute, ())
        if user.may("view", apps.get_model(tab.model))
    ]


def selected_tab(tabs: list[HubTab], key: str | None) -> HubTab | None:
    return next((tab for tab in tabs if tab.key == key), None)


@dataclass
class FirstPage:
    """The first rows of a tab's section, how many there are in all, and the list of all."""

    rows: list = field(default_factory=list)
    count: int = 0
    # The list page filtered to the same records (with the pairings below).
    url: str = ""

    @property
    def more(self) -> bool:
        return self.count > len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def first_page(queryset, url: str = "", *, counted=None, count: int | None = None) -> FirstPage:
    """Two queries whatever the number of rows: the first ``FIRST_PAGE_SIZE`` rows and the count.

    ``counted``: the same rows without what only the page needs (annotations,
    joins for display), when counting those would cost more than the rows;
    ``count``: the number of rows when the tab has counted them already.
    """
    rows = list(queryset[:FIRST_PAGE_SIZE])
    if count is None:
        count = (queryset if counted is None else counted).order_by().count()
    return FirstPage(rows=rows, count=count, url=url)
