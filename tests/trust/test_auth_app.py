"""Sign-in and roles in the running app (AppTest): demo mode, local accounts, identity-provider roles, gates."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cspdash.accounts import add_account
from cspdash.ui.auth import DEMO_NOTICE

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "dashboard.py"
PASSWORD = "a long enough password"
OIDC_SECRETS = {
    "redirect_uri": "http://127.0.0.1:1/oauth2callback", "cookie_secret": "x" * 32, "client_id": "cspdash",
    "client_secret": "s", "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}


def _gate_script() -> None:
    """A tiny page: shows the current user, then each role's gate in turn."""
    import streamlit as st

    from cspdash.ui import auth

    user = auth.current_user()
    st.markdown(f"user={user.name} role={user.role} how={user.how}")
    for role in ("viewer", "editor", "analyst", "admin"):
        if st.button(f"needs {role}", key=f"gate_{role}"):
            auth.require(role)
            st.markdown(f"passed {role}")


@pytest.fixture()
def users_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A users file with one account per role, used by the app through $CSPDASH_USERS."""
    path = tmp_path / "users.toml"
    for role in ("viewer", "editor", "analyst", "admin"):
        add_account(path, f"{role}.person", role, PASSWORD)
    with path.open("a") as handle:
        handle.write('\n[oidc]\ndefault_role = "viewer"\n[oidc.roles]\n"manager@council.gov.uk" = "editor"\n'
                     '"outsider@example.com" = "none"\n')
    monkeypatch.setenv("CSPDASH_USERS", str(path))
    return path


@pytest.fixture()
def dashboard(demo_store_path: Path, use_store) -> AppTest:  # type: ignore[no-untyped-def]
    """The whole dashboard on the demo store."""
    use_store(demo_store_path)
    return AppTest.from_file(str(DASHBOARD), default_timeout=90)


def _markdown(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def _sign_in(at: AppTest, name: str, password: str) -> None:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    [submit] = [b for b in at.main.button if b.label == "Sign in"]
    submit.click().run()


def test_demo_mode_says_everyone_is_admin(demo_store_path: Path, use_store,  # type: ignore[no-untyped-def]
                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no users file and no identity provider, the sidebar warns that every visitor is admin."""
    use_store(demo_store_path)
    monkeypatch.setenv("CSPDASH_USERS", "")
    at = AppTest.from_file(str(DASHBOARD), default_timeout=90).run()
    assert DEMO_NOTICE in [w.value for w in at.sidebar.warning]
    gate = AppTest.from_function(_gate_script).run()
    assert "user=demo role=admin how=demo" in _markdown(gate)


def test_local_sign_in_required_then_signed_in(dashboard: AppTest, users_file: Path) -> None:
    """With local accounts, a visitor sees only the sign-in form; a wrong password is refused; the right one works."""
    at = dashboard.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert len(at.sidebar.selectbox) == 0  # no area filters (nor data) before signing in
    assert not at.sidebar.warning  # not demo mode
    _sign_in(at, "analyst.person", "not the password at all")
    assert any("do not match" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["Sign in"]
    _sign_in(at, "analyst.person", PASSWORD)
    assert "Sign in" not in [t.value for t in at.title]
    assert any("Signed in as **analyst.person** (analyst)" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="auth_sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]


@pytest.mark.parametrize(("role", "passes"), [
    ("viewer", ["viewer"]),
    ("editor", ["viewer", "editor"]),
    ("analyst", ["viewer", "editor", "analyst"]),
    ("admin", ["viewer", "editor", "analyst", "admin"]),
])
def test_roles_gate_on_the_server(users_file: Path, role: str, passes: list[str]) -> None:
    """require(role) lets a user through only at or above their role, and says why otherwise."""
    from cspdash.ui.auth import User

    for needed in ("viewer", "editor", "analyst", "admin"):
        at = AppTest.from_function(_gate_script)
        at.session_state["cspdash_user"] = User(f"{role}.person", role, how="local")
        at.run()
        at.button(key=f"gate_{needed}").click().run()
        text = _markdown(at)
        if needed in passes:
            assert f"passed {needed}" in text
        else:
            assert f"passed {needed}" not in text
            assert any(f"needs the {needed} role" in w.value for w in at.warning)


def test_anonymous_visitor_has_no_role(users_file: Path) -> None:
    """Not signed in (anonymous_role none by default): every gate refuses."""
    at = AppTest.from_function(_gate_script).run()
    assert "role=none how=anonymous" in _markdown(at)
    at.button(key="gate_viewer").click().run()
    assert "passed viewer" not in _markdown(at)


def test_open_read_only_view_when_configured(dashboard: AppTest, users_file: Path) -> None:
    """anonymous_role = "viewer" shows the pages to visitors, with a Sign in button."""
    users_file.write_text(users_file.read_text().replace('anonymous_role = "none"', 'anonymous_role = "viewer"'))
    at = dashboard.run()
    assert "Sign in" not in [t.value for t in at.title]
    at.sidebar.button(key="auth_sign_in").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    _sign_in(at, "editor.person", PASSWORD)
    assert any("(editor)" in c.value for c in at.sidebar.caption)


def test_broken_users_file_never_falls_back_to_demo(dashboard: AppTest, users_file: Path) -> None:
    """A users file with a mistake stops the app with the file's error (not an open admin demo)."""
    users_file.write_text('[users.x]\nrole = "god"\npassword_hash = "$argon2id$x"\n')
    at = dashboard.run()
    assert not at.exception
    assert any("users file cannot be used" in e.value and "god" in e.value for e in at.error)
    assert DEMO_NOTICE not in [w.value for w in at.sidebar.warning]
    gate = AppTest.from_function(_gate_script).run()
    assert "role=none" in _markdown(gate)


@pytest.mark.parametrize(("email", "role"), [
    ("manager@council.gov.uk", "editor"), ("MANAGER@council.gov.uk", "editor"),
    ("someone@council.gov.uk", "viewer"), ("outsider@example.com", "none"),
])
def test_identity_provider_roles_by_email(users_file: Path, email: str, role: str) -> None:
    """With [auth] in secrets, a signed-in st.user gets the role the users file gives their email."""
    at = AppTest.from_function(_gate_script)
    at.secrets["auth"] = OIDC_SECRETS
    at.user = {"is_logged_in": True, "email": email, "name": "Someone"}
    at.run()
    assert f"role={role} how=oidc" in _markdown(at)


def test_identity_provider_sign_in_page_offers_the_provider(dashboard: AppTest, users_file: Path) -> None:
    """Not signed in with a provider configured: a 'Sign in with your organisation's account' button."""
    dashboard.secrets["auth"] = OIDC_SECRETS
    dashboard.user = {"is_logged_in": False}
    at = dashboard.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "Sign in with your organisation's account" in [b.label for b in at.button]
