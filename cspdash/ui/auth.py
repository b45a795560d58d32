"""Who is using the dashboard and what they may do (viewer < editor < analyst < admin).

Three modes, chosen by configuration:

* **identity provider** — an ``[auth]`` section in Streamlit's secrets (``.streamlit/secrets.toml`` or a file
  given with ``--secrets.files``): people sign in with ``st.login`` (OpenID Connect, e.g. Microsoft Entra ID)
  and get the role the users file gives their email address;
* **local accounts** — the users file ($CSPDASH_USERS or config/users.toml) lists accounts with argon2 hashes
  and people sign in with a form; served by serve.py, the sign-in survives a reload (cspdash/ui/sessions.py:
  a signed HttpOnly cookie, verified on every run);
* **demo** — neither is configured: every visitor is the admin "demo" user, and the sidebar says so.

A users file that exists but cannot be read stops the app with its error (never a silent fall-back to demo).
Every write path calls ``require(role)`` or ``current_user().can(role)`` on the server.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import streamlit as st

from cspdash.accounts import (
    NO_ROLE,
    ROLE_HELP,
    ROLES,
    AccountsError,
    UsersConfig,
    authenticate,
    dummy_hash,
    load_users,
)
from cspdash.config import settings
from cspdash.ui import sessions
from cspdash.ui.blocks import literal

__all__ = ["ROLES", "ROLE_HELP", "User", "current_user", "require", "sign_in_mode", "sidebar_account",
           "may_view", "sign_in_page", "gate_navigation"]

log = logging.getLogger("cspdash.auth")
_DEMO_WARNED: list[bool] = []  # the server log says "demo mode" once
SESSION_KEY = "cspdash_user"
WANT_SIGN_IN = "auth_want_sign_in"
DEMO_NOTICE = ("Demo mode: no sign-in configured; every visitor has the admin role. "
               "Configure config/users.toml before real use.")
PUBLIC_BADGE = "Public output: counts of 1–4 shown as <5"


@dataclass(frozen=True)
class User:
    """A signed-in (or demo) user; ``how`` is demo, local, oidc, anonymous or test."""

    name: str
    role: str
    how: str = "test"

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role`` (a user without a role can do nothing)."""
        if self.role not in ROLES or role not in ROLES:
            return False
        return ROLES.index(self.role) >= ROLES.index(role)


def _users() -> UsersConfig:
    """The users file, parsed (errors propagate: the caller shows them and stops)."""
    return load_users(settings().users_file)


def _oidc_providers() -> list[str]:
    """Provider names configured in secrets' [auth] ('default' for a provider set directly in [auth])."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file, or one that cannot be parsed: no identity provider
        return []
    if not section:
        return []
    named = [key for key, value in section.items() if hasattr(value, "get") and value.get("server_metadata_url")]
    if section.get("server_metadata_url"):
        named.insert(0, "default")
    return named


def sign_in_mode() -> str:
    """'oidc', 'local' or 'demo' (raises AccountsError for an unreadable users file)."""
    if _oidc_providers():
        return "oidc"
    config = _users()
    if config.exists:
        return "local"
    if settings().users_required:  # a mistyped path must not open the dashboard to everyone as admin
        raise AccountsError(f"CSPDASH_USERS names {config.path}, which does not exist. The dashboard stays closed "
                            "rather than fall back to demo mode (where every visitor is admin): correct the path, "
                            "or unset CSPDASH_USERS to run the demo.")
    if not _DEMO_WARNED:
        _DEMO_WARNED.append(True)
        log.warning("DEMO MODE: no identity provider and no users file (%s): every visitor is admin", config.path)
    return "demo"


def _oidc_user(config: UsersConfig) -> User | None:
    try:
        logged_in = bool(st.user.is_logged_in)
    except Exception:
        return None
    if not logged_in:
        return None
    email = str(st.user.get("email") or "")
    name = str(st.user.get("name") or email or st.user.get("sub") or "signed-in user")
    return User(name=email or name, role=config.role_for_email(email), how="oidc")


def current_user() -> User:
    """The user of this session: a signed-in user, the demo admin, or an anonymous visitor (maybe no role)."""
    user = st.session_state.get(SESSION_KEY)
    if isinstance(user, User):
        return user
    try:
        mode = sign_in_mode()
        if mode == "demo":
            return User(name="demo", role="admin", how="demo")
        config = _users()
    except AccountsError:
        return User(name="not signed in", role=NO_ROLE, how="anonymous")
    if mode == "oidc":
        oidc = _oidc_user(config)
        if oidc is not None:
            return oidc
    if mode == "local" and (remembered := _cookie_user(config)) is not None:
        return remembered
    return User(name="not signed in", role=config.anonymous_role, how="anonymous")


def _session_cookie() -> str | None:
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser connection (e.g. AppTest)
        return None


def _cookie_user(config: UsersConfig) -> User | None:
    """The local account a valid session cookie names (checked on every run; the role read from the file now)."""
    if not sessions.enabled():
        return None
    name = sessions.verify(_session_cookie())
    account = config.accounts.get(name) if name else None
    return User(account.name, account.role, how="local") if account is not None else None


def _go(path: str) -> None:
    """Send the browser to one of serve.py's routes (a fixed path; the ticket is URL-safe random text)."""
    st.html(f"<script>window.location.replace({json.dumps(path)})</script>", unsafe_allow_javascript=True)


