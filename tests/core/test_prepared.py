"""A lookup compiled once (aidtrack.core.prepared) reads what the ORM reads, in one query.

It is how every request loads its user or API token; a difference from the
ORM's instance would be a difference in who the request is.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, User, scope_columns
from accounts.services import api_token_create
from aidtrack.core.prepared import PreparedLookup
from aidtrack.core.testing import ADMIN, COORDINATOR
from assessments.models import PairingYearSummary
from assessments.services import assessment_refresh

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {key: value for key, value in vars(instance).items() if key != "_state"}


def test_a_user_and_its_annotations_are_the_orms(world):
    users = User._default_manager.with_scope().with_unread_count()
    lookup = PreparedLookup(users, "pk", placeholder=-1)
    for user in world.users.values():
        with CaptureQueriesContext(connection) as queries:
            read = lookup.get(user.pk)
        assert len(queries) == 1
        assert fields(read) == fields(users.get(pk=user.pk))
        assert read._state.db == "default" and not read._state.adding
    coordinator = lookup.get(world.users[COORDINATOR].pk)
    assert world.pairings["zs-lps"].pk in set(coordinator.preloaded_scope_ids)
    admin = lookup.get(world.users[ADMIN].pk)
    assert admin.preloaded_scope_ids == [] and admin.preloaded_organization_ids is None


def test_a_token_comes_with_its_user_in_the_same_query(world):
    coordinator = world.users[COORDINATOR]
    api_token_create(user=coordinator, name="first", can_write=False)
    _token, key = api_token_create(user=coordinator, name="second", can_write=True)
    tokens = ApiToken.objects.select_related("user").annotate(
        **scope_columns(f"{ApiToken._meta.db_table}.user_id")
    )
    lookup = PreparedLookup(tokens, "digest", placeholder="(digest)")
    expected = tokens.get(name="second")
    with CaptureQueriesContext(connection) as queries:
        token = lookup.get(expected.digest)
        user = token.user
    assert len(queries) == 1
    assert fields(token) == fields(expected)
    assert fields(user) == fields(User.objects.get(pk=coordinator.pk))
    assert token.can_write and token.name == "second"


def test_a_key_no_row_has_reads_nothing(world):
    lookup = PreparedLookup(User.objects.all(), "pk", placeholder=-1)
    assert lookup.get(10**12) is None
    assert lookup.get(world.users[ADMIN].pk).username == "admin"


def test_values_are_converted_as_the_orm_converts_them(world):
    """JSON columns come back as the ORM gives them (its converters run)."""
    pairing = world.pairings["zs-lps"]
    assessment_refresh(pairing=pairing, year=2025)
    summary = PairingYearSummary.objects.get(pairing=pairing, year=2025)
    read = PreparedLookup(PairingYearSummary.objects.all(), "pk", placeholder=-1).get(summary.pk)
    assert fields(read) == fields(summary)
    assert isinstance(read.figures, list) and isinstance(read.tiles, dict)


def test_a_placeholder_the_query_holds_elsewhere_is_refused(world):
    others = User.objects.exclude(username="(username)")
    with pytest.raises(ValueError, match="choose another"):
        PreparedLookup(others, "username", placeholder="(username)")


def test_a_key_that_is_not_unique_is_refused(world):
    with pytest.raises(ValueError, match="not unique"):
        PreparedLookup(User.objects.all(), "role", placeholder="(role)")
