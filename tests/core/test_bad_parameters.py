"""Hostile query parameters on every list: never a server error, a 400 naming the parameter.

The routes and their filters are read from the code, so a new API list, list
page or filter is covered without a test of its own: every viewset in the
API router, every ``ObjectViews`` list page and the other pages that filter
with a FilterSet. Each filter gets values derived from its kind (numbers out
of any sensible range, impossible dates, unknown choices, NUL bytes); the
filter's own form field says whether the value is invalid, and then the
answer must be a 400 that names the parameter (over the API in ``errors``,
on a page as the filter form's error). Paging (``cursor``, ``page_size``) and
``updated_since`` get the same treatment (where a list has no ``updated_since``,
the parameter is unknown there: also a 400 naming it).
"""

from base64 import b64encode

import django_filters
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

import aidtrack.urls  # noqa: F401  (every ObjectViews subclass is defined once the URLs are)
from aidtrack.api_router import router
from aidtrack.core.filters import ScopedFilterSet
from aidtrack.core.testing import ADMIN
from aidtrack.core.views import ObjectViews
from pairings.filters import PairingFilterSet
from projects.filters import NeedFilterSet, OutcomeReportFilterSet

NUMBERS = ("0", "-5", "99999999999", "1e308", "abc", "NaN")
DATES = ("2024-13-45", "99999-01-01", "0000-01-01")
TEXT = ("\x00", "x" * 500)


def hostile_values(filter_) -> tuple[str, ...]:
    if isinstance(filter_, django_filters.NumberFilter):
        return NUMBERS
    if isinstance(filter_, django_filters.DateFilter):
        return DATES
    if isinstance(filter_, django_filters.ChoiceFilter | django_filters.BooleanFilter):
        return ("nope", "\x00")
    return TEXT


def rejects(filter_, value) -> bool:
    """Whether the filter's own form field refuses the value (then a 400 is due)."""
    try:
        filter_.field.clean(value)
    except ValidationError:
        return True
    return False


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _cases(filterset_class):
    return [
        (name, value)
        for name, filter_ in filterset_class.base_filters.items()
        for value in hostile_values(filter_)
    ]


def _cursor(text: str) -> str:
    return b64encode(text.encode()).decode()


# Cursors that are not ours: the crafted one (a quote for a position),
# undecodable text, a position beyond any id, a negative offset, a bad direction.
CURSORS = (
    "cj0xJnA9JTI3",
    "!!!",
    "%%%",
    _cursor("p=99999999999999999999999"),
    _cursor("p=-1"),
    _cursor("o=-1"),
    _cursor("o=99999999999999999999"),
    _cursor("r=abc"),
    _cursor("p=1e308"),
)
PAGE_SIZES = ("0", "-5", "abc", "1.5", "1e308", "", " ")
TIMES = (
    "2024-01-01T00:00:00+99:00",
    "2024-01-01T00:00:00+20:00",
    "2024-01-01T00:00:00-16:00",
    "2024-13-45T00:00:00",
    "9999-12-31T23:59:59-15:00",
    "0001-01-01T00:00:00+15:00",
    "abc",
)

API_LISTS = [
    pytest.param(prefix, viewset, id=prefix)
    for prefix, viewset, _basename in router.registry
    if getattr(viewset, "filterset_class", None)
]


def _api(world):
    # A server error is an answer to record, not an exception to stop at.
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
    return client


def _browser(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.user(ADMIN))
    return client


def _errors(response) -> dict:
    return response.json().get("errors", {})


@pytest.mark.parametrize(("prefix", "viewset"), API_LISTS)
def test_api_list(world, prefix, viewset):
    """One request per filter and value, then paging and ``updated_since``."""
    client = _api(world)
    url = f"/api/v1/{prefix}/"
    filters = viewset.filterset_class.base_filters
    expected = [
        (name, value, 400 if rejects(filters[name], value) else 200)
        for name, value in _cases(viewset.filterset_class)
    ]
    expected += [("cursor", value, 400) for value in CURSORS]
    expected += [("page_size", value, 400) for value in PAGE_SIZES]
    # Huge sizes are capped at the maximum, as docs/api.md says.
    expected += [
        ("page_size", "100000", 200),
        ("page_size", "9" * 30, 200),
        ("page_size", "1", 200),
    ]
    # A bad time where the list has updated_since, an unknown parameter where it has not
    # (core.params): a 400 naming it either way.
    expected += [("updated_since", value, 400) for value in TIMES]
    failures = []
    for name, value, status in expected:
        response = client.get(url, {name: value})
        named = status == 200 or name in _errors(response)
        if response.status_code != status or not named:
            failures.append(f"{name}={value!r}: {response.status_code} {response.content[:120]!r}")
    assert not failures, "\n".join(failures)


