"""Reveals of whole ID numbers and phones: at most REVEALS_PER_HOUR per user, page and API together.

Counted from the reveal log itself, so the limit holds across processes and
without the cache. Over it, the API answers 429 like a throttle and the page
shows a form error; nothing is revealed or logged.
"""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from rest_framework.test import APIClient

from aidtrack.core.testing import COORDINATOR
from cadres.models import PersonalDataReveal
from tests.cadres.test_people import ID_NUMBER, make_person


def revealer(world):
    user = world.user(COORDINATOR)
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return user


@override_settings(REVEALS_PER_HOUR=3)
def test_the_fourth_reveal_in_an_hour_is_refused_on_page_and_api(world):
    person = make_person(world)
    user = revealer(world)
    page = Client()
    page.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    page_url = f"/cadres/people/{person.pk}/reveal/"
    api_url = f"/api/v1/people/{person.pk}/reveal/"

    assert page.post(page_url, {"field": "id_number", "reason": "办理保险手续"}).status_code == 200
    assert api.post(api_url, {"field": "phone", "reason": "联系体检安排"}).status_code == 200
    assert api.post(api_url, {"field": "phone", "reason": "联系体检安排"}).status_code == 200

    refused = api.post(api_url, {"field": "id_number", "reason": "再核对一次"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and "3" in refused.json()["message"]
    assert 3500 <= int(refused["Retry-After"]) <= 3600

    form = page.post(page_url, {"field": "id_number", "reason": "再核对一次"})
    assert form.status_code == 429
    assert form.context["form"].non_field_errors()
    assert ID_NUMBER not in form.content.decode()
    assert PersonalDataReveal.objects.count() == 3


@override_settings(REVEALS_PER_HOUR=2)
def test_reveals_older_than_an_hour_no_longer_count(world):
    person = make_person(world)
    user = revealer(world)
    api = APIClient()
    api.force_authenticate(user)
    url = f"/api/v1/people/{person.pk}/reveal/"
    for _ in range(2):
        assert api.post(url, {"field": "phone", "reason": "联系体检安排"}).status_code == 200
    assert api.post(url, {"field": "phone", "reason": "联系体检安排"}).status_code == 429

    oldest = PersonalDataReveal.objects.order_by("revealed_at").first()
    PersonalDataReveal.objects.filter(pk=oldest.pk).update(
        revealed_at=oldest.revealed_at - timedelta(minutes=61)
    )
    assert api.post(url, {"field": "phone", "reason": "联系体检安排"}).status_code == 200
