"""Versions and conditional requests (core.versions), generated over every API resource.

Each resource of the router gets its records from the model's generated access
tests (their ``make_object``, ``update_changes``, ``steps``); the two resources
without such a class (accounts, assessments) are made here.
"""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

import tests.assessments.test_access as assessments_access
import tests.cadres.test_access as cadres_access
import tests.cadres.test_deployments as deployments_access
import tests.cadres.test_people as people_access
import tests.funds.test_access as funds_access
import tests.pairings.test_agreement_and_organization_access as agreements_access
import tests.pairings.test_pairing_access as pairings_access
import tests.projects.test_access as projects_access
from aidtrack.api_router import router
from aidtrack.core import versions
from aidtrack.core.models import ChangeRecord
from aidtrack.core.testing import ADMIN, COORDINATOR, TransitionTests, _AccessTests
from assessments.models import PairingYearSummary


class _Users:
    api_url = "api:user"
    update_changes = {}

    def make_object(self, world, in_scope, index=0):
        return world.user(COORDINATOR)


class _Assessments:
    api_url = "api:pairingyearsummary"
    update_changes = {}

    def make_object(self, world, in_scope, index=0):
        return PairingYearSummary.objects.create(pairing=world.pairings["zs-lps"], year=2023)


def _access_classes():
    modules = (
        assessments_access,
        cadres_access,
        deployments_access,
        people_access,
        funds_access,
        agreements_access,
        pairings_access,
        projects_access,
    )
    found = {
        value.api_url: value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, _AccessTests) and value.api_url
    }
    return {**found, _Users.api_url: _Users, _Assessments.api_url: _Assessments}


ACCESS = _access_classes()
RESOURCES = {prefix: (viewset, f"api:{basename}") for prefix, viewset, basename in router.registry}


def _allows(viewset, method):
    return method in viewset.http_method_names


def _resources(*, method=None, updates=False, transitions=False):
    names = []
    for prefix, (viewset, api_url) in RESOURCES.items():
        access = ACCESS.get(api_url)
        if access is None or (method and not _allows(viewset, method)):
            continue
        if updates and not access.update_changes:
            continue
        if transitions and not issubclass(access, TransitionTests):
            continue
        names.append(prefix)
    return names


def _maker(prefix):
    return ACCESS[RESOURCES[prefix][1]]()


def _detail(prefix, record):
    return reverse(f"{RESOURCES[prefix][1]}-detail", args=[record.pk])


