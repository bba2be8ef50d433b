"""Test data builders shared by every app's tests."""

from datetime import date

import factory

from accounts.choices import Role
from accounts.models import User
from pairings.choices import PairingLevel, Programme, RegionLevel
from pairings.models import Pairing, Region
from projects.choices import ProjectCategory
from projects.models import Project

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


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project located in the helped region of its pairing (pass ``pairing``)."""

    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"TEST-{n:05d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    region = factory.LazyAttribute(lambda project: project.pairing.helped_region)
    category = ProjectCategory.INDUSTRY
    year = 2023
    budget = 1_000_000


def new_pairing_data(world, **changes) -> dict:
    """Form/API data for a new county pairing under 中山→六盘水 (the coordinator's scope)."""
    data = {
        "helping_region": world.regions["zs"].code,
        "helped_region": world.regions["lz"].code,
        "parent": world.pairings["zs-lps"].pk,
        "programme": "east_west",
        "level": "county",
        "start_date": "2022-03-01",
        "status": "active",
    }
    data.update(changes)
    return data


def pairing_form_data(pairing, **changes) -> dict:
    """What the edit form posts for ``pairing`` as it is, with ``changes``."""
    data = {
        "helping_region": pairing.helping_region.code,
        "helped_region": pairing.helped_region.code,
        "programme": pairing.programme,
        "level": pairing.level,
        "parent": pairing.parent_id,
        "start_date": pairing.start_date.isoformat(),
        "status": pairing.status,
        "notes": pairing.notes,
    }
    data.update(changes)
    return {key: ("" if value is None else value) for key, value in data.items()}
