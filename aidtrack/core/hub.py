"""The tabs of a pairing's hub page, assembled from what each app declares.

An app lists its tabs in its AppConfig as ``pairing_hub_tabs = [HubTab(...)]``.
Only the selected tab is computed, so a hub with many sections costs what one
section costs; a tab shows only to users whose role may view its model.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class HubTab:
    key: str  # the ?tab= value
    label: str
    # "app_label.ModelName" whose view permission decides visibility.
    model: str
    template: str
    # Dotted path of ``f(request, pairing) -> dict`` giving the template's context;
    # a path, because AppConfigs are read before models can be imported.
    context: str

    @property
    def context_function(self) -> Callable:
        return import_string(self.context)


def hub_tabs(user) -> list[HubTab]:
    """The tabs this user may open, in app order."""
    return [
        tab
        for config in apps.get_app_configs()
        for tab in getattr(config, "pairing_hub_tabs", ())
        if user.may("view", apps.get_model(tab.model))
    ]
