"""The demo on the map: every pairing's two regions are located, and the dashboards
carry their map data (the coordinates come from load_regions, i.e. the cpca package)."""

import json
import re

import pytest
from django.db.models import Q
from django.test import Client

from accounts.models import User
from pairings.demo import demo_load as pairings_demo_load
from pairings.models import Pairing

pytestmark = pytest.mark.xdist_group("demo")

YEAR = 2023


def map_data(page: str) -> dict:
    found = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


def test_the_demo_pairings_are_on_the_map(demo_loaded):
    pairings = pairings_demo_load()
    unlocated = Pairing.objects.filter(pk__in=[p.pk for p in pairings.values()]).filter(
        Q(helping_region__longitude__isnull=True) | Q(helped_region__longitude__isnull=True)
    )
    assert not unlocated.exists()

    client = Client()
    client.force_login(User.objects.get(username="leader"))
    overview = map_data(client.get("/assessments/", {"year": YEAR}).content.decode())
    top = Pairing.objects.filter(parent__isnull=True).count()
    assert len(overview["lines"]) == top
    assert all(line["url"].startswith("/assessments/pairing/") for line in overview["lines"])

    zs_lps = pairings["zs-lps"]
    page = client.get(f"/assessments/pairing/{zs_lps.pk}/", {"year": YEAR}).content.decode()
    points = map_data(page)["points"]
    assert {point["kind"] for point in points} >= {"project"}
    # Every point lies in Guizhou (六盘水's counties), none at the helping side.
    assert all(103 < point["value"][0] < 106 and 25 < point["value"][1] < 27 for point in points)
