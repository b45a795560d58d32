"""Sign-in end to end: the real browser, `streamlit run`, st.login against a real OIDC provider on loopback.

oidc-provider-mock (an OpenID Connect provider for tests) serves discovery, authorisation (a form asking for the
subject), token, userinfo and end-session endpoints. The dashboard's secrets point at it; roles come from the
users file by email. We sign in as a CSP manager (editor) and as an analyst and check what each may do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    CHROMIUM,
    ROOT,
    free_port,
    log_tail,
    open_app,
    screenshot,
    server_log,
    start_streamlit,
    wait_for_app,
)

pytestmark = pytest.mark.e2e

MANAGER = "manager@council.gov.uk"
ANALYST = "analyst@council.gov.uk"
COUNCILLOR = "councillor@council.gov.uk"
REFUSED = "outsider@example.com"


def _wait_http(url: str, proc: subprocess.Popen[bytes], what: str, log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited; the end of its log {log}:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer at {url}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[str]:
    """oidc-provider-mock on 127.0.0.1; yields its base URL."""
    port = free_port()
    log = server_log(port)  # a file, not a pipe nobody reads (a pipe holds about 64 KB, then the writer blocks)
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
                                 str(port)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_http(f"{base}/.well-known/openid-configuration", proc, "oidc-provider-mock", log)
    # a display name for the manager (other subjects get just their email, as the mock does by default)
    request = urllib.request.Request(f"{base}/users/{MANAGER}", method="PUT",
                                     data=json.dumps({"email": MANAGER, "name": "Jo Manager"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 204
    yield base
    _stop(proc)


@pytest.fixture(scope="module")
def oidc_app(identity_provider: str, demo_store_path: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard with [auth] secrets pointing at the provider and roles by email in a users file."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (apt-get install -y chromium); .ci/run installs it")
    folder = tmp_path_factory.mktemp("oidc")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-that-is-long-enough-0123456789"\n'
        'client_id = "cspdash-test"\n'
        'client_secret = "cspdash-test-secret"\n'
        f'server_metadata_url = "{identity_provider}/.well-known/openid-configuration"\n'
    )
    users = folder / "users.toml"
    users.write_text(
        '[access]\nanonymous_role = "none"\n\n[oidc]\ndefault_role = "viewer"\n\n[oidc.roles]\n'
        f'"{MANAGER}" = "editor"\n"{ANALYST}" = "analyst"\n"{REFUSED}" = "none"\n'
    )
    env = {**os.environ, "CSPDASH_DB": str(demo_store_path), "CSPDASH_USERS": str(users)}
    proc = start_streamlit(ROOT / "dashboard.py", env, port, extra_args=("--secrets.files", str(secrets)))
    yield f"http://127.0.0.1:{port}"
    _stop(proc)


def _sidebar(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.locator("[data-testid='stSidebar']").inner_text())


def _wait_sidebar(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the sidebar shows ``text``."""
    page.wait_for_function(
        "t => (document.querySelector(\"[data-testid='stSidebar']\")?.innerText || '').includes(t)", arg=text)


def _sign_in(page, app: str, subject: str) -> None:  # type: ignore[no-untyped-def]
    """From the app's sign-in page through the provider's form and back, signed in."""
    open_app(page, app)
    page.get_by_role("heading", name="Sign in").wait_for()
    page.get_by_role("button", name="Sign in with your organisation's account").click()
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name='sub']").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app}/**")
    wait_for_app(page)


def test_not_signed_in_sees_only_the_sign_in_page(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """Before signing in, every address shows the sign-in page and no data (not even the area filters)."""
    for path in ("", "/overview", "/data", "/trends"):
        open_app(page, f"{oidc_app}{path}")
        page.get_by_role("heading", name="Sign in").wait_for()
        assert "Partnership" not in _sidebar(page)
        assert "Not signed in" in _sidebar(page)
        assert page.locator("[data-testid='stException']").count() == 0


def test_manager_signs_in_and_is_an_editor(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """The CSP manager completes the provider's login, lands back signed in as editor, and cannot load data."""
    _sign_in(page, oidc_app, MANAGER)
    _wait_sidebar(page, f"Signed in as {MANAGER} (editor)")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.wait_for()
    assert page.get_by_role("heading", name="Sign in").count() == 0
    page.goto(f"{oidc_app}/data", wait_until="commit")  # the identity cookie keeps a new session signed in
    wait_for_app(page)
    _wait_sidebar(page, f"Signed in as {MANAGER} (editor)")
    page.get_by_text("Loading data needs the analyst role").wait_for()
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    screenshot(page, "auth_oidc_editor_data_page")


def test_analyst_may_load_data(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """An analyst's email maps to the analyst role: the Data page offers the upload box."""
    _sign_in(page, oidc_app, ANALYST)
    _wait_sidebar(page, f"Signed in as {ANALYST} (analyst)")
    open_app(page, f"{oidc_app}/data")
    page.locator("[data-testid='stFileUploader']").wait_for()


def test_unlisted_email_gets_the_default_viewer_role(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """Someone the provider admits but the users file doesn't list is a viewer (default_role)."""
    _sign_in(page, oidc_app, COUNCILLOR)
    _wait_sidebar(page, f"Signed in as {COUNCILLOR} (viewer)")
    open_app(page, f"{oidc_app}/data")
    page.get_by_text("Loading data needs the analyst role").wait_for()


def test_refused_email_sees_no_data(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """An email the users file maps to "none" is signed in but told they have no role, and sees no pages."""
    _sign_in(page, oidc_app, REFUSED)
    page.get_by_text("has no role in this dashboard").wait_for()
    assert "Partnership" not in _sidebar(page)


def test_sign_out_returns_to_the_sign_in_page(oidc_app: str, page) -> None:  # type: ignore[no-untyped-def]
    """Sign out clears the identity cookie (and ends the provider session); the next visit must sign in."""
    _sign_in(page, oidc_app, MANAGER)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_timeout(1500)  # the redirect to the provider, if it asks to confirm, starts within this
    if "/oauth2/end_session" in page.url:  # the provider asks to confirm ending its own session
        page.get_by_role("button").first.click()
        page.wait_for_timeout(1000)
    # the next visit in a new tab of the same browser (its cookies): the old tab may still be on its way back from
    # the provider, and a visit from it once waited 180 s for that navigation to give way (CI, 7 Dec 2026)
    visit = page.context.new_page()
    open_app(visit, oidc_app)
    visit.get_by_role("heading", name="Sign in").wait_for()
    assert "Signed in as" not in _sidebar(visit)
