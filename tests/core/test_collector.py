"""The garbage collector of a server process (aidtrack.core.collector) and what a page leaves it."""

import gc

import pytest
from django.db import models
from rest_framework.test import APIClient

from aidtrack.core import collector
from aidtrack.core.testing import LEADER
from tests.projects.conftest import make_report


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_settle_freezes_start_up_and_collects_young_objects_less_often(restored_collector):
    collector.settle()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == collector.YOUNG_OBJECTS


def _records_left_to_the_collector(client, url) -> list:
    """The listed records (and those read with them) one request leaves that only the cyclic
    collector would free; the request's user and token are one each, whatever the rows."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        assert client.get(url).status_code == 200
        gc.collect()
        return [
            o for o in gc.garbage if isinstance(o, models.Model) and o._meta.app_label == "projects"
        ]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def test_an_api_page_leaves_its_records_to_reference_counting(world):
    """The serializer and a prefetch hold the records in cycles: the page drops them."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(LEADER)}")
    for year in range(2000, 2030):
        make_report(world, year=year)  # its reviews and evidence are prefetched
    url = "/api/v1/outcome-reports/?page_size=500"
    assert api.get(url).json()["results"]
    assert _records_left_to_the_collector(api, url) == []
