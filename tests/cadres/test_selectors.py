"""The dashboard selectors (docs/architecture.md, "Dashboard selectors") against raw rows."""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from cadres.models import Deployment
from cadres.selectors import (
    age_on,
    average_age,
    deployments_ending_within,
    deployments_started,
    people_on_post,
    professional_person_times,
)
from cadres.services import deployment_complete, deployment_recall, deployment_start
from pairings.models import Pairing
from tests import shared
from tests.cadres.test_people import make_person

ON = date(2023, 3, 1)

# (index, in scope, category, specialty, birth, kind, direction, start, planned end, fate)
ROWS = [
    (
        1,
        True,
        "cadre",
        "economy",
        date(1978, 5, 1),
        "long_term",
        "east_to_west",
        date(2021, 7, 1),
        date(2023, 6, 30),
        "completed",
    ),
    (
        2,
        True,
        "cadre",
        "agriculture",
        date(1980, 3, 2),
        "long_term",
        "east_to_west",
        date(2022, 1, 1),
        date(2024, 12, 31),
        "on_post",
    ),
    (
        3,
        True,
        "talent",
        "medical",
        date(1975, 1, 1),
        "long_term",
        "east_to_west",
        date(2022, 3, 1),
        date(2023, 4, 20),
        "on_post",
    ),
    (
        4,
        True,
        "talent",
        "medical",
        date(1990, 8, 8),
        "short_term",
        "east_to_west",
        date(2023, 2, 1),
        date(2023, 4, 1),
        "on_post",
    ),
    (
        5,
        True,
        "talent",
        "education",
        date(1985, 3, 12),
        "short_term",
        "east_to_west",
        date(2021, 9, 1),
        date(2021, 12, 1),
        "completed",
    ),
    (
        6,
        True,
        "cadre",
        "party_building",
        date(1983, 6, 1),
        "training",
        "west_to_east",
        date(2023, 1, 10),
        date(2023, 7, 10),
        "on_post",
    ),
    (
        7,
        True,
        "talent",
        "medical",
        date(1988, 2, 2),
        "short_term",
        "east_to_west",
        date(2023, 5, 1),
        date(2023, 6, 1),
        "planned",
    ),
    (
        8,
        True,
        "cadre",
        "economy",
        date(1976, 2, 2),
        "long_term",
        "east_to_west",
        date(2021, 7, 1),
        date(2024, 6, 30),
        "recalled",
    ),
    (
        9,
        False,
        "cadre",
        "economy",
        date(1970, 1, 1),
        "long_term",
        "east_to_west",
        date(2022, 1, 1),
        date(2024, 1, 1),
        "on_post",
    ),
]


@shared.layer("deployments")
def _deployments_layer(state):
    state["deployments"] = build_deployments(state["world"])


@pytest.fixture
def deployments(shared_state, world):
    """The deployments of ROWS; a shared layer (tests/shared.py)."""
    if shared_state is not None and "deployments" in shared_state:
        return shared_state["deployments"]
    return build_deployments(world)


def build_deployments(world):
    made = []
    for index, inside, category, specialty, birth, kind, direction, start, end, fate in ROWS:
        person = make_person(
            world,
            inside,
            index,
            category=category,
            specialty=specialty,
            birth_date=birth,
            id_number=_id(index, birth),
        )
        deployment = Deployment.objects.create(
            pairing=world.in_scope_pairing if inside else world.out_of_scope_pairing,
            post="挂职",
            person=person,
            kind=kind,
            direction=direction,
            start_date=start,
            planned_end_date=end,
            host_organization=_host(world, inside, direction),
        )
        if fate != "planned":
            deployment_start(deployment=deployment, on=start)
        if fate == "completed":
            deployment_complete(deployment=deployment, on=end)
        elif fate == "recalled":
            deployment_recall(deployment=deployment, on=date(2022, 12, 31), reason="工作需要")
        made.append(deployment)
    # A second stint of person 5 (short-term support counts per stint).
    second = Deployment.objects.create(
        pairing=world.in_scope_pairing,
        post="短期专家",
        host_organization=made[4].host_organization,
        person=made[4].person,
        kind="short_term",
        start_date=date(2023, 1, 5),
        planned_end_date=date(2023, 2, 20),
    )
    deployment_start(deployment=second, on=second.start_date)
    return made