def _list_pages():
    pages = {
        views.list_url(): views.filterset_class
        for views in _subclasses(ObjectViews)
        if views.model is not None and views.filterset_class is not None
    }
    # Pages of their own that filter with a FilterSet.
    pages.update(
        {
            "pairings:pairing_tree": PairingFilterSet,
            "projects:outcomereport_queue": OutcomeReportFilterSet,
            "projects:need_board": NeedFilterSet,
        }
    )
    return [pytest.param(name, filterset, id=name) for name, filterset in sorted(pages.items())]


@pytest.mark.parametrize(("url_name", "filterset_class"), _list_pages())
def test_list_page_filters(world, url_name, filterset_class):
    """A page renders slower than the API answers: every filter gets its k-th value at once,
    the refused ones together (400, each named by the form) and the accepted ones together."""
    client = _browser(world)
    url = reverse(url_name)
    filters = filterset_class.base_filters
    values = {name: hostile_values(filter_) for name, filter_ in filters.items()}
    failures = []
    for k in range(max(map(len, values.values()))):
        chosen = {name: options[k] for name, options in values.items() if k < len(options)}
        refused = {name: value for name, value in chosen.items() if rejects(filters[name], value)}
        accepted = {name: value for name, value in chosen.items() if name not in refused}
        if refused:
            response = client.get(url, refused)
            form = response.context and response.context.get("filter_form")
            named = set(form.errors) if form is not None else set()
            if response.status_code != 400 or named != set(refused):
                failures.append(f"{refused!r}: {response.status_code}, errors on {sorted(named)}")
        if accepted:
            response = client.get(url, accepted)
            if response.status_code != 200:
                failures.append(f"{accepted!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_invalid_filter_exports_nothing(world):
    """A download with a bad filter is refused, not the whole unfiltered list."""
    response = _browser(world).get(
        reverse("pairings:pairing_list"), {"active_in_year": "0", "export": "csv"}
    )
    assert response.status_code == 400
    assert "active_in_year" in response.context["filter_form"].errors


def test_page_size_within_bounds_is_obeyed(world):
    response = _api(world).get("/api/v1/pairings/", {"page_size": "2"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    assert "cursor=" in response.json()["next"]


def test_every_number_filter_is_bounded():
    """A filter without bounds would pass any number to the database (the 500s of issue 12)."""
    unbounded = [
        f"{filterset.__name__}.{name}"
        for filterset in _subclasses(ScopedFilterSet)
        for name, filter_ in filterset.base_filters.items()
        if isinstance(filter_, django_filters.NumberFilter)
        and (filter_.field.min_value is None or filter_.field.max_value is None)
    ]
    assert unbounded == []


@pytest.mark.parametrize("path", ["needs/summary", "outcome-reports/totals"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("year", "0"),
        ("year", "99999999999"),
        ("year", "abc"),
        ("pairing", "0"),
        ("pairing", "1e308"),
    ],
)
def test_pairing_year_figures_bound_their_parameters(world, path, name, value):
    params = {"pairing": world.in_scope_pairing.pk, "year": 2023, name: value}
    response = _api(world).get(f"/api/v1/{path}/", params)
    assert response.status_code == 400
    assert name in _errors(response)


def test_region_suggestions_refuse_a_nul(world):
    response = _browser(world).get(reverse("pairings:region_suggest"), {"q": "贵\x00州"})
    assert response.status_code == 400


def test_a_digit_int_refuses_is_not_an_id(world):
    """``"²".isdigit()`` is true, ``int("²")`` fails: posted ids are ASCII digits or ignored."""
    client = _browser(world)
    queue = client.post(reverse("projects:outcomereport_queue"), {"report": "²", "decision": "x"})
    assert queue.status_code == 302
    notifications = client.post(reverse("accounts:notification_list"), {"id": "²"})
    assert notifications.status_code < 500
