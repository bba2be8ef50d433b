"""A save keeps what the user may not see or pick; a move refreshes the old and new ancestors."""

from django.urls import reverse
from rest_framework.test import APIClient

from aidtrack.core.testing import COORDINATOR
from pairings.forms import PairingForm
from pairings.models import Pairing
from tests.factories import ProjectFactory


def posted(form) -> dict:
    """What a browser posts for the form as shown (a disabled field posts nothing)."""
    data = {}
    for name, bound in form.fields.items():
        if bound.disabled:
            continue
        value = form[name].value()
        if value not in (None, ""):
            data[name] = value
    return data


def test_an_unchanged_save_keeps_a_parent_above_the_scope(world, client):
    top = world.pairings["zs-lps"]  # the coordinator's own top pairing, under 广东→贵州
    coordinator = world.user(COORDINATOR)
    form = PairingForm(instance=top, user=coordinator)
    assert form.fields["parent"].disabled
    assert list(form.fields["parent"].queryset) == [world.pairings["gd-gz"]]
    client.force_login(coordinator)
    url = reverse("pairings:pairing_edit", args=[top.pk])
    data = posted(form)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    top.refresh_from_db()
    assert top.parent == world.pairings["gd-gz"]
    # Posting another parent by hand changes nothing either.
    client.post(url, {**data, "parent": ""})
    top.refresh_from_db()
    assert top.parent == world.pairings["gd-gz"]


def test_a_put_may_repeat_an_unchanged_reference_out_of_reach(world):
    top = world.pairings["zs-lps"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.token(COORDINATOR)}")
    url = reverse("api:pairing-detail", args=[top.pk])
    body = api.get(url).json()
    writable = {
        key: body[key]
        for key in ("helping_region", "helped_region", "programme", "level", "parent", "start_date")
    }
    response = api.put(url, {**writable, "notes": "改"}, format="json")
    assert response.status_code == 200, response.json()
    top.refresh_from_db()
    assert top.parent == world.pairings["gd-gz"] and top.notes == "改"
    elsewhere = api.put(url, {**writable, "parent": world.pairings["gz-bj"].pk}, format="json")
    assert elsewhere.status_code == 400
    top.refresh_from_db()
    assert top.parent == world.pairings["gd-gz"]


def test_moving_a_pairing_announces_its_old_and_new_parents(world, announcements):
    county = Pairing.objects.get(pk=world.pairings["zsg-sc"].pk)
    old, new = world.pairings["zs-lps"], world.pairings["gd-gz"]
    county.parent = new
    county.save()
    (keys,) = announcements
    years = {year for _pairing, year in keys}
    assert {pairing for pairing, _year in keys} == {old.pk, new.pk}
    assert min(years) == county.start_date.year
    announcements.clear()
    county.notes = "备注"
    county.save()
    assert announcements == []


def test_a_new_pairing_announces_nothing(world, announcements):
    Pairing.objects.create(
        helping_region=world.regions["nq"],
        helped_region=world.regions["lz"],
        programme=world.pairings["zs-lps"].programme,
        level="county",
        parent=world.pairings["zs-lps"],
        start_date=world.pairings["zs-lps"].start_date,
    )
    assert announcements == []


def test_moving_a_project_announces_both_pairings(world, announcements):
    project = ProjectFactory(pairing=world.pairings["zsg-sc"], year=2023)
    project.refresh_from_db()
    announcements.clear()
    project.pairing = world.pairings["zs-lps"]
    project.save()
    assert announcements == [
        frozenset({(world.pairings["zsg-sc"].pk, 2023), (world.pairings["zs-lps"].pk, 2023)})
    ]
