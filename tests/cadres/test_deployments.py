"""Deployments: generated access tests, the rules, status changes and extensions."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from aidtrack.core.testing import ObjectAccessTests, TransitionTests
from cadres.models import Deployment
from cadres.services import (
    deployment_complete,
    deployment_extend,
    deployment_recall,
    deployment_start,
)
from cadres.views import DeploymentViews
from pairings.models import Organization
from tests.cadres.test_people import make_person


def host(world, in_scope=True):
    region = world.regions["sc" if in_scope else "xqg"]
    return Organization.objects.get_or_create(
        name=f"{region.name}乡村振兴局", region=region, defaults={"kind": "government"}
    )[0]


def make_deployment(world, in_scope=True, index=0, **fields):
    values = {
        "person": make_person(world, in_scope, index),
        "pairing": world.in_scope_pairing if in_scope else world.out_of_scope_pairing,
        "direction": "east_to_west",
        "kind": "long_term",
        "host_organization": host(world, in_scope),
        "post": "乡村振兴局副局长",
        "start_date": date(2021, 7, 1),
        "planned_end_date": date(2023, 6, 30),
    }
    values.update(fields)
    return Deployment.objects.create(**values)


class TestDeploymentAccess(ObjectAccessTests, TransitionTests):
    views = DeploymentViews
    api_url = "api:deployment"
    update_changes = {"post": "水城区乡村振兴局副局长"}
    # The term of make_deployment: 2021-07-01 to 2023-06-30.
    steps = {
        "start": {"on": "2021-07-02"},
        "extend": {
            "new_end": "2023-12-31",
            "reason": "延期一次",
            "approval_reference": "组干〔2023〕1号",
        },
        "complete": {"on": "2023-06-30"},
        "recall": {"on": "2022-01-01", "reason": "工作需要"},
    }

    def make_object(self, world, in_scope, index=0):
        return make_deployment(world, in_scope, index)

    def create_data(self, world, in_scope):
        person = make_person(world, in_scope, 40)
        return {
            "person": person.pk,
            "pairing": (world.in_scope_pairing if in_scope else world.out_of_scope_pairing).pk,
            "direction": "east_to_west",
            "kind": "short_term",
            "host_organization": host(world, in_scope).pk,
            "post": "专家",
            "start_date": "2022-03-01",
            "planned_end_date": "2022-06-01",
        }


def test_one_person_never_on_two_overlapping_deployments(world):
    first = make_deployment(world)
    second = Deployment(
        person=first.person,
        pairing=first.pairing,
        kind="short_term",
        host_organization=first.host_organization,
        post="专家",
        start_date=date(2023, 1, 1),
        planned_end_date=date(2023, 12, 31),
    )
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "start_date" in excinfo.value.message_dict
    second.start_date = date(2023, 7, 1)  # after the first ends
    second.full_clean()


def test_host_must_be_on_the_receiving_side(world):
    deployment = make_deployment(world)
    deployment.host_organization = Organization.objects.create(
        name="中山港街道办事处", kind="town", region=world.regions["zsg"]
    )
    with pytest.raises(ValidationError) as excinfo:
        deployment.full_clean()
    assert "host_organization" in excinfo.value.message_dict
    deployment.direction = "west_to_east"  # a western cadre learning in the east
    deployment.full_clean()


def test_end_before_start_is_refused_in_form_and_api(world, client):
    client.force_login(world.user("coordinator"))
    person = make_person(world, True, 41)
    data = {
        "person": person.pk,
        "pairing": world.in_scope_pairing.pk,
        "direction": "east_to_west",
        "kind": "long_term",
        "host_organization": host(world).pk,
        "post": "副局长",
        "start_date": "2022-03-01",
        "planned_end_date": "2021-03-01",
    }
    response = client.post("/cadres/deployments/add/", data)
    assert response.status_code == 400
    assert "planned_end_date" in response.context["form"].errors
    api = APIClient()
    api.force_authenticate(world.user("coordinator"))
    answer = api.post("/api/v1/deployments/", data, format="json")
    assert answer.status_code == 400 and "planned_end_date" in answer.json()["errors"]
    assert not Deployment.objects.exists()


def test_lifecycle_with_two_extensions(world):
    deployment = make_deployment(world, start_date=date(2021, 7, 1))
    deployment = deployment_start(deployment=deployment, on=date(2021, 7, 5))
    assert deployment.status == "on_post" and deployment.start_date == date(2021, 7, 5)
    deployment_extend(
        deployment=deployment,
        new_end=date(2023, 12, 31),
        reason="胸痛中心验收",
        approval_reference="组干〔2023〕5号",
    )
    deployment_extend(
        deployment=deployment,
        new_end=date(2024, 6, 30),
        reason="完成国家级验收",
        approval_reference="组干〔2023〕9号",
    )
    deployment.refresh_from_db()
    assert deployment.planned_end_date == date(2024, 6, 30)
    assert [e.previous_end_date for e in deployment.extensions.all()] == [
        date(2023, 6, 30),
        date(2023, 12, 31),
    ]
    with pytest.raises(ValidationError):
        deployment_extend(
            deployment=deployment, new_end=date(2024, 1, 1), reason="x", approval_reference="y"
        )
    with pytest.raises(ValidationError):
        deployment_recall(deployment=deployment, on=date(2024, 6, 30), reason=" ")  # no reason
    deployment = deployment_complete(deployment=deployment, on=date(2024, 6, 30))
    assert deployment.status == "completed" and deployment.actual_end_date == date(2024, 6, 30)
    with pytest.raises(ValidationError):
        deployment_start(deployment=deployment, on=date(2024, 7, 1))


def test_completed_deployments_are_locked_except_for_administrators(world, client):
    deployment = make_deployment(world)
    deployment_start(deployment=deployment, on=date(2021, 7, 1))
    deployment_complete(deployment=deployment, on=date(2023, 6, 30))
    client.force_login(world.user("coordinator"))
    assert client.get(f"/cadres/deployments/{deployment.pk}/edit/").status_code == 403
    api = APIClient()
    api.force_authenticate(world.user("coordinator"))
    assert (
        api.patch(
            f"/api/v1/deployments/{deployment.pk}/", {"post": "改"}, format="json"
        ).status_code
        == 403
    )
    client.force_login(world.user("admin"))
    assert client.get(f"/cadres/deployments/{deployment.pk}/edit/").status_code == 200


def test_actions_in_the_browser_and_the_api(world, client):
    deployment = make_deployment(world)
    client.force_login(world.user("coordinator"))
    response = client.post(f"/cadres/deployments/{deployment.pk}/start/", {"on": "2021-07-02"})
    assert response.status_code == 302
    bad = client.post(
        f"/cadres/deployments/{deployment.pk}/extend/",
        {"new_end": "2020-01-01", "reason": "延期", "approval_reference": "文号"},
    )
    assert bad.status_code == 400 and "new_end" in bad.context["form"].errors
    api = APIClient()
    api.force_authenticate(world.user("coordinator"))
    answer = api.post(
        f"/api/v1/deployments/{deployment.pk}/extend/",
        {"new_end": "2023-12-31", "reason": "延期一次", "approval_reference": "组干〔2023〕1号"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["planned_end_date"] == "2023-12-31"
    assert len(answer.json()["extensions"]) == 1
    leader = APIClient()
    leader.force_authenticate(world.user("leader"))
    refused = leader.post(
        f"/api/v1/deployments/{deployment.pk}/recall/", {"on": "2022-01-01", "reason": "x"}
    )
    assert refused.status_code == 403


def test_filters_on_post_and_ending_soon(world, client):
    today = timezone.localdate()
    ending = make_deployment(
        world,
        index=1,
        start_date=today - timedelta(days=300),
        planned_end_date=today + timedelta(days=30),
    )
    deployment_start(deployment=ending, on=ending.start_date)
    later = make_deployment(
        world,
        index=2,
        start_date=today - timedelta(days=10),
        planned_end_date=today + timedelta(days=400),
    )
    deployment_start(deployment=later, on=later.start_date)
    make_deployment(
        world,
        index=3,
        start_date=today + timedelta(days=30),
        planned_end_date=today + timedelta(days=90),
    )
    client.force_login(world.user("leader"))

    def listed(**params):
        return {obj.pk for obj, _ in client.get("/cadres/deployments/", params).context["rows"]}

    assert listed(ending_within=60) == {ending.pk}
    assert listed(on_post_on=today.isoformat()) == {ending.pk, later.pk}
    assert listed(pairing=world.pairings["zs-lps"].pk) >= {ending.pk, later.pk}
    assert listed(pairing=world.pairings["gz-bj"].pk) == set()