def _id(index, birth):
    from cadres.validators import id_number_check_character

    first_17 = f"520201{birth:%Y%m%d}{index:03d}"
    return first_17 + id_number_check_character(first_17)


def _host(world, inside, direction):
    from pairings.models import Organization

    if direction == "west_to_east":
        return Organization.objects.get_or_create(
            name="中山港街道办事处", region=world.regions["zsg"], defaults={"kind": "town"}
        )[0]
    from tests.cadres.test_deployments import host

    return host(world, inside)


def tree(world, key="zs-lps"):
    return Pairing.objects.descendant_ids([world.pairings[key].pk])


def raw(pairing_ids):
    return list(Deployment.objects.filter(pairing_id__in=pairing_ids).select_related("person"))


def under_way(d, on):
    return d.status != "planned" and d.start_date <= on <= d.end_date


def test_people_on_post_matches_the_rows(world, deployments):
    ids = tree(world)
    for on in (ON, date(2021, 10, 1), date(2024, 1, 1)):
        people = {d.person for d in raw(ids) if under_way(d, on)}
        summary = people_on_post(ids, on)
        assert summary["total"] == len(people)
        for key, attribute in (("by_category", "category"), ("by_specialty", "specialty")):
            expected = Counter(getattr(p, attribute) for p in people)
            assert {k: v for k, v in summary[key].items() if v} == dict(expected)
        directions = Counter(d.direction for d in raw(ids) if under_way(d, on))
        assert {k: v for k, v in summary["by_direction"].items() if v} == dict(directions)
    # On 2023-03-01: persons 2, 3, 4, 5 (second stint), 6 in scope; 9 is elsewhere.
    assert people_on_post(ids, ON)["total"] == 5
    assert people_on_post(tree(world, "gz-bj"), ON)["total"] == 1
    assert set(people_on_post(ids, ON)["by_category"]) == {"cadre", "talent"}


@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_deployments_started_and_person_times_match_the_rows(world, deployments, year):
    ids = tree(world)
    begun = [d for d in raw(ids) if d.start_date.year == year and d.status != "planned"]
    assert deployments_started(ids, year) == len(begun)
    assert deployments_started(ids, year, category="cadre") == len(
        [d for d in begun if d.person.category == "cadre"]
    )
    assert deployments_started(ids, year, kind="long_term", direction="east_to_west") == len(
        [d for d in begun if d.kind == "long_term" and d.direction == "east_to_west"]
    )
    assert professional_person_times(ids, year) == len([d for d in begun if d.kind == "short_term"])


def test_seed_style_figures(world, deployments):
    ids = tree(world)
    assert deployments_started(ids, 2021, category="cadre") == 2
    assert professional_person_times(ids, 2023) == 2  # person 4 and person 5's second stint
    assert deployments_started(ids, 2023, kind="training", direction="west_to_east") == 1


def test_average_age_matches_the_rows(world, deployments):
    ids = tree(world)
    people = {d.person for d in raw(ids) if under_way(d, ON)}
    ages = [age_on(p.birth_date, ON) for p in people]
    expected = (Decimal(sum(ages)) / len(ages)).quantize(Decimal("0.1"))
    assert average_age(ids, ON) == expected
    cadres = [age_on(p.birth_date, ON) for p in people if p.category == "cadre"]
    assert average_age(ids, ON, category="cadre") == (Decimal(sum(cadres)) / len(cadres)).quantize(
        Decimal("0.1")
    )
    assert average_age(ids, date(2030, 1, 1)) is None
    assert age_on(date(1980, 3, 2), date(2023, 3, 1)) == 42  # the birthday is tomorrow


def test_deployments_ending_within(world, deployments):
    ids = tree(world)
    ending = deployments_ending_within(ids, 60, today=ON)
    expected = sorted(
        (
            d
            for d in raw(ids)
            if d.status == "on_post"
            and d.start_date <= ON
            and ON <= d.planned_end_date <= date(2023, 4, 30)
        ),
        key=lambda d: (d.planned_end_date, d.pk),
    )
    assert list(ending) == expected
    assert [d.person.name for d in ending] == [d.person.name for d in expected]
    assert len(expected) == 2  # persons 4 (04-01) and 3 (04-20)
    assert not deployments_ending_within(ids, 10, today=ON).exists()
