"""The shared layers (tests/shared.py) isolate tests as fixtures built per test did.

The tests of this module run in order on one xdist worker, so that the later
ones see whatever the earlier ones would leak.
"""

import threading

import pytest
from django.db import connection, connections

from accounts.models import ApiToken, User
from aidtrack.core.testing import COORDINATOR
from pairings.models import Pairing

pytestmark = pytest.mark.xdist_group("shared-layers")


class TestEachTestHasItsOwnSavepointAndObjects:
    def test_runs_in_a_savepoint_of_the_shared_transaction(self, world):
        # pytest-django's atomic block nests into the world's: a savepoint.
        assert connection.in_atomic_block
        assert connection.savepoint_ids

    def test_changes_rows_objects_and_keys(self, world):
        coordinator = world.user(COORDINATOR)
        assert coordinator.pairing_ids_in_scope()  # cached on the object
        world.token(COORDINATOR)
        world.pairings["zs-lps"].notes = "changed in memory only"
        coordinator.scope_pairings.clear()
        Pairing.objects.filter(pk=world.pairings["th-xqg"].pk).delete()
        assert ApiToken.objects.exists()

    def test_sees_none_of_it(self, world):
        coordinator = world.user(COORDINATOR)
        assert "_scope_ids" not in coordinator.__dict__
        assert world._tokens == {}
        assert not ApiToken.objects.exists()
        assert world.pairings["zs-lps"].notes == ""
        assert Pairing.objects.count() == 5
        assert list(coordinator.scope_pairings.all()) == [world.pairings["zs-lps"]]
        assert world.pairings["zs-lps"].helping_region is world.regions["zs"]


def test_a_test_without_the_world_sees_none_of_its_rows(db):
    assert not User.objects.exists()
    assert not Pairing.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_get_a_committed_world(world):
    seen = []

    def count_in_another_connection():
        try:
            seen.append(Pairing.objects.count())
        finally:
            connections.close_all()

    thread = threading.Thread(target=count_in_another_connection)
    thread.start()
    thread.join()
    assert seen == [5]
