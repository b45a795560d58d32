"""Sessions and deployment: revocations survive a restart, tickets stay in their browser, sign-out needs the app,
the cookie is Secure behind a TLS proxy, a mistyped users path fails closed, no build before sign-in, a bounded
failed-sign-in table and the security headers.

The routes are driven through Starlette's test client (the real route functions and middleware serve.py
mounts); the app through AppTest.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash import accounts
from cspdash.accounts import add_account
from cspdash.ui import sessions

ROOT = Path(__file__).resolve().parents[2]
BROWSER_A = ({"_streamlit_xsrf": "2|aaaaaaaa|0123456789abcdef0123456789abcdef|1700000000"}, {"user-agent": "Firefox"})
BROWSER_B = ({"_streamlit_xsrf": "2|bbbbbbbb|fedcba9876543210fedcba9876543210|1700000000"}, {"user-agent": "Firefox"})


@pytest.fixture(autouse=True)
def private_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CSPDASH_SESSION_SECRET", "k" * 64)
    monkeypatch.setenv("CSPDASH_SESSION_REVOKED", str(tmp_path / "session.revoked"))
    monkeypatch.delenv("CSPDASH_SECURE_COOKIE", raising=False)
    sessions._REVOKED.clear()
    sessions._REVOKED_READ[0] = -1.0
    yield
    sessions._REVOKED.clear()
    sessions._REVOKED_READ[0] = -1.0


def _client():  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    async def home(_request):  # type: ignore[no-untyped-def]
        return PlainTextResponse("app")

    app = Starlette(routes=[*sessions.routes(), Route("/", home)], middleware=sessions.security_middleware())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(app, base_url="http://testserver", follow_redirects=False)


def _restart() -> None:
    """What a server restart forgets: everything held in memory."""
    sessions._REVOKED.clear()
    sessions._REVOKED_READ[0] = -1.0
    sessions._TICKETS.clear()


def test_a_signed_out_token_stays_refused_after_a_restart() -> None:
    token = sessions.issue("jo")
    assert sessions.verify(token) == "jo"
    sessions.revoke(token)
    _restart()
    assert sessions.verify(token) is None
    assert sessions.verify(sessions.issue("jo")) == "jo", "other tokens still work"


def test_a_ticket_opened_in_another_browser_signs_nobody_in() -> None:
    client = _client()
    ticket = sessions.new_ticket("jo", sessions.browser_key(*BROWSER_A))
    cookies, headers = BROWSER_B
    client.cookies.update(cookies)
    response = client.get(f"{sessions.SESSION_PATH}?ticket={ticket}", headers=headers)
    assert response.status_code == 303 and sessions.COOKIE not in response.headers.get("set-cookie", "")
    # the asking browser gets its cookie (a fresh ticket: the first one was spent)
    ticket = sessions.new_ticket("jo", sessions.browser_key(*BROWSER_A))
    client.cookies.clear()
    client.cookies.update(BROWSER_A[0])
    response = client.get(f"{sessions.SESSION_PATH}?ticket={ticket}", headers=BROWSER_A[1])
    assert f"{sessions.COOKIE}=" in response.headers["set-cookie"]


def test_the_xsrf_cookies_changing_mask_is_still_the_same_browser() -> None:
    """Streamlit re-masks its XSRF cookie on every page load; the token under the mask identifies the browser."""
    from streamlit.web.server.starlette import starlette_app_utils

    token = b"\x01" * 16
    first = starlette_app_utils.generate_xsrf_token_string(token, 1700000000)
    second = starlette_app_utils.generate_xsrf_token_string(token, 1700000000)
    headers = {"user-agent": "Firefox"}
    assert sessions.browser_key({"_streamlit_xsrf": first}, headers) == sessions.browser_key(
        {"_streamlit_xsrf": second}, headers)
    assert sessions.browser_key(*BROWSER_A) != sessions.browser_key(*BROWSER_B)


def test_a_link_to_sign_out_does_nothing_without_the_apps_ticket() -> None:
    client = _client()
    token = sessions.issue("jo")
    client.cookies.set(sessions.COOKIE, token)
    response = client.get(sessions.SIGNOUT_PATH)  # e.g. <img src="…/cspdash/signout"> on another page
    assert response.status_code == 303 and "set-cookie" not in response.headers
    assert sessions.verify(token) == "jo", "still signed in"
    response = client.get(f"{sessions.SIGNOUT_PATH}?ticket={sessions.new_signout_ticket()}")
    assert f'{sessions.COOKIE}=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]


UA = {"user-agent": "Firefox"}


@pytest.mark.parametrize(("headers", "secure"), [(UA, False), ({**UA, "x-forwarded-proto": "https"}, True),
                                                 ({**UA, "x-forwarded-proto": "http"}, False)])
def test_the_cookie_is_secure_behind_a_tls_proxy(headers: dict[str, str], secure: bool) -> None:
    client = _client()
    ticket = sessions.new_ticket("jo", sessions.browser_key({}, headers))
    response = client.get(f"{sessions.SESSION_PATH}?ticket={ticket}", headers=headers)
    cookie = response.headers["set-cookie"]
    assert ("secure" in cookie.lower()) is secure, cookie


def test_secure_cookie_by_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDASH_SECURE_COOKIE", "1")
    client = _client()
    ticket = sessions.new_ticket("jo", sessions.browser_key({}, UA))
    assert "secure" in client.get(f"{sessions.SESSION_PATH}?ticket={ticket}", headers=UA).headers["set-cookie"].lower()


def test_every_response_carries_the_security_headers() -> None:
    client = _client()
    for path in ("/", sessions.SIGNOUT_PATH):
        response = client.get(path)
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_serve_py_mounts_the_middleware() -> None:
    text = (ROOT / "serve.py").read_text()
    assert "middleware=sessions.security_middleware()" in text


def test_the_failed_sign_in_table_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_FAILURES", {})
    for index in range(3000):
        accounts.locked_out(f"nobody-{index}")  # asking about a name remembers nothing
    assert len(accounts._FAILURES) == 0
    monkeypatch.setattr(accounts, "MAX_TRACKED_NAMES", 1000)
    for index in range(5000):
        accounts._record_failure(f"random-{index}", 1000.0 + index * 0.001)
    assert len(accounts._FAILURES) <= 1000
    for _ in range(20):
        accounts._record_failure("victim", 2000.0)
    assert len(accounts._FAILURES["victim"]) == accounts.MAX_FAILURES
    assert accounts.locked_out("victim", now=2001.0)


def test_a_mistyped_users_path_fails_closed(demo_store_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setenv("CSPDASH_DB", str(demo_store_path))
    monkeypatch.setenv("CSPDASH_USERS", str(tmp_path / "usres.toml"))  # a typo
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception
    assert any("usres" in e.value and "stays closed" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.sidebar.warning, "no demo mode"
    assert not [t.value for t in at.title if t.value != "Sign in"], "no page is shown"


def test_a_visitor_who_has_not_signed_in_starts_no_demo_build(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    add_account(users, "jo", "viewer", "correct horse battery staple")
    store = tmp_path / "new" / "store.duckdb"
    monkeypatch.setenv("CSPDASH_DB", str(store))
    monkeypatch.setenv("CSPDASH_USERS", str(users))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    assert not at.exception
    assert not store.exists() and not store.with_name("store.duckdb.versions").exists()
