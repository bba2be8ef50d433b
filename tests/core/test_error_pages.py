"""The app's own 404 and 403 pages, in its layout and language, with DEBUG off and on."""

import pytest
from django.test import override_settings
from django.utils import translation

from tests.cadres.conftest import member_user

NOT_FOUND = "The page or record was not found, or it is outside your pairings."


def in_chinese(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_a_missing_page_is_ours_not_a_list_of_every_url(world, client, debug):
    client.force_login(world.user("coordinator"))
    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert in_chinese(NOT_FOUND) in html
    assert "URLconf" not in html and "urlpatterns" not in html
    assert "navbar" in html  # in the site's layout, with its menu


@override_settings(DEBUG=False)
def test_a_record_outside_the_scope_is_the_same_404(world, client):
    client.force_login(world.user("coordinator"))
    outside = world.out_of_scope_pairing
    response = client.get(outside.get_absolute_url())
    assert response.status_code == 404 and in_chinese(NOT_FOUND) in response.content.decode()


@override_settings(DEBUG=False)
def test_a_refused_page_is_our_403(world, client):
    client.force_login(member_user("teacher"))
    response = client.get("/cadres/check-ins/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "403" in html and "navbar" in html


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_the_api_still_answers_json(world, client, debug):
    client.force_login(world.user("coordinator"))
    with override_settings(DEBUG=debug):
        response = client.get("/api/v1/no-such-resource/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@override_settings(DEBUG=False)
def test_a_newcomer_not_signed_in_sees_ours_in_english_too(client):
    client.cookies["django_language"] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and NOT_FOUND in response.content.decode()
