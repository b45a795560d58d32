"""Users and roles: the users file (local accounts with argon2 hashes, identity-provider roles by email).

The file is TOML, at $CSPDASH_USERS or config/users.toml (see config/users.example.toml)::

    [access]
    anonymous_role = "none"          # visitors who have not signed in: "none" (must sign in) or a role

    [users."sam.analyst"]            # a local account (sign-in form)
    role = "analyst"
    password_hash = "$argon2id$..."

    [oidc]                           # people signing in through the identity provider (st.login)
    default_role = "viewer"          # for anyone the provider admits who is not listed; "none" refuses them
    [oidc.roles]
    "jo.manager@council.gov.uk" = "editor"

Add a local account with ``python -m cspdash.accounts add NAME ROLE`` (asks for the password), or print a
hash to paste with ``python -m cspdash.accounts hash``. No streamlit here: the UI lives in cspdash/ui/auth.py.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import re
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cspdash.config import settings

ROLES = ("viewer", "editor", "analyst", "admin")
ROLE_HELP = {
    "viewer": "councillor: reads every page and exports packs",
    "editor": "CSP manager: also updates actions, recommendations and meeting questions",
    "analyst": "also loads data",
    "admin": "everything, including rollback",
}
NO_ROLE = "none"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LENGTH = 12
#: failed sign-ins allowed per account name within LOCKOUT_WINDOW_S before further attempts are refused
MAX_FAILURES = 5
LOCKOUT_WINDOW_S = 300.0
#: failed sign-ins are remembered for at most this many account names at once
MAX_TRACKED_NAMES = 10_000

_HASHER = PasswordHasher()
_FAILURES: dict[str, list[float]] = {}
_FAILURES_LOCK = threading.Lock()


class AccountsError(ValueError):
    """The users file cannot be used as it is (the message says where and what was expected)."""


@dataclass(frozen=True)
class Account:
    """A local account: name, role and argon2 password hash."""

    name: str
    role: str
    password_hash: str


@dataclass(frozen=True)
class UsersConfig:
    """The parsed users file."""

    path: Path
    exists: bool
    accounts: dict[str, Account] = field(default_factory=dict)
    oidc_roles: dict[str, str] = field(default_factory=dict)
    oidc_default_role: str = "viewer"
    anonymous_role: str = NO_ROLE

    def role_for_email(self, email: str | None) -> str:
        """The role of an identity-provider user by email ('none' when they get no role)."""
        if not email:
            return NO_ROLE
        return self.oidc_roles.get(email.strip().lower(), self.oidc_default_role)


def users_file() -> Path:
    """The users file in use ($CSPDASH_USERS or config/users.toml)."""
    return settings().users_file


def _role(value: object, where: str, allow_none: bool) -> str:
    allowed = ROLES + ((NO_ROLE,) if allow_none else ())
    if not isinstance(value, str) or value.strip().lower() not in allowed:
        raise AccountsError(f"{where}: got {value!r}; expected one of {', '.join(allowed)}")
    return value.strip().lower()


def load_users(path: Path | None = None) -> UsersConfig:
    """Parse the users file; a missing file gives an empty config with ``exists=False``."""
    path = Path(path) if path is not None else users_file()
    if not path.exists():
        return UsersConfig(path=path, exists=False)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AccountsError(f"{path}: not valid TOML ({exc}); see config/users.example.toml") from None
    except OSError as exc:
        raise AccountsError(f"{path}: cannot be read ({exc.strerror})") from None
    accounts: dict[str, Account] = {}
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise AccountsError(f"{path}: [users] must be a table of accounts such as [users.\"sam\"]")
    for name, entry in users.items():
        where = f"{path}, [users.\"{name}\"]"
        if not NAME_RE.match(name):
            raise AccountsError(f"{where}: the name should be letters, digits, '.', '_', '@' or '-' (at most 64)")
        if not isinstance(entry, dict):
            raise AccountsError(f"{where}: expected role = \"...\" and password_hash = \"...\"")
        role = _role(entry.get("role"), f"{where} role", allow_none=False)
        password_hash = entry.get("password_hash")
        if not isinstance(password_hash, str) or not password_hash.startswith("$argon2"):
            raise AccountsError(f"{where} password_hash: expected an argon2 hash from "
                                "`python -m cspdash.accounts hash`")
        accounts[name] = Account(name, role, password_hash)
    oidc = data.get("oidc", {})
    if not isinstance(oidc, dict):
        raise AccountsError(f"{path}: [oidc] must be a table")
    roles_table = oidc.get("roles", {})
    if not isinstance(roles_table, dict):
        raise AccountsError(f"{path}: [oidc.roles] must map email addresses to roles")
    oidc_roles = {str(email).strip().lower(): _role(role, f"{path}, [oidc.roles] {email!r}", allow_none=True)
                  for email, role in roles_table.items()}
    default_role = _role(oidc.get("default_role", "viewer"), f"{path}, [oidc] default_role", allow_none=True)
    access = data.get("access", {})
    if not isinstance(access, dict):
        raise AccountsError(f"{path}: [access] must be a table")
    anonymous = _role(access.get("anonymous_role", NO_ROLE), f"{path}, [access] anonymous_role", allow_none=True)
    return UsersConfig(path, True, accounts, oidc_roles, default_role, anonymous)


@functools.cache
def dummy_hash() -> str:
    """The hash an unknown name's password is checked against, so it takes as long as a known name's.

    Made on first use rather than at import (an argon2 hash takes about 0.15 s, which every server start and every
    page's first run would pay); the sign-in form asks for it before anyone can submit a name."""
    return _HASHER.hash("not a real password: equalises timing for unknown names")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refuses passwords shorter than MIN_PASSWORD_LENGTH)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountsError(f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return bool(_HASHER.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def locked_out(name: str, now: float | None = None) -> bool:
    """True when this account name has had too many failed sign-ins recently."""
    now = time.monotonic() if now is None else now
    with _FAILURES_LOCK:
        recent = [t for t in _FAILURES.get(name, []) if now - t < LOCKOUT_WINDOW_S]
        if recent:
            _FAILURES[name] = recent
        else:
            _FAILURES.pop(name, None)  # names with no recent failure are not kept (the table stays bounded)
        return len(recent) >= MAX_FAILURES


def authenticate(config: UsersConfig, name: str, password: str) -> Account | None:
    """The account when name and password match (constant work for unknown names; counts failures)."""
    name = name.strip()
    if locked_out(name):
        return None
    account = config.accounts.get(name)
    ok = verify_password(account.password_hash if account else dummy_hash(), password)
    if account is not None and ok:
        with _FAILURES_LOCK:
            _FAILURES.pop(name, None)
        return account
    _record_failure(name, time.monotonic())
    return None


def _record_failure(name: str, now: float) -> None:
    """Remember a failed sign-in: at most MAX_FAILURES times per name and MAX_TRACKED_NAMES names (expired
    entries are dropped first, then the names whose last failure is oldest), so random names cannot grow it."""
    with _FAILURES_LOCK:
        times = [t for t in _FAILURES.pop(name, []) if now - t < LOCKOUT_WINDOW_S]
        _FAILURES[name] = [*times, now][-MAX_FAILURES:]  # re-inserted: dicts keep insertion order, newest last
        if len(_FAILURES) > MAX_TRACKED_NAMES:
            for stale in [n for n, ts in _FAILURES.items() if not ts or now - ts[-1] >= LOCKOUT_WINDOW_S]:
                del _FAILURES[stale]
            while len(_FAILURES) > MAX_TRACKED_NAMES:
                del _FAILURES[next(iter(_FAILURES))]


def _section_pattern(name: str) -> re.Pattern[str]:
    quoted = re.escape(f'[users."{name}"]')
    bare = re.escape(f"[users.{name}]")
    return re.compile(rf"^(?:{quoted}|{bare})[ \t]*\n(?:(?!\[).*\n?)*", re.MULTILINE)


def add_account(path: Path, name: str, role: str, password: str) -> Account:
    """Add (or replace) a local account in the users file, keeping everything else in it as written."""
    if not NAME_RE.match(name):
        raise AccountsError(f"account name {name!r}: use letters, digits, '.', '_', '@' or '-' (at most 64)")
    role = _role(role, "role", allow_none=False)
    account = Account(name, role, hash_password(password))
    text = path.read_text(encoding="utf-8") if path.exists() else (
        "# cspdash users: see config/users.example.toml\n\n[access]\nanonymous_role = \"none\"\n")
    block = f'[users."{name}"]\nrole = "{role}"\npassword_hash = "{account.password_hash}"\n'
    pattern = _section_pattern(name)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    load_check = tomllib.loads(text)  # never write a file we could not read back
    assert name in load_check.get("users", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return account


def remove_account(path: Path, name: str) -> bool:
    """Remove a local account; False when there was none of that name."""
    if not path.exists():
        return False
    text = path.read_text(encoding="utf-8")
    pattern = _section_pattern(name)
    if not pattern.search(text):
        return False
    path.write_text(pattern.sub("", text, count=1), encoding="utf-8")
    return True


def _ask_password() -> str:
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Same password again: "):
        raise AccountsError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """python -m cspdash.accounts add|remove|list|hash."""
    parser = argparse.ArgumentParser(prog="python -m cspdash.accounts",
                                     description="Manage local sign-in accounts in the users file.")
    parser.add_argument("--file", type=Path, help="users file (default: $CSPDASH_USERS or config/users.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add or replace an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("role", choices=ROLES)
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = sub.add_parser("remove", help="remove an account")
    remove.add_argument("name")
    sub.add_parser("list", help="list accounts and identity-provider roles")
    hash_cmd = sub.add_parser("hash", help="print an argon2 hash to paste into the users file")
    hash_cmd.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    path = args.file or users_file()
    try:
        if args.command in ("add", "hash"):
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else _ask_password()
            if args.command == "hash":
                print(hash_password(password))
                return 0
            account = add_account(path, args.name, args.role, password)
            print(f"Account {account.name} ({account.role}) saved in {path}")
            return 0
        if args.command == "remove":
            if remove_account(path, args.name):
                print(f"Account {args.name} removed from {path}")
                return 0
            print(f"No account {args.name} in {path}", file=sys.stderr)
            return 1
        config = load_users(path)
        if not config.exists:
            print(f"No users file at {path}: the dashboard runs in demo mode (everyone is admin).")
            return 0
        for account in config.accounts.values():
            print(f"{account.name}: {account.role}")
        for email, role in config.oidc_roles.items():
            print(f"{email} (identity provider): {role}")
        print(f"anyone else signing in through the identity provider: {config.oidc_default_role}")
        print(f"visitors who have not signed in: {config.anonymous_role}")
        return 0
    except AccountsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


def role_at_least(role: str | None, needed: str) -> bool:
    """True when ``role`` is a known role at or above ``needed`` (viewer < editor < analyst < admin)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)  # type: ignore[arg-type]
