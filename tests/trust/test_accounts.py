"""Local accounts: argon2 hashes, the users file, identity-provider roles by email, the accounts CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cspdash import accounts
from cspdash.accounts import AccountsError, add_account, authenticate, load_users, remove_account

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def test_hash_verifies_only_the_same_password() -> None:
    """An argon2id hash matches its password and nothing else."""
    hashed = accounts.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert accounts.verify_password(hashed, PASSWORD)
    assert not accounts.verify_password(hashed, PASSWORD.upper())
    assert not accounts.verify_password("$argon2id$not-a-hash", PASSWORD)


def test_short_password_is_refused() -> None:
    """Passwords under 12 characters are refused with a message saying so."""
    with pytest.raises(AccountsError, match="at least 12"):
        accounts.hash_password("short")


def test_missing_file_means_no_config(tmp_path: Path) -> None:
    """No users file: exists=False, no accounts (the app then runs in demo mode)."""
    config = load_users(tmp_path / "absent.toml")
    assert not config.exists and config.accounts == {}


def test_example_file_parses() -> None:
    """The shipped example is valid and its placeholder hash matches no password."""
    config = load_users(ROOT / "config" / "users.example.toml")
    assert config.exists and config.anonymous_role == "none"
    assert config.accounts["example.admin"].role == "admin"
    assert authenticate(config, "example.admin", "change-me-please") is None
    assert config.role_for_email("Jo.Manager@Council.gov.uk") == "editor"
    assert config.role_for_email("someone.else@council.gov.uk") == "viewer"
    assert config.role_for_email("") == "none"


def test_add_remove_keep_the_rest_of_the_file(tmp_path: Path) -> None:
    """Adding, replacing and removing an account leave comments and the [oidc] table as written."""
    path = tmp_path / "users.toml"
    path.write_text('# our users\n[oidc]\ndefault_role = "none"\n[oidc.roles]\n"a@b.gov.uk" = "admin"\n')
    add_account(path, "sam.analyst", "analyst", PASSWORD)
    add_account(path, "jo", "editor", PASSWORD + "!")
    add_account(path, "sam.analyst", "viewer", PASSWORD + "?")  # replace: new role and password
    config = load_users(path)
    assert {a.name: a.role for a in config.accounts.values()} == {"sam.analyst": "viewer", "jo": "editor"}
    assert authenticate(config, "sam.analyst", PASSWORD + "?") is not None
    assert authenticate(config, "sam.analyst", PASSWORD) is None
    assert config.oidc_default_role == "none" and config.role_for_email("A@B.gov.uk") == "admin"
    assert config.role_for_email("x@y.gov.uk") == "none"
    assert path.read_text().startswith("# our users\n")
    assert path.stat().st_mode & 0o077 == 0  # the file holding hashes is readable by its owner only
    assert remove_account(path, "sam.analyst") and not remove_account(path, "nobody")
    assert list(load_users(path).accounts) == ["jo"]


@pytest.mark.parametrize(("text", "message"), [
    ("[users.sam\nrole = 1", "not valid TOML"),
    ('[users.sam]\nrole = "superuser"\npassword_hash = "$argon2id$x"', "expected one of viewer"),
    ('[users.sam]\nrole = "viewer"\npassword_hash = "plaintext-password"', "argon2 hash"),
    ('[users."bad name!"]\nrole = "viewer"\npassword_hash = "$argon2id$x"', "name should be"),
    ('[oidc.roles]\n"a@b.gov.uk" = "root"', "expected one of"),
    ('[access]\nanonymous_role = "everyone"', "anonymous_role"),
    ('users = "sam"', "must be a table"),
])
def test_bad_users_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    """A users file with a mistake gives an error naming the file and what was expected."""
    path = tmp_path / "users.toml"
    path.write_text(text)
    with pytest.raises(AccountsError, match=message) as caught:
        load_users(path)
    assert str(path) in str(caught.value)


def test_repeated_failures_pause_the_account(tmp_path: Path) -> None:
    """After 5 wrong passwords even the right one is refused for a while (slows password guessing)."""
    path = tmp_path / "users.toml"
    add_account(path, "locked.user", "viewer", PASSWORD)
    config = load_users(path)
    for _ in range(accounts.MAX_FAILURES):
        assert authenticate(config, "locked.user", "wrong password!!") is None
    assert accounts.locked_out("locked.user")
    assert authenticate(config, "locked.user", PASSWORD) is None
    assert not accounts.locked_out("locked.user", now=10**9)  # the window passes


def test_cli_add_and_list(tmp_path: Path) -> None:
    """`python -m cspdash.accounts add NAME ROLE` saves a working account; `list` shows it."""
    path = tmp_path / "users.toml"
    run = [sys.executable, "-m", "cspdash.accounts", "--file", str(path)]
    added = subprocess.run([*run, "add", "pat", "editor", "--password-stdin"], input=PASSWORD + "\n",
                           capture_output=True, text=True, cwd=ROOT, check=False)
    assert added.returncode == 0, added.stderr
    assert authenticate(load_users(path), "pat", PASSWORD) is not None
    listed = subprocess.run([*run, "list"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert "pat: editor" in listed.stdout
    refused = subprocess.run([*run, "add", "pat", "editor", "--password-stdin"], input="short\n",
                             capture_output=True, text=True, cwd=ROOT, check=False)
    assert refused.returncode == 2 and "at least 12" in refused.stderr
    hashed = subprocess.run([*run, "hash", "--password-stdin"], input=PASSWORD + "\n", capture_output=True,
                            text=True, cwd=ROOT, check=False)
    assert accounts.verify_password(hashed.stdout.strip(), PASSWORD)


def test_unknown_names_are_checked_against_a_hash_as_costly_as_a_real_one() -> None:
    """The dummy hash (made on first use, not at import) has the same argon2 parameters as every real hash, so an
    unknown name costs the same verification as a known one; it is made once."""
    real, dummy = accounts.hash_password(PASSWORD), accounts.dummy_hash()
    assert dummy.startswith("$argon2id$")
    assert dummy.split("$")[1:4] == real.split("$")[1:4]  # algorithm, version, m/t/p cost
    assert accounts.dummy_hash() is dummy
    assert not accounts.verify_password(dummy, PASSWORD)
