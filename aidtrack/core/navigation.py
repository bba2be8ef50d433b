"""The navigation bar, assembled from what each app declares.

An app lists its pages in its AppConfig as ``navigation = [NavItem(...)]``;
an item shows only to users whose role may perform its action (view, unless
it says otherwise) on its model, so no page
appears before it exists and nobody is shown a page that would refuse them.
"""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


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
    """``nav_groups`` (the menus) and ``nav_menu``, their HTML (core/navigation_menu.html).

    The menus depend only on which items the role may see, the language,
    the URLconf and the script prefix: the HTML is rendered once for each and
    reused (rendering some forty lazily translated labels and links on every
    page was a third of the page's template time). ``nav_menu`` is lazy, so
    a template without the bar renders nothing.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.uses_browser:
        return {"nav_groups": [], "nav_menu": ""}
    urlconf, prefix = get_urlconf(), get_script_prefix()
    visible = [
        (
            config,
            [
                item
                for item in getattr(config, "navigation", ())
                if item.model is None or user.may(item.action, apps.get_model(item.model))
            ],
        )
        for config in apps.get_app_configs()
    ]
    groups = [
        {
            "label": config.verbose_name,
            "items": [
                {"label": item.label, "url": _page_url(item.url_name, urlconf, prefix)}
                for item in items
            ],
        }
        for config, items in visible
        if items
    ]
    # The items are the AppConfigs' own declarations, alive as long as the process.
    key = (
        get_language(),
        urlconf,
        prefix,
        tuple((id(config), *(id(item) for item in items)) for config, items in visible if items),
    )
    return {"nav_groups": groups, "nav_menu": lambda: _menu_html(key, groups)}


_MENUS: dict[tuple, str] = {}
_MENUS_KEPT = 64  # roles × languages × prefixes: a handful in practice


def _menu_html(key: tuple, groups: list) -> str:
    html = _MENUS.get(key)
    if html is None:
        html = render_to_string("core/navigation_menu.html", {"nav_groups": groups})
        if len(_MENUS) >= _MENUS_KEPT:
            _MENUS.clear()
        _MENUS[key] = html
    return html


@functools.lru_cache(maxsize=512)
def _page_url(url_name: str, urlconf, script_prefix: str) -> str:
    """``reverse(url_name)`` of a page without arguments, once per URLconf and prefix.

    The bar links some twenty pages on every page view; reversing each
    every time was a tenth of a short list page's time.
    """
    return reverse(url_name, urlconf=urlconf)
