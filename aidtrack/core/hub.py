"""Tabs on a record's page, assembled from what each app declares.

An app lists its tabs in its AppConfig under the name of the page they go on:
``pairing_hub_tabs = [HubTab(...)]`` for a pairing's hub,
``project_page_tabs = [HubTab(...)]`` for a project's page. Only the selected
tab is computed, so a page with many sections costs what one section costs;
a tab shows only to users whose role may view its model.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import import_string

PAIRING_HUB = "pairing_hub_tabs"
PROJECT_PAGE = "project_page_tabs"


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
