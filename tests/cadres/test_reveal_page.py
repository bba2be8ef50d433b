"""A revealed phone is labelled with its field's name; administrators see the reveal log."""

import re

from django.contrib.auth.models import Permission
from django.utils import translation

from cadres.models import PersonalDataReveal
from tests.cadres.test_people import PHONE, make_person


def _label(html: str) -> str:
    return re.search(r'id="revealed-label">([^<]*)<', html).group(1)


def test_a_revealed_phone_is_labelled_with_the_field_name_not_its_code(world, client):
    person = make_person(world)
    admin = world.user("admin")
    admin.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(admin)
    url = f"/cadres/people/{person.pk}/reveal/"
    shown = client.post(url, {"field": "phone", "reason": "联系体检安排"})
    html = shown.content.decode()
    assert shown.status_code == 200 and PHONE in html
    with translation.override("zh-hans"):
        assert _label(html) == str(PersonalDataReveal.Field.PHONE.label) == "联系电话"
    client.cookies["django_language"] = "en"
    shown = client.post(url, {"field": "id_number", "reason": "办理保险"})
    assert _label(shown.content.decode()) == "ID number"


def test_administrators_see_who_revealed_what_on_the_person_page(world, client):
    person = make_person(world)
    coordinator = world.user("coordinator")
    coordinator.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    client.force_login(coordinator)
    client.post(f"/cadres/people/{person.pk}/reveal/", {"field": "phone", "reason": "联系体检安排"})
    page = f"/cadres/people/{person.pk}/"
    assert 'id="reveal-log"' not in client.get(page).content.decode()  # not the coordinator's

    client.force_login(world.user("admin"))
    html = client.get(page).content.decode()
    assert 'id="reveal-log"' in html
    log = html[html.index('id="reveal-log"') :]
    assert "联系体检安排" in log and str(coordinator) in log and "联系电话" in log


def test_a_person_nobody_revealed_says_so(world, client):
    person = make_person(world, index=3)
    client.force_login(world.user("admin"))
    html = client.get(f"/cadres/people/{person.pk}/").content.decode()
    log = html[html.index('id="reveal-log"') : html.index('<p class="small mt-3">')]
    assert "尚无人查看过" in log and "<table" not in log
