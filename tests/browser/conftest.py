"""Browser tests: the admin as an official uses it, in headless Chromium (Debian's `chromium` package, driven
by Playwright; no browser is ever downloaded).

Where /usr/bin/chromium (or NTP_CHROMIUM) is missing they are skipped with a message saying how to run them,
except in CI (CI=true), where a missing browser is a failure: `.ci/run` installs it first.
Screenshots go to `.browser-screenshots/` (NTP_SCREENSHOTS to choose another folder).
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("NTP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HOW_TO_RUN = (
    "browser tests need Debian's Chromium: `sudo apt-get install chromium`, then `python3 dev.py test tests/browser`"
)
SCREENSHOTS = Path(os.environ.get("NTP_SCREENSHOTS", Path(__file__).resolve().parents[2] / ".browser-screenshots"))


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: CI must install it ({HOW_TO_RUN})")
        pytest.skip(f"{missing}; {HOW_TO_RUN}")
    # Playwright's synchronous API runs an event loop in this thread; the tests' own ORM calls are still
    # synchronous and outside it, which Django cannot tell.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


DESKTOP = {"width": 1366, "height": 900}


def vi(url_name: str, *args) -> str:
    """The address of a page in Vietnamese (/vi/...)."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override("vi"):
        return reverse(url_name, args=args)


@pytest.fixture
def page_as(browser, live_server):
    """page_as(user, viewport=DESKTOP) → a browser page (its own context) logged in as `user`, at the live
    server, in Vietnamese, on Vietnam's time."""
    from django.test import Client

    contexts = []

    def open_page(user, viewport=DESKTOP):
        client = Client()
        client.force_login(user)
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport=viewport)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
