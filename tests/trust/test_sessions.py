"""The signed session token behind sign-in that survives a reload (cspdash/ui/sessions.py)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from cspdash.ui import sessions

KEY = b"k" * 64
NOW = 1_800_000_000.0


def test_a_token_names_its_user_until_it_expires() -> None:
    token = sessions.issue("sam.analyst", now=NOW, key=KEY)
    assert sessions.verify(token, now=NOW, key=KEY) == "sam.analyst"
    assert sessions.verify(token, now=NOW + sessions.MAX_AGE_S - 1, key=KEY) == "sam.analyst"
    assert sessions.verify(token, now=NOW + sessions.MAX_AGE_S, key=KEY) is None  # 8 hours on: expired


def test_no_token_lasts_more_than_8_hours() -> None:
    token = sessions.issue("sam", now=NOW, max_age=30 * 24 * 3600, key=KEY)
    payload = json.loads(sessions._unb64(token.split(".")[0]))
    assert payload["exp"] == NOW + 8 * 3600
    # a correctly signed token claiming a longer life (an old or forged key use) is refused too
    body = sessions._b64(json.dumps({"u": "sam", "exp": int(NOW + 9 * 3600), "sid": "x"}).encode())
    assert sessions.verify(f"{body}.{sessions._sign(body, KEY)}", now=NOW, key=KEY) is None


@pytest.mark.parametrize("change", ["user", "signature", "key", "garbage"])
def test_a_changed_token_is_refused(change: str) -> None:
    token = sessions.issue("sam", now=NOW, key=KEY)
    payload, signature = token.split(".")
    if change == "user":
        claims = json.loads(sessions._unb64(payload))
        claims["u"] = "admin"
        token = f"{sessions._b64(json.dumps(claims).encode())}.{signature}"
    elif change == "signature":
        token = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    elif change == "key":
        assert sessions.verify(token, now=NOW, key=b"another key" * 6) is None
        return
    else:
        token = "<script>alert(1)</script>." + "x" * 2000
    assert sessions.verify(token, now=NOW, key=KEY) is None
    assert sessions.verify(sessions.issue("sam", now=NOW, key=KEY), now=NOW, key=KEY) == "sam"  # control


def test_a_signed_out_token_is_refused() -> None:
    token = sessions.issue("sam", key=KEY)
    other = sessions.issue("sam", key=KEY)
    assert sessions.verify(token, key=KEY) == "sam"
    sessions.revoke(token, key=KEY)
    assert sessions.verify(token, key=KEY) is None
    assert sessions.verify(other, key=KEY) == "sam"  # another browser's sign-in is not affected


def test_a_ticket_works_once_and_not_after_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = sessions.new_ticket("sam")
    assert sessions.take_ticket(ticket) == "sam"
    assert sessions.take_ticket(ticket) is None
    assert sessions.take_ticket("made-up") is None and sessions.take_ticket(None) is None
    late = sessions.new_ticket("sam")
    real = sessions.time.time
    monkeypatch.setattr(sessions.time, "time", lambda: real() + sessions.TICKET_TTL_S + 1)
    assert sessions.take_ticket(late) is None


def test_the_key_file_is_made_once_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSPDASH_SESSION_SECRET", raising=False)
    path = tmp_path / "keys" / "session.key"
    monkeypatch.setenv("CSPDASH_SESSION_KEY", str(path))
    first = sessions.secret()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 64
    assert sessions.secret() == first  # the same key on the next run: cookies stay valid across restarts
    monkeypatch.setenv("CSPDASH_SESSION_SECRET", "s" * 40)
    assert sessions.secret() == b"s" * 40
