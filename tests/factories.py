"""Test data builders shared by every app's tests."""

from datetime import date

import factory

from accounts.choices import Role
from accounts.models import User
from pairings.choices import PairingLevel, Programme, RegionLevel
from pairings.models import Pairing, Region

_LEVEL_BY_LENGTH = {2: RegionLevel.PROVINCE, 4: RegionLevel.PREFECTURE, 6: RegionLevel.COUNTY}


def region(code: str, name: str, parent: Region | None = None) -> Region:
    """A region with its full name derived from the parent, as load_regions does."""
    if len(code) == 9:
        level = RegionLevel.TOWNSHIP
    elif code.endswith("0000"):
        level = RegionLevel.PROVINCE
    elif code.endswith("00"):
        level = RegionLevel.PREFECTURE
    else:
        level = RegionLevel.COUNTY
    full_name = f"{parent.full_name}{Region.SEPARATOR}{name}" if parent else name
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent, "full_name": full_name}
    )
    return obj


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    role = Role.COORDINATOR
    password = factory.django.Password("aidtrack-test")


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    programme = Programme.EAST_WEST
    level = PairingLevel.COUNTY
    start_date = date(2021, 1, 1)
