"""Region coordinates come from the cpca package, by GB/T 2260 code; the rest inherit."""

import pytest
from django.core.management import call_command

from pairings.coordinates import package_coordinates, region_coordinates_fill
from pairings.models import Region

pytestmark = pytest.mark.django_db


def test_the_package_places_provinces_prefectures_and_counties_by_code():
    found = package_coordinates()
    assert len(found) > 3000
    longitude, latitude = found["520200"]  # 六盘水市
    assert 104 < longitude < 106 and 26 < latitude < 27
    assert "440000" in found and "520203" in found  # a province, a county


def test_regions_get_the_package_s_coordinates_or_their_parent_s(world):
    located = region_coordinates_fill()
    assert located == Region.objects.count()
    found = package_coordinates()
    lps = Region.objects.get(code="520200")
    assert (lps.longitude, lps.latitude) == found["520200"]
    lz = Region.objects.get(code="520203")
    assert (lz.longitude, lz.latitude) == found["520203"]
    # A township is not in the package: it is drawn at its county (here the city itself).
    zsg = Region.objects.get(code="442000003")
    assert (zsg.longitude, zsg.latitude) == found["442000"]
    # Filled again, nothing changes.
    assert region_coordinates_fill() == located
    assert Region.objects.get(code="442000003").longitude == zsg.longitude


def test_load_regions_fills_coordinates_on_a_database_loaded_without_them(world, monkeypatch):
    Region.objects.update(longitude=None, latitude=None)
    # The regions count as loaded already (the command writes none of them) ...
    monkeypatch.setattr("pairings.management.commands.load_regions.regions_load", lambda force: 0)
    call_command("load_regions", verbosity=0)
    # ... and still get their coordinates, once.
    assert not Region.objects.filter(longitude__isnull=True).exists()
