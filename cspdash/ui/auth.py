"""Who is using the dashboard and what they may do (viewer < editor < analyst < admin)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

ROLES = ("viewer", "editor", "analyst", "admin")
ROLE_HELP = {
    "viewer": "councillor: reads every page and exports packs",
    "editor": "CSP manager: also updates actions, recommendations and meeting questions",
    "analyst": "also loads data",
    "admin": "everything, including rollback",
}


@dataclass(frozen=True)
class User:
    """A signed-in (or demo) user."""

    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return ROLES.index(self.role) >= ROLES.index(role)


def current_user() -> User:
    """The user of this session (demo mode: a local demo user with the admin role)."""
    user = st.session_state.get("cspdash_user")
    if isinstance(user, User):
        return user
    return User(name="demo", role="admin")


def require(role: str) -> User:
    """The current user if they hold ``role``; otherwise a message and a stop (checked on the server)."""
    user = current_user()
    if not user.can(role):
        st.warning(f"This needs the {role} role ({ROLE_HELP[role]}); you are signed in as {user.name} ({user.role}).")
        st.stop()
    return user