def require(role: str) -> User:
    """The current user if they hold ``role``; otherwise a message and a stop (checked on the server)."""
    user = current_user()
    if not user.can(role):
        log.warning("refused %s (%s, %s): needs %s", user.name, user.role, user.how, role)
        st.warning(f"This needs the {role} role ({ROLE_HELP[role]}); you are {literal(_describe(user))}.")
        st.stop()
    return user


def may_view() -> bool:
    """True when the current visitor may see the dashboard's pages (has at least the viewer role)."""
    return current_user().can("viewer")


def _describe(user: User) -> str:
    if user.how == "anonymous":
        return "not signed in"
    return f"signed in as {user.name} ({user.role})"


def sidebar_account() -> bool:
    """Sign-in state, sign-out button and mode badges in the sidebar; True when the pages may be shown."""
    if settings().public_output:
        # a box whose text wraps: a badge stays on one line and the sidebar cut it to "counts of 1–4 show…"
        st.sidebar.info(PUBLIC_BADGE, icon=":material/shield:")
    try:
        mode = sign_in_mode()
    except AccountsError as exc:
        st.error(f"The users file cannot be used, so nobody can sign in: {literal(exc)}")
        st.stop()
    user = current_user()
    if mode == "demo":
        st.sidebar.warning(DEMO_NOTICE, icon=":material/warning:")
        return True
    if user.how != "anonymous":
        st.sidebar.caption(f"Signed in as **{literal(user.name)}** ({user.role})")
        if user.role == NO_ROLE:
            st.error(f"{literal(user.name)} has no role in this dashboard. Ask an administrator to add you to the users "
                     "file.")
        if not st.sidebar.button("Sign out", icon=":material/logout:", key="auth_sign_out"):
            return user.can("viewer")
        _sign_out(user)
        user = current_user()
    st.sidebar.caption("Not signed in")
    if user.can("viewer") and not st.session_state.get(WANT_SIGN_IN):
        if st.sidebar.button("Sign in", icon=":material/login:", key="auth_sign_in"):
            st.session_state[WANT_SIGN_IN] = True
    return user.can("viewer") and not st.session_state.get(WANT_SIGN_IN)


def _sign_out(user: User) -> None:
    log.info("sign-out %s (%s)", user.name, user.how)
    st.session_state.pop(SESSION_KEY, None)
    if user.how == "oidc":
        st.logout()
    if user.how == "local" and sessions.enabled():
        sessions.revoke(_session_cookie())  # refused from now on, whatever the browser sends (kept on disk)
        _go(f"{sessions.SIGNOUT_PATH}?ticket={sessions.new_signout_ticket()}")  # and the browser's cookie deleted


def _sign_in_form() -> None:
    """The page that signs a visitor in: identity-provider buttons and/or the local account form."""
    st.title("Sign in")
    st.write("This dashboard holds partnership information that is not all public. Sign in to continue.")
    if st.session_state.get(WANT_SIGN_IN) and may_view():
        if st.button("Back to the dashboard without signing in", key="auth_cancel"):
            st.session_state.pop(WANT_SIGN_IN, None)
            st.rerun()
    try:
        config = _users()
    except AccountsError as exc:
        st.error(str(exc))
        return
    for provider in _oidc_providers():
        label = "Sign in with your organisation's account" if provider == "default" else (
            f"Sign in with {provider.replace('_', ' ').title()}")
        if st.button(label, type="primary", icon=":material/login:", key=f"auth_login_{provider}"):
            st.login() if provider == "default" else st.login(provider)
    if config.accounts:
        dummy_hash()  # made now, so even the first unknown name takes as long as a known one
        if _oidc_providers():
            st.caption("Or with a local account:")
        with st.form("auth_local_sign_in"):
            name = st.text_input("Account name", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:
            account = authenticate(config, name, password)
            if account is None:
                log.warning("failed local sign-in for %r", name[:64])
                st.error("That account name and password do not match (after 5 failed tries an account is "
                         "paused for 5 minutes).")
                return
            log.info("sign-in %s (%s, local)", account.name, account.role)
            st.session_state.pop(WANT_SIGN_IN, None)
            if sessions.enabled():  # the cookie route signs this browser in for 8 hours, then returns here
                ticket = sessions.new_ticket(account.name, sessions.browser_key(st.context.cookies,
                                                                                st.context.headers))
                st.write("Signing you in…")
                _go(f"{sessions.SESSION_PATH}?ticket={ticket}")
                st.stop()
            st.session_state[SESSION_KEY] = User(account.name, account.role, how="local")
            st.rerun()
    elif not _oidc_providers():
        st.info(f"No accounts are set up in {literal(config.path)}. An administrator adds one with: "
                "`python -m cspdash.accounts add NAME ROLE`")


def sign_in_page() -> Any:
    """The st.Page for signing in (the shell shows only this page until the visitor may view)."""
    return st.Page(_sign_in_form, title="Sign in", icon=":material/login:", url_path="sign-in", default=True)


def gate_navigation(sections: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The pages to navigate: only the sign-in page until the visitor may view (or asked to sign in)."""
    if may_view() and not st.session_state.get(WANT_SIGN_IN):
        return sections
    return {"": [sign_in_page()]}
