"""The navigation bar, assembled from what each app declares.

An app lists its pages in its AppConfig as ``navigation = [NavItem(...)]``;
an item shows only to users whose role may perform its action (view, unless
it says otherwise) on its model, so no page
appears before it exists and nobody is shown a page that would refuse them.
"""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.urls import get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    # "app_label.ModelName" whose view permission decides visibility;
    # None: a page for every signed-in person (their own check-ins, say).
    model: str | None
    # A page for changing records (a review queue, accounts) shows to those who may change.
    action: str = "view"


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.uses_browser:
        return {"nav_groups": []}
    groups = []
    for config in apps.get_app_configs():
        items = [
            {
                "label": item.label,
                "url": _page_url(item.url_name, get_urlconf(), get_script_prefix()),
            }
            for item in getattr(config, "navigation", ())
            if item.model is None or user.may(item.action, apps.get_model(item.model))
        ]
        if items:
            groups.append({"label": config.verbose_name, "items": items})
    return {"nav_groups": groups}


@functools.lru_cache(maxsize=512)
def _page_url(url_name: str, urlconf, script_prefix: str) -> str:
    """``reverse(url_name)`` of a page without arguments, once per URLconf and prefix.

    The bar links some twenty pages on every page view; reversing each
    every time was a tenth of a short list page's time.
    """
    return reverse(url_name, urlconf=urlconf)
