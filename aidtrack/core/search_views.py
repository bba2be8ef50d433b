"""The navbar's search: the results page and the suggestions under the box (core.search)."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path
from django.views import View

from aidtrack.core.search import MIN_QUERY_LENGTH, PAGE_LIMIT, SUGGESTION_LIMIT, site_search
from aidtrack.core.views import BrowserAccessMixin


def _query(request) -> str | None:
    """The text searched for; None when PostgreSQL could not compare it (a NUL)."""
    text = request.GET.get("q", "").strip()
    return None if "\x00" in text else text


class SearchView(BrowserAccessMixin, View):
    """``/search/?q=…``: every kind of record found, grouped, each group linking to its list."""

    def get(self, request):
        text = _query(request)
        if text is None:
            return HttpResponseBadRequest()
        context = {
            "q": text,
            "groups": site_search(request.user, text, PAGE_LIMIT),
            "too_short": 0 < len(text) < MIN_QUERY_LENGTH,
            "min_length": MIN_QUERY_LENGTH,
        }
        return render(request, "search/results.html", context)


class SearchSuggestView(BrowserAccessMixin, View):
    """The few best records per kind, shown under the navbar's box as the user types (htmx)."""

    def get(self, request):
        text = _query(request)
        if text is None:
            return HttpResponseBadRequest()
        groups = site_search(request.user, text, SUGGESTION_LIMIT)
        return render(request, "search/suggestions.html", {"q": text, "groups": groups})


urlpatterns = [
    path("", SearchView.as_view(), name="search"),
    path("suggest/", SearchSuggestView.as_view(), name="search_suggest"),
]
