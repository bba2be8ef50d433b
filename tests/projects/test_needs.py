"""Needs lists: where they come from, matching and resolving, the board."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aidtrack.core.transitions import TransitionNotAllowed
from projects.models import Need
from projects.services import need_match, need_resolve, need_withdraw
from tests.cadres.test_deployments import make_deployment
from tests.projects.conftest import make_need, make_project


def api_as(world, role):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(role)}")
    return client


def test_needs_are_raised_within_the_helped_side(world, client):
    need = make_need(world)
    need.raised_by_region = world.regions["lz"]  # 六枝特区, not 水城区
    with pytest.raises(ValidationError) as excinfo:
        need.full_clean()
    assert "raised_by_region" in excinfo.value.message_dict
    client.force_login(world.user("coordinator"))
    response = client.post(
        "/projects/needs/add/",
        {
            "pairing": world.in_scope_pairing.pk,
            "raised_by_region": "520203",
            "collected_on": "2023-03-01",
            "category": "health",
            "priority": "high",
            "description": "新生儿科技术",
        },
    )
    assert response.status_code == 400 and "raised_by_region" in response.context["form"].errors
    assert Need.objects.count() == 1


def test_open_matched_resolved(world):
    need = make_need(world)
    project = make_project(world)
    with pytest.raises(ValidationError):
        need_match(need)  # matched to nothing
    with pytest.raises(TransitionNotAllowed):
        need_resolve(need, on=date(2023, 5, 1), note="已解决")  # not matched yet
    need = need_match(need, project=project, on=date(2023, 3, 20))
    assert need.status == "matched" and need.matched_project == project
    with pytest.raises(TransitionNotAllowed):
        need_resolve(need, on=date(2023, 2, 1), note="早于收集")
    with pytest.raises(ValidationError):
        need_resolve(need, on=date(2023, 5, 1), note="")
    need = need_resolve(need, on=date(2023, 5, 1), note="专家现场指导")
    assert need.status == "resolved" and need.resolved_on == date(2023, 5, 1)
    with pytest.raises(TransitionNotAllowed):
        need_withdraw(need, reason="重复")


def test_matches_stay_within_the_pairing_tree(world):
    need = make_need(world)
    elsewhere = make_project(world, in_scope=False)
    with pytest.raises(ValidationError) as excinfo:
        need_match(need, project=elsewhere)
    assert "project" in excinfo.value.message_dict
    deployment = make_deployment(world, in_scope=True)
    assert need_match(need, deployment=deployment).matched_deployment == deployment
    city_need = make_need(world, pairing=world.pairings["zs-lps"])
    below = make_project(world)  # under the county pairing below the city's
    assert need_match(city_need, project=below).status == "matched"


def test_withdraw_needs_a_reason_and_closed_needs_are_locked(world, client):
    need = make_need(world)
    with pytest.raises(ValidationError):
        need_withdraw(need, reason="")
    need_withdraw(need, reason="已由省级统筹解决")
    client.force_login(world.user("coordinator"))
    assert client.get(f"/projects/needs/{need.pk}/edit/").status_code == 403


def test_api_need_actions(world):
    need = make_need(world)
    project = make_project(world)
    api = api_as(world, "coordinator")
    url = f"/api/v1/needs/{need.pk}"
    response = api.post(f"{url}/resolve/", {"on": "2023-05-01", "note": "x"})
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    outside = make_project(world, in_scope=False)
    assert api.post(f"{url}/match/", {"project": outside.pk}).status_code == 400  # not visible
    assert api.post(f"{url}/match/", {"project": project.pk}).json()["status"] == "matched"
    response = api.post(f"{url}/resolve/", {"on": "2023-05-01", "note": "已落实"})
    assert response.status_code == 200 and response.json()["resolved_on"] == "2023-05-01"
    summary = api.get(
        "/api/v1/needs/summary/", {"pairing": world.pairings["zs-lps"].pk, "year": 2023}
    )
    assert summary.json() == {
        "pairing": world.pairings["zs-lps"].pk,
        "year": 2023,
        "collected": 1,
        "resolved": 1,
        "rate": "100.00",
    }
    other = api.get(
        "/api/v1/needs/summary/", {"pairing": world.out_of_scope_pairing.pk, "year": 2023}
    )
    assert other.status_code == 404
    assert api.get("/api/v1/needs/summary/", {"year": "x"}).status_code == 400


def test_board_groups_by_status_with_constant_queries(world, client):
    client.force_login(world.user("coordinator"))
    make_need(world, index=0)
    make_need(world, in_scope=False, index=1)
    url = "/projects/needs/board/"
    params = {"pairing": world.pairings["zs-lps"].pk}
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    project = make_project(world)
    for index in range(2, 8):
        need = make_need(world, index=index)
        if index % 2:
            need_match(need, project=project)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert len(many) == len(few)
    counts = {column["status"]: column["count"] for column in response.context["columns"]}
    assert counts == {"open": 4, "matched": 3, "resolved": 0, "withdrawn": 0}
    matched = response.context["columns"][1]
    assert "status=matched" in matched["list_url"] and len(matched["needs"]) == 3
