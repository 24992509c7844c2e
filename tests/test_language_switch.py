"""The language switch: a form in the admin's and the status pages' headers posting to Django's
`set_language`; the choice remembered on the user and used at each login; on a first visit (no cookie, no
remembered choice) the browser's Accept-Language chooses; a remembered choice wins over the browser."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kernel.access import JurisdictionLevelChoices as Level
from localities.choices import RoleChoices as Role
from localities.models import LanguagePreference

pytestmark = pytest.mark.django_db

PASSWORD = "x-Secret-123"  # make_official's
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
VIETNAMESE_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "vi-VN,vi;q=0.9,en;q=0.5"}


def url(language, name, *args):
    with translation.override(language):
        return reverse(name, args=args)


@pytest.fixture
def official(world, make_official):
    user = make_official(Role.DATA_ENTRY, Level.PROVINCE, world.p1)
    user.first_name, user.last_name = "Triệu Thị", "Xã"  # as the demo officials are stored
    user.save()
    return user


def log_in(client, user, **headers):
    """A real login through the admin's form (the signal and redirect an official's browser goes through)."""
    return client.post(
        url("vi", "admin:login"), {"username": user.username, "password": PASSWORD, "next": "/admin/"}, **headers
    )


def test_a_browser_asking_for_english_is_sent_to_the_english_pages_on_its_first_visit():
    response = Client().get("/admin/login/?next=/admin/", **ENGLISH_BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "/en/admin/login/?next=/admin/"
    assert "Accept-Language" in response["Vary"]


def test_a_vietnamese_browser_stays_on_the_unprefixed_pages():
    assert Client().get("/admin/login/", **VIETNAMESE_BROWSER).status_code == 200
    assert Client().get("/admin/login/").status_code == 200  # no Accept-Language: Vietnamese


def test_the_cookie_of_a_choice_wins_over_accept_language():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    assert client.get("/admin/login/", **ENGLISH_BROWSER).status_code == 200


def test_an_explicit_prefix_is_served_in_its_language_and_the_api_is_never_redirected():
    response = Client().get("/en/admin/login/", **VIETNAMESE_BROWSER)
    assert response.status_code == 200 and 'lang="en"' in response.content.decode()
    assert Client().get("/api/v1/works/", **ENGLISH_BROWSER).status_code == 401  # not redirected to /en/


@pytest.mark.parametrize("page", ["admin:index", "status:overview"])
def test_the_headers_carry_the_switch(official, page):
    client = Client()
    client.force_login(official)
    html = client.get(url("vi", page)).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html and "English" in html and "Tiếng Việt" in html
    english_page = url("en", page)
    assert (
        f'<input type="hidden" name="next" value="{english_page}"><button type="submit" name="language" value="en"'
        in html
    )


def test_the_admin_greets_an_official_by_the_given_name(official):
    client = Client()
    client.force_login(official)
    html = client.get(url("vi", "admin:index")).content.decode()
    tools = html[html.index('id="user-tools"') :][:400]
    assert "<strong>Xã</strong>" in tools
    assert "Triệu Thị" not in tools


def test_switching_sets_the_language_and_is_remembered_across_logins(official):
    client = Client()
    client.force_login(official)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/en/admin/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert LanguagePreference.objects.get(user=official).language == "en"
    assert "Welcome," in client.get(response["Location"]).content.decode()

    # Another day, another browser (Vietnamese, no cookie): the login leads to English.
    browser = Client()
    response = log_in(browser, official, **VIETNAMESE_BROWSER)
    assert response.status_code == 302
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = browser.get(response["Location"], follow=True, **VIETNAMESE_BROWSER)
    assert page.request["PATH_INFO"] == "/en/admin/"
    assert "Welcome," in page.content.decode()
    # A typed unprefixed address follows the remembered choice too.
    assert browser.get("/status/", **VIETNAMESE_BROWSER)["Location"] == "/en/status/"

    # Back to Vietnamese from an English page: the page itself, unprefixed, and remembered.
    english = browser.get("/en/status/?year=2024").content.decode()
    assert '<input type="hidden" name="next" value="/status/?year=2024">' in english  # the page in Vietnamese
    response = browser.post(reverse("set_language"), {"language": "vi", "next": "/status/?year=2024"})
    assert response["Location"] == "/status/?year=2024"
    assert LanguagePreference.objects.get(user=official).language == "vi"
    assert browser.get("/status/?year=2024", **ENGLISH_BROWSER).status_code == 200


def test_a_remembered_choice_wins_over_the_browser(official):
    LanguagePreference.objects.create(user=official, language="vi")
    browser = Client()
    response = log_in(browser, official, **ENGLISH_BROWSER)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"
    page = browser.get("/admin/", **ENGLISH_BROWSER)
    assert page.status_code == 200 and '<html lang="vi"' in page.content.decode()


def test_logging_in_on_the_english_page_with_vietnamese_remembered_leads_to_vietnamese(official):
    LanguagePreference.objects.create(user=official, language="vi")
    browser = Client()
    response = browser.post(
        url("en", "admin:login"), {"username": official.username, "password": PASSWORD, "next": "/en/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_a_user_without_a_choice_keeps_the_browsers_language(official):
    browser = Client()
    response = log_in(browser, official, **ENGLISH_BROWSER)
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/", **ENGLISH_BROWSER)["Location"] == "/en/admin/"
    assert not LanguagePreference.objects.filter(user=official).exists()
