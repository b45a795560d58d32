"""Local sign-in survives a reload when served by serve.py (real browser, real server, HttpOnly cookie)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cspdash.accounts import add_account
from cspdash.ui import sessions
from tests.e2e.conftest import (
    ROOT,
    free_port,
    new_context,
    screenshot,
    start_streamlit,
    stop_server,
    wait_for_app,
)

pytestmark = pytest.mark.e2e
NAME, PASSWORD = "jo.manager", "correct horse battery staple"


@pytest.fixture(scope="module")
def served(demo_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run serve.py` on the demo store with one local editor account and a private key file."""
    folder = tmp_path_factory.mktemp("session")
    users = folder / "users.toml"
    add_account(users, NAME, "editor", PASSWORD)
    env = {**os.environ, "CSPDASH_DB": str(demo_store_path), "CSPDASH_USERS": str(users),
           "CSPDASH_SESSION_KEY": str(folder / "session.key")}
    env.pop("CSPDASH_SESSION_SECRET", None)
    port = free_port()
    proc: subprocess.Popen[bytes] = start_streamlit(ROOT / "serve.py", env, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def _signed_in(page) -> bool:  # type: ignore[no-untyped-def]
    wait_for_app(page)
    page.wait_for_function("() => document.body.innerText.includes('Signed in as')"
                           " || document.body.innerText.includes('Account name')")
    return "Signed in as" in page.locator("body").inner_text()


def test_sign_in_survives_a_reload_and_sign_out_ends_it(served: str, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser)
    page = context.new_page()
    try:
        page.goto(served, wait_until="commit")
        assert not _signed_in(page)  # anonymous_role = none: the sign-in form
        form = page.locator("[data-testid='stForm']")
        form.get_by_label("Account name").fill(NAME)
        form.get_by_label("Password", exact=True).fill(PASSWORD)
        with page.expect_navigation():  # to /cspdash/session, which sets the cookie
            form.get_by_role("button", name="Sign in").click()
        page.wait_for_function("() => document.body.innerText.includes('Signed in as')")
        assert f"Signed in as {NAME} (editor)" in " ".join(page.locator("body").inner_text().split())
        cookie = next(c for c in context.cookies() if c["name"] == sessions.COOKIE)
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert sessions.COOKIE not in page.evaluate("document.cookie")  # page scripts cannot read it

        page.reload(wait_until="commit")
        assert _signed_in(page), "a reload keeps the sign-in"
        page.goto(f"{served}/trends", wait_until="commit")
        assert _signed_in(page), "so does opening another page by its address"

        with page.expect_navigation():  # to /cspdash/signout, which deletes the cookie
            page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
        page.wait_for_function("() => document.body.innerText.includes('Account name')")
        assert not any(c["name"] == sessions.COOKIE for c in context.cookies())
        page.reload(wait_until="commit")
        assert not _signed_in(page), "after signing out a reload asks again"

        # the signed-out token is refused by the server even if a browser still sends it
        context.add_cookies([{"name": cookie["name"], "value": cookie["value"], "url": served}])
        page.reload(wait_until="commit")
        assert not _signed_in(page), "a revoked token does not sign in"
        # and a token with a changed signature never did
        context.clear_cookies()
        context.add_cookies([{"name": sessions.COOKIE, "value": cookie["value"][:-3] + "AAA", "url": served}])
        page.reload(wait_until="commit")
        assert not _signed_in(page), "a tampered token does not sign in"
    except Exception:
        screenshot(page, "session_cookie_failure")
        raise
    finally:
        context.close()


def test_served_pages_carry_the_security_headers(served: str) -> None:
    """No framing, no MIME sniffing, no full URL to other sites: on the app's page as served by serve.py."""
    import urllib.request

    with urllib.request.urlopen(served, timeout=30) as response:  # noqa: S310 (a local test server)
        headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
