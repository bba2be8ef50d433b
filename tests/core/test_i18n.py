"""Chinese first, English on request.

Pages and API messages are in Simplified Chinese unless the user picks
English with the language switcher (Django's ``set_language``, remembered in
a cookie). The browser's Accept-Language is ignored on purpose
(``ChineseFirstLocaleMiddleware``): many offices run English-language
systems. API error ``code`` values are the same in every language.
"""

from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from aidtrack.core.testing import COORDINATOR

PAIRING_LIST = reverse("pairings:pairing_list")


def signed_in(world, role=COORDINATOR):
    client = Client()
    client.force_login(world.user(role))
    return client


def test_default_language_is_chinese(world):
    assert settings.LANGUAGE_CODE == "zh-hans"
    response = signed_in(world).get(PAIRING_LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    # Navigation and menu labels from locale/zh_Hans/LC_MESSAGES/django.po.
    assert "结对关系" in html  # Pairings
    assert "行政区划" in html  # Regions
    assert "退出登录" in html  # Log out
    assert "Log out" not in html
    # The switcher offers the other language.
    assert 'name="language" value="en"' in html


def test_language_switch_to_english_and_back(world):
    client = signed_in(world)
    response = client.post(reverse("set_language"), {"language": "en", "next": PAIRING_LIST})
    assert response.status_code == 302
    assert response["Location"] == PAIRING_LIST
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get(PAIRING_LIST).content.decode()
    assert '<html lang="en"' in html
    assert "Pairings" in html
    assert "Log out" in html
    assert "退出登录" not in html
    assert 'name="language" value="zh-hans"' in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": PAIRING_LIST})
    html = client.get(PAIRING_LIST).content.decode()
    assert '<html lang="zh-hans"' in html
    assert "退出登录" in html


def test_language_switch_rejects_unknown_language(world):
    client = signed_in(world)
    client.post(reverse("set_language"), {"language": "fr", "next": PAIRING_LIST})
    assert '<html lang="zh-hans"' in client.get(PAIRING_LIST).content.decode()


def test_accept_language_is_ignored(world):
    client = signed_in(world)
    html = client.get(PAIRING_LIST, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans"' in html
    assert "退出登录" in html


def test_chosen_language_outranks_accept_language(world):
    client = signed_in(world)
    client.post(reverse("set_language"), {"language": "en", "next": PAIRING_LIST})
    html = client.get(PAIRING_LIST, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="en"' in html


def test_login_page_is_chinese_for_anonymous_visitors(db):
    html = Client().get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-hans"' in html


def test_api_messages_are_chinese_unless_the_client_asks_for_english(db):
    """API clients are programs asking deliberately, so Accept-Language counts there."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    chinese = client.get("/api/v1/pairings/").json()
    english = client.get("/api/v1/pairings/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["code"] == english["code"] == "authentication_failed"
    assert chinese["message"] == "令牌无效。"
    assert english["message"] == "Invalid token."
