"""Strict query parameters (core.params), generated over the OpenAPI document and the router.

Every operation accepts exactly the query parameters its operation in the
schema documents: each documented one, given a value its filter accepts,
answers 200; every other name (from a pool of every parameter any operation
knows, plus misspellings) is a 400 that names it. ``fields=`` and ``id=``
are validated here; what they return is checked over the demo's rows
(tests/demo/test_api_fields_and_ids.py).
"""

from types import SimpleNamespace

import django_filters
import pytest
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from aidtrack.api_router import router
from aidtrack.core.filters import ScopedFilterSet
from aidtrack.core.params import MAX_IDS, documented_query_parameters
from aidtrack.core.signed import sign_token
from aidtrack.core.testing import ADMIN, COORDINATOR

PREFIX = "/api/v1/"


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(document):
    """(path, method, operation) of every operation under /api/v1/ but the schema's own."""
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith(PREFIX) and method in ("get", "post", "put", "patch", "delete"):
                yield path, method.upper(), operation


def _query_names(operation) -> set[str]:
    return {p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"}


def _api(world, role=ADMIN):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def _errors(response) -> dict:
    return response.json().get("errors", {})


LISTS = [pytest.param(prefix, viewset, id=prefix) for prefix, viewset, _ in router.registry]


def _valid_cursor() -> str:
    # What CappedCursorPagination hands out: rows after id 1.
    return sign_token("p=1", salt="aidtrack.api.cursor")


def _accepted_value(world, viewset, name):
    """A value the parameter accepts (its filter's own form field says so)."""
    fixed = {
        "cursor": _valid_cursor(),
        "page_size": "2",
        "fields": "id",
        "id": "1,2,3",
        "updated_since": "2024-01-01T00:00:00+08:00",
    }
    if name in fixed:
        return fixed[name]
    # Bound to a request: some choices (provinces …) are the user's, made per request.
    request = SimpleNamespace(user=world.user(ADMIN))
    filterset = viewset.filterset_class(queryset=viewset.queryset.none(), request=request)
    filter_ = filterset.filters[name]
    candidates = ["1", "2023", "true", "2024-01-01", "x"]
    if isinstance(filter_, django_filters.ChoiceFilter):
        candidates = [str(value) for value, _label in filter_.field.choices if value]
    for value in candidates:
        try:
            filter_.field.clean(value)
        except ValidationError:
            continue
        return value
    raise AssertionError(f"no accepted value for {name}")


def _every_parameter_name(document) -> set[str]:
    names = set()
    for _path, _method, operation in _operations(document):
        names |= _query_names(operation)
    return names | {"format", "after", "resource", "ordering", "limit", "offset", "page"}


@pytest.mark.parametrize(("prefix", "viewset"), LISTS)
def test_documented_parameters_are_exactly_the_accepted_ones(world, document, prefix, viewset):
    """List: each documented parameter answers 200; every other name a 400 naming it."""
    path = f"{PREFIX}{prefix}/"
    documented = _query_names(document["paths"][path]["get"])
    assert documented == documented_query_parameters(viewset, "list", "GET")
    assert {"cursor", "page_size", "fields", "id", "q"} <= documented
    client = _api(world)
    refused = []
    for name in sorted(documented):
        response = client.get(path, {name: _accepted_value(world, viewset, name)})
        if response.status_code != 200:
            refused.append(f"{name}: {response.status_code} {response.content[:200]!r}")
    assert not refused, "\n".join(refused)

    misspelt = {name[:-1] for name in documented} | {f"{name}e" for name in documented}
    unknown = (_every_parameter_name(document) | misspelt) - documented
    response = client.get(path, dict.fromkeys(sorted(unknown), "1"))
    assert response.status_code == 400
    assert set(_errors(response)) == unknown


def test_every_record_operation_refuses_what_it_does_not_document(world, document):
    """Detail reads, writes, downloads, transitions: unknown names are a 400 before anything
    is read or written (the record need not even exist)."""
    client = _api(world)
    failures = []
    pool = _every_parameter_name(document)
    for path, method, operation in _operations(document):
        if "{id}" not in path:
            continue
        documented = _query_names(operation)
        unknown = pool - documented
        query = "&".join(f"{name}=1" for name in sorted(unknown))
        url = path.replace("{id}", "999999999") + "?" + query
        response = client.generic(method, url, "{}", content_type="application/json")
        if response.status_code != 400 or set(_errors(response)) != unknown:
            failures.append(f"{method} {path}: {response.status_code} {response.content[:200]!r}")
    assert not failures, "\n".join(failures)


def test_list_operations_refuse_unknown_parameters_on_writes_too(world, document):
    """``POST /api/v1/pairings/?status=x``: a create documents no query parameter."""
    client = _api(world)
    for path, method, operation in _operations(document):
        if method == "POST" and "{id}" not in path:
            assert _query_names(operation) == set(), path
            response = client.post(f"{path}?statu=planned", {}, format="json")
            assert response.status_code == 400, path
            assert set(_errors(response)) == {"statu"}, path


def test_the_message_lists_the_accepted_parameters(world):
    response = _api(world).get(
        f"{PREFIX}pairings/", {"statu": "planned"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    [message] = body["errors"]["statu"]
    assert message.startswith("Unknown parameter. Known: ")
    assert "status" in message and "updated_since" in message and "fields" in message


def test_misspelt_updated_since_is_refused(world):
    response = _api(world).get(f"{PREFIX}projects/", {"updated_sincee": "2024-01-01"})
    assert response.status_code == 400
    assert "updated_sincee" in _errors(response)


def test_users_have_no_updated_since(world):
    """Users carry no change time: the parameter is not documented there, so it is a 400."""
    response = _api(world).get(f"{PREFIX}users/", {"updated_since": "2024-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert "updated_since" in _errors(response)


def test_unauthenticated_is_still_a_401(world):
    response = APIClient().get(f"{PREFIX}pairings/", {"statu": "x"})
    assert response.status_code == 401


def test_team_members_and_descendants_document_what_they_apply(world, document):
    """``members`` lists all of a team's members (no filters, no paging); ``descendants`` is a
    filtered, paged list of pairings."""
    assert _query_names(document["paths"][f"{PREFIX}teams/{{id}}/members/"]["get"]) == set()
    descendants = _query_names(document["paths"][f"{PREFIX}pairings/{{id}}/descendants/"]["get"])
    assert descendants == _query_names(document["paths"][f"{PREFIX}pairings/"]["get"])
    root = world.pairings["gd-gz"]
    client = _api(world)
    response = client.get(
        f"{PREFIX}pairings/{root.pk}/descendants/", {"page_size": "1", "fields": "id,level"}
    )
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    assert set(response.json()["results"][0]) == {"id", "level"}
    everything = client.get(f"{PREFIX}pairings/{root.pk}/descendants/")
    assert everything.status_code == 200, everything.content
    below = {row["id"] for row in everything.json()["results"]}
    chosen = sorted(below)[:1]
    response = client.get(
        f"{PREFIX}pairings/{root.pk}/descendants/", {"id": ",".join(map(str, chosen))}
    )
    assert [row["id"] for row in response.json()["results"]] == chosen
    # The filters choose among the pairings below, not the pairing they lie below.
    response = client.get(f"{PREFIX}pairings/{root.pk}/descendants/", {"level": "prefecture"})
    assert {row["id"] for row in response.json()["results"]} == {
        world.pairings["zs-lps"].pk,
        world.pairings["gz-bj"].pk,
    }


@pytest.mark.parametrize(
    "value",
    [
        "",
        "abc",
        "1.5",
        "-3",
        "0",
        "+3",
        "1_0",
        "1,,2",
        "١",
        str(2**63),
        ",".join(["1"] * (MAX_IDS + 1)),
    ],
)
def test_bad_ids_are_a_400(world, value):
    response = _api(world).get(f"{PREFIX}pairings/", {"id": value})
    assert response.status_code == 400
    assert "id" in _errors(response)


def test_ids_at_the_limit_are_accepted(world):
    ids = ",".join(str(pk) for pk in range(1, MAX_IDS + 1))
    response = _api(world).get(f"{PREFIX}pairings/", {"id": ids})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["bogus", "id,bogus", "", ",", "id,name.code"])
def test_unknown_fields_are_a_400_naming_them(world, value):
    response = _api(world, COORDINATOR).get(f"{PREFIX}pairings/", {"fields": value})
    assert response.status_code == 400
    messages = _errors(response)["fields"]
    for name in {"bogus", "name.code"} & set(value.split(",")):
        assert any(name in message for message in messages)


def test_unknown_fields_on_a_detail(world):
    pairing = world.in_scope_pairing
    response = _api(world, COORDINATOR).get(f"{PREFIX}pairings/{pairing.pk}/", {"fields": "nope"})
    assert response.status_code == 400
    assert "nope" in _errors(response)["fields"][0]


@pytest.mark.parametrize(("prefix", "viewset"), LISTS)
def test_a_filterset_given_no_value_keeps_every_row(world, prefix, viewset):
    """What lets ``FilterSetBackend`` leave the FilterSet out of a request that names none of
    its filters: built on no values, it returns the queryset it was given, the same SQL."""
    filterset_class = getattr(viewset, "filterset_class", None)
    if filterset_class is None:
        pytest.skip("no FilterSet")
    request = SimpleNamespace(user=world.user(ADMIN))
    queryset = viewset.queryset.order_by("pk")
    filterset = filterset_class(data={}, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    assert str(filterset.qs.query) == str(queryset.query)
    # And each filter reads its own name only: a range widget reads two other keys.
    assert not [
        name
        for name, filter_ in filterset.filters.items()
        if isinstance(filter_.field.widget, forms.MultiWidget)
    ]


def test_the_filterset_is_built_only_for_a_request_that_names_a_filter(world, monkeypatch):
    built = []
    original = ScopedFilterSet.__init__

    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ScopedFilterSet, "__init__", counting)
    client = _api(world)
    everything = client.get(f"{PREFIX}pairings/", {"page_size": "500"})
    assert everything.status_code == 200
    assert built == []
    filtered = client.get(f"{PREFIX}pairings/", {"page_size": "500", "level": "prefecture"})
    assert filtered.status_code == 200
    assert built == ["PairingFilterSet"]
    rows = everything.json()["results"]
    assert {row["id"] for row in filtered.json()["results"]} == {
        world.pairings["zs-lps"].pk,
        world.pairings["gz-bj"].pk,
    }
    assert len(rows) == len(world.pairings)