def _admin(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {world.token(ADMIN)}")
    return client


def _row(record):
    fresh = type(record)._base_manager.get(pk=record.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def _changes(record):
    return ChangeRecord.objects.for_object(record).count()


def _touch(record):
    """Another writer's change: a new version of the row (updated_at moves)."""
    type(record)._base_manager.filter(pk=record.pk).update(
        updated_at=F("updated_at") + timedelta(seconds=1)
    )


def test_every_resource_of_the_router_is_covered():
    assert {api_url for _viewset, api_url in RESOURCES.values()} <= set(ACCESS)


# -- reads ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", _resources())
def test_a_detail_response_carries_a_strong_etag(world, prefix):
    record = _maker(prefix).make_object(world, in_scope=True)
    api = _admin(world)
    response = api.get(_detail(prefix, record))
    assert response.status_code == 200, response.content
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"')  # strong: no W/
    assert api.head(_detail(prefix, record))["ETag"] == etag
    assert api.get(_detail(prefix, record))["ETag"] == etag  # stable while nothing changes
    listed = api.get(reverse(f"{RESOURCES[prefix][1]}-list"))
    assert "ETag" not in listed  # lists: updated_at is each row's version


@pytest.mark.parametrize("prefix", _resources())
def test_if_none_match_with_the_current_etag_is_304(world, prefix):
    record = _maker(prefix).make_object(world, in_scope=True)
    api = _admin(world)
    etag = api.get(_detail(prefix, record))["ETag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = api.get(_detail(prefix, record), HTTP_IF_NONE_MATCH=header)
        assert response.status_code == 304, header
        assert response.content == b""
        assert response["ETag"] == etag
    assert api.head(_detail(prefix, record), HTTP_IF_NONE_MATCH=etag).status_code == 304
    other = api.get(_detail(prefix, record), HTTP_IF_NONE_MATCH='"not-this-one"')
    assert other.status_code == 200 and other["ETag"] == etag


@pytest.mark.parametrize("prefix", _resources(method="patch"))
def test_a_new_version_has_a_new_etag(world, prefix):
    record = _maker(prefix).make_object(world, in_scope=True)
    api = _admin(world)
    etag = api.get(_detail(prefix, record))["ETag"]
    _touch(record)
    assert api.get(_detail(prefix, record))["ETag"] != etag
    assert api.get(_detail(prefix, record), HTTP_IF_NONE_MATCH=etag).status_code == 200


# -- writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", _resources(method="patch", updates=True))
def test_patch_with_the_current_etag_succeeds_with_a_new_etag(world, prefix):
    maker = _maker(prefix)
    record = maker.make_object(world, in_scope=True)
    api = _admin(world)
    etag = api.get(_detail(prefix, record))["ETag"]
    response = api.patch(
        _detail(prefix, record), maker.update_changes, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] != etag
    assert response["ETag"] == api.get(_detail(prefix, record))["ETag"]
    again = api.patch(_detail(prefix, record), {}, format="json", HTTP_IF_MATCH="*")
    assert again.status_code == 200, again.content


@pytest.mark.parametrize("prefix", _resources(method="patch", updates=True))
def test_patch_with_a_stale_etag_is_412_and_writes_nothing(world, prefix):
    maker = _maker(prefix)
    record = maker.make_object(world, in_scope=True)
    api = _admin(world)
    first = api.get(_detail(prefix, record))
    stale = first["ETag"]
    # Someone else's change, with the version the client read.
    assert (
        api.patch(
            _detail(prefix, record), maker.update_changes, format="json", HTTP_IF_MATCH=stale
        ).status_code
        == 200
    )
    row, changes = _row(record), _changes(record)
    current = api.get(_detail(prefix, record))["ETag"]
    revert = {name: first.json()[name] for name in maker.update_changes}
    for header in (stale, f"W/{current}", '"nonsense"'):
        response = api.patch(_detail(prefix, record), revert, format="json", HTTP_IF_MATCH=header)
        assert response.status_code == 412, response.content
        body = response.json()
        assert body["code"] == "precondition_failed" and body["message"]
        assert body["current_etag"] == current == response["ETag"]
    put = api.put(
        _detail(prefix, record), {**first.json(), **revert}, format="json", HTTP_IF_MATCH=stale
    )
    assert put.status_code == 412
    assert _row(record) == row
    assert _changes(record) == changes


@pytest.mark.parametrize("prefix", _resources(method="delete"))
def test_delete_with_a_stale_etag_is_412(world, prefix):
    record = _maker(prefix).make_object(world, in_scope=True)
    api = _admin(world)
    stale = api.get(_detail(prefix, record))["ETag"]
    _touch(record)
    row, changes = _row(record), _changes(record)
    response = api.delete(_detail(prefix, record), HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert response.json()["code"] == "precondition_failed"
    assert _row(record) == row and _changes(record) == changes
    current = api.get(_detail(prefix, record))["ETag"]
    response = api.delete(_detail(prefix, record), HTTP_IF_MATCH=current)
    assert response.status_code in (204, 400), response.content  # 400: other records refer to it
    assert type(record)._base_manager.filter(pk=record.pk).exists() == (response.status_code == 400)


def _steps():
    cases = []
    for prefix in _resources(transitions=True):
        access = _maker(prefix)
        cases += [pytest.param(prefix, name, id=f"{prefix}-{name}") for name in access.steps]
    return cases


@pytest.mark.parametrize(("prefix", "step"), _steps())
def test_a_step_with_a_stale_etag_is_412_and_with_the_current_one_runs(world, prefix, step):
    access = _maker(prefix)
    transition = access.table[step]
    record = access.ready_object(world, transition)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(access.runner(transition))}")
    url = access.transition_url(record, transition, api=True)
    payload = access.payload(world, transition, record)
    stale = api.get(_detail(prefix, record))["ETag"]
    _touch(record)
    row, changes = _row(record), _changes(record)
    response = api.post(url, payload, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412, response.content
    assert _row(record) == row and _changes(record) == changes
    current = api.get(_detail(prefix, record))["ETag"]
    response = api.post(url, payload, format="json", HTTP_IF_MATCH=current)
    assert response.status_code in (200, 201), response.content
    access.assert_moved(record, transition)
    represented = type(record)._base_manager.get(pk=response.json()["id"])
    assert response["ETag"] == versions.record_etag(represented)


def test_an_out_of_scope_record_is_404_whatever_if_match_says(world):
    access = _maker("projects")
    record = access.make_object(world, in_scope=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    for header in ('"stale"', "*"):
        response = api.patch(
            _detail("projects", record), access.update_changes, format="json", HTTP_IF_MATCH=header
        )
        assert response.status_code == 404


def test_reveal_honours_if_match(world):
    person = _maker("people").make_object(world, in_scope=True)
    revealer = world.user(COORDINATOR)
    revealer.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    api = APIClient()
    api.force_authenticate(revealer)
    url = reverse("api:person-reveal", args=[person.pk])
    stale = api.get(_detail("people", person))["ETag"]
    _touch(person)
    body = {"field": "phone", "reason": "核实联系方式"}
    assert api.post(url, body, format="json", HTTP_IF_MATCH=stale).status_code == 412
    current = api.get(_detail("people", person))["ETag"]
    response = api.post(url, body, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200 and "ETag" not in response  # the body is not the record


def test_without_if_match_the_write_proceeds_unless_the_setting_requires_it(world):
    access = _maker("donations")
    record = access.make_object(world, in_scope=True)
    api = _admin(world)
    url = _detail("donations", record)
    assert api.patch(url, access.update_changes, format="json").status_code == 200
    with override_settings(API_REQUIRE_IF_MATCH=True):
        refused = api.patch(url, {"purpose": "其他"}, format="json")
        assert refused.status_code == 428 and refused.json()["code"] == "precondition_required"
        assert api.delete(url).status_code == 428
        etag = api.get(url)["ETag"]
        assert (
            api.patch(url, {"purpose": "其他"}, format="json", HTTP_IF_MATCH=etag).status_code
            == 200
        )
    record.refresh_from_db()
    assert record.purpose == "其他"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_puts_with_one_etag_one_is_refused(world, monkeypatch):
    access = _maker("donations")
    record = access.make_object(world, in_scope=True)
    url = _detail("donations", record)
    first = _admin(world).get(url)
    etag, body = first["ETag"], first.json()

    import aidtrack.core.api as core_api

    save_record = core_api.save_record

    def slow_save(*args, **kwargs):
        time.sleep(0.3)  # both requests are in flight: without the lock both would pass
        return save_record(*args, **kwargs)

    monkeypatch.setattr(core_api, "save_record", slow_save)
    start = threading.Barrier(2)
    answers = {}
    token = world.token(ADMIN)

    def put(purpose):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            start.wait()
            answers[purpose] = api.put(
                url, {**body, "purpose": purpose}, format="json", HTTP_IF_MATCH=etag
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(purpose,)) for purpose in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [200, 412], {p: r.content for p, r in answers.items()}
    winner = next(p for p, r in answers.items() if r.status_code == 200)
    record.refresh_from_db()
    assert record.purpose == winner
    assert ChangeRecord.objects.for_object(record).filter(action="update").count() == 1


# -- the OpenAPI document ---------------------------------------------------------------


def test_the_schema_documents_conditional_requests():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    paths = document["paths"]
    detail = paths["/api/v1/projects/{id}/"]
    names = {p["name"] for p in detail["get"]["parameters"]}
    assert "If-None-Match" in names
    assert "ETag" in detail["get"]["responses"]["200"]["headers"]
    assert "304" in detail["get"]["responses"]
    for method in ("put", "patch", "delete"):
        assert "If-Match" in {p["name"] for p in detail[method]["parameters"]}, method
        assert detail[method]["responses"]["412"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert "ETag" in detail["patch"]["responses"]["200"]["headers"]
    approve = paths["/api/v1/projects/{id}/approve/"]["post"]
    assert "If-Match" in {p["name"] for p in approve["parameters"]}
    assert "412" in approve["responses"] and "ETag" in approve["responses"]["200"]["headers"]
    listing = paths["/api/v1/projects/"]["get"]
    assert "If-None-Match" not in {p["name"] for p in listing.get("parameters", [])}
    assert "current_etag" in document["components"]["schemas"]["Error"]["properties"]


# -- the pages --------------------------------------------------------------------------


def _page(world, role):
    client = Client()
    client.force_login(world.user(role))
    return client


def test_two_coordinators_editing_one_project_never_overwrite_each_other(world):
    access = _maker("projects")
    project = access.make_object(world, in_scope=True)
    url = reverse("projects:project_edit", args=[project.pk])
    first, second = _page(world, ADMIN), _page(world, COORDINATOR)
    seen_first = first.get(url).context["version"]
    seen_second = second.get(url).context["version"]
    assert seen_first == seen_second and seen_first
    data = access.form_data(world, project)
    original_name = project.name

    saved = first.post(url, {**data, "name": "第一人的名称", versions.VERSION_FIELD: seen_first})
    assert saved.status_code == 302
    row, changes = _row(project), _changes(project)

    refused = second.post(
        url,
        {
            **data,
            "name": "第二人的名称",
            "beneficiaries": "999",
            versions.VERSION_FIELD: seen_second,
        },
    )
    assert refused.status_code == 409
    assert _row(project) == row and _changes(project) == changes  # nothing overwritten
    page = refused.content.decode()
    first_user = str(world.user(ADMIN))
    assert first_user in page  # who
    conflict = refused.context["conflict"]
    assert first_user in conflict.message
    labels = {change.label for record in conflict.changes for change in record.field_changes}
    assert str(project._meta.get_field("name").verbose_name) in labels  # what
    assert original_name in page and "第一人的名称" in page  # before → after
    assert refused.context["form"].data["name"] == "第二人的名称"  # the input is kept
    assert refused.context["form"].data["beneficiaries"] == "999"
    assert f'href="{url}"' in page  # reload: the edit page afresh
    project.refresh_from_db()
    assert refused.context["version"] == versions.page_version(project)

    # Saving again from the conflict page is a decision taken with the changes in view.
    again = second.post(
        url, {**data, "name": "第二人的名称", versions.VERSION_FIELD: refused.context["version"]}
    )
    assert again.status_code == 302
    project.refresh_from_db()
    assert project.name == "第二人的名称"


def test_a_form_with_errors_keeps_the_version_the_user_saw(world):
    access = _maker("projects")
    project = access.make_object(world, in_scope=True)
    url = reverse("projects:project_edit", args=[project.pk])
    client = _page(world, COORDINATOR)
    seen = client.get(url).context["version"]
    invalid = client.post(url, {**access.form_data(world, project), "name": "", "_version": seen})
    assert invalid.status_code == 400 and invalid.context["version"] == seen
    _touch(project)
    late = client.post(url, {**access.form_data(world, project), versions.VERSION_FIELD: seen})
    assert late.status_code == 409


def test_masked_fields_stay_masked_in_the_conflict(world):
    access = _maker("people")
    person = access.make_object(world, in_scope=True)
    url = reverse("cadres:person_edit", args=[person.pk])
    client = _page(world, COORDINATOR)
    seen = client.get(url).context["version"]
    type(person)._base_manager.filter(pk=person.pk).update(phone="13900000000")
    _touch(person)
    refused = client.post(url, {**access.form_data(world, person), versions.VERSION_FIELD: seen})
    assert refused.status_code == 409
    assert "13900000000" not in refused.content.decode()
    assert "***" in refused.content.decode()


def test_a_step_page_refuses_a_record_changed_since_it_was_opened(world):
    access = _maker("projects")
    transition = access.table["approve"]
    project = access.ready_object(world, transition)
    url = access.transition_url(project, transition)
    client = _page(world, COORDINATOR)
    seen = client.get(url).context["version"]
    other = _page(world, ADMIN)
    data = {**access.form_data(world, project), "name": "别人改的名称"}
    assert other.post(reverse("projects:project_edit", args=[project.pk]), data).status_code == 302
    refused = client.post(url, {versions.VERSION_FIELD: seen})
    assert refused.status_code == 409
    assert str(world.user(ADMIN)) in refused.content.decode()
    project.refresh_from_db()
    assert project.status == transition.sources[0]
    done = client.post(url, {versions.VERSION_FIELD: refused.context["version"]})
    assert done.status_code == 302
    access.assert_moved(project, transition)
