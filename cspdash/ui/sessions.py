"""Local-account sign-in that survives a reload: an HMAC-signed token in an HttpOnly cookie.

Streamlit keeps st.session_state per browser connection, so a reload forgets who signed in. When the dashboard
is served by ``serve.py`` (``streamlit run serve.py``: an ``st.App`` with the two routes below), a local sign-in
also gets a cookie the browser sends on every reload:

1. the sign-in form checks the password on the server and makes a one-time *ticket* (random, 60 s, one use);
2. the browser is sent to ``/cspdash/session?ticket=…``; that route swaps the ticket for the cookie
   ``cspdash_session`` (HttpOnly, SameSite=Strict, Secure over https, at most 8 hours) and returns to the app;
3. every script run verifies the cookie on the server (signature, expiry, not signed out) and looks the
   account up in the users file again, so a removed account or a changed role takes effect at once;
4. signing out revokes the token's id on the server and ``/cspdash/signout`` deletes the cookie.

The token is ``base64(json{u, exp, sid}).base64(HMAC-SHA256)``; the key comes from $CSPDASH_SESSION_SECRET or a
file ($CSPDASH_SESSION_KEY, default config/session.key, git-ignored) generated on first use with mode 0600.
Revoked ids are kept in a file beside the key (config/session.revoked, $CSPDASH_SESSION_REVOKED) until they
expire, so a signed-out token stays refused after a restart. A ticket is bound to the browser that asked for it
(Streamlit's per-browser XSRF token and its User-Agent): opened in another browser it signs nobody in. The
sign-out route only deletes the cookie, and only with a one-time sign-out ticket (the app revokes the token
itself), so a link to it elsewhere does nothing. The cookie is Secure over https, behind a TLS proxy that says
X-Forwarded-Proto: https, or with CSPDASH_SECURE_COOKIE=1. Every response carries X-Frame-Options,
Content-Security-Policy frame-ancestors, X-Content-Type-Options and Referrer-Policy (security_middleware).
Under plain ``streamlit run dashboard.py`` there are no routes and sign-in lasts for the connection, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from cspdash.config import PROJECT_ROOT

COOKIE = "cspdash_session"
MAX_AGE_S = 8 * 3600
TICKET_TTL_S = 60
SESSION_PATH = "/cspdash/session"
SIGNOUT_PATH = "/cspdash/signout"
#: set by serve.py: the routes exist, so sign-in may use the cookie
ROUTES_ENV = "CSPDASH_SESSION_ROUTES"

_LOCK = threading.Lock()
_TICKETS: dict[str, tuple[str, float, str]] = {}
_SIGNOUTS: dict[str, float] = {}
_REVOKED: dict[str, float] = {}
_REVOKED_READ: list[float] = [-1.0]  # the revocations file's mtime when last read
#: headers on every response: no framing (clickjacking), no MIME sniffing, no full URL sent to other sites
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def enabled() -> bool:
    """True when serve.py's routes are serving this process."""
    return os.environ.get(ROUTES_ENV) == "1"


def key_file() -> Path:
    return Path(os.environ.get("CSPDASH_SESSION_KEY", str(PROJECT_ROOT / "config" / "session.key")))


def secret() -> bytes:
    """The signing key: $CSPDASH_SESSION_SECRET, else the key file (made with 32 random bytes if missing)."""
    given = os.environ.get("CSPDASH_SESSION_SECRET")
    if given:
        return given.encode()
    path = key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(f"the session key in {path} is too short (expected 64 hex characters)")
    return key.encode()


def revoked_file() -> Path:
    return Path(os.environ.get("CSPDASH_SESSION_REVOKED", str(key_file().with_name("session.revoked"))))


def _read_revoked() -> None:
    """Merge the revocations file into memory when it changed (another process or a restart wrote it)."""
    path = revoked_file()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return
    if mtime == _REVOKED_READ[0]:
        return
    _REVOKED_READ[0] = mtime
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        sid, _sep, exp = line.partition(" ")
        try:
            _REVOKED[sid] = float(exp)
        except ValueError:
            continue


def _write_revoked(now: float) -> None:
    """Rewrite the revocations file with the unexpired ids (atomic replace, mode 0600)."""
    path = revoked_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(f"{sid} {exp:.0f}\n" for sid, exp in _REVOKED.items() if exp >= now)
    os.replace(temporary, path)
    _REVOKED_READ[0] = path.stat().st_mtime


def browser_key(cookies: Any, headers: Any) -> str:
    """What identifies one browser on both sides (the app's script run and the session route): Streamlit's
    per-browser XSRF token (the stable part of its cookie) and the User-Agent, hashed."""
    raw = str(cookies.get("_streamlit_xsrf") or "")
    token = raw
    try:
        from streamlit.web.server.starlette import starlette_app_utils

        decoded, _timestamp = starlette_app_utils.decode_xsrf_token_string(raw)
        token = decoded.hex() if decoded else raw
    except Exception:  # an unreadable cookie: its text as it is
        token = raw
    agent = str(headers.get("user-agent") or headers.get("User-Agent") or "")
    return hashlib.sha256(f"{token}\n{agent}".encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def issue(user: str, now: float | None = None, max_age: int = MAX_AGE_S, key: bytes | None = None) -> str:
    """A signed token for ``user`` that expires ``max_age`` seconds from now (at most 8 hours)."""
    when = time.time() if now is None else now
    body = {"u": user, "exp": int(when + min(max_age, MAX_AGE_S)), "sid": secrets.token_urlsafe(16)}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_sign(payload, key or secret())}"


def _claims(token: str, key: bytes) -> dict[str, Any] | None:
    """The token's claims when its signature is good (expiry not checked), else None."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 1024:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(_sign(payload, key), signature):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except ValueError:
        return None
    ok = isinstance(claims, dict) and isinstance(claims.get("u"), str) and isinstance(claims.get("exp"), int) \
        and isinstance(claims.get("sid"), str)
    return claims if ok else None


def verify(token: str | None, now: float | None = None, key: bytes | None = None) -> str | None:
    """The user a token names when it is signed with our key, unexpired, at most 8 h long and not revoked."""
    if not token:
        return None
    claims = _claims(token, key or secret())
    when = time.time() if now is None else now
    if claims is None or not when < claims["exp"] <= when + MAX_AGE_S:
        return None
    with _LOCK:
        _read_revoked()
        if claims["sid"] in _REVOKED:
            return None
    return str(claims["u"])


def revoke(token: str | None, key: bytes | None = None) -> None:
    """Sign a token out on the server: it is refused from now on, even if the browser still sends it."""
    claims = _claims(token or "", key or secret())
    if claims is None:
        return
    with _LOCK:
        now = time.time()
        _read_revoked()
        for sid in [s for s, exp in _REVOKED.items() if exp < now]:
            del _REVOKED[sid]
        _REVOKED[claims["sid"]] = float(claims["exp"])
        _write_revoked(now)


def new_ticket(user: str, browser: str = "") -> str:
    """A one-time ticket (60 s) that /cspdash/session swaps for a signed-in cookie for ``user``, in the browser
    whose browser_key is ``browser`` only."""
    ticket = secrets.token_urlsafe(24)
    with _LOCK:
        now = time.time()
        for old in [t for t, (_u, exp, _b) in _TICKETS.items() if exp < now]:
            del _TICKETS[old]
        _TICKETS[ticket] = (user, now + TICKET_TTL_S, browser)
    return ticket


def take_ticket(ticket: str | None, browser: str = "") -> str | None:
    """The user a ticket was made for, once, in the browser that asked (None when unknown, used, expired or
    opened in another browser: the ticket is then spent)."""
    with _LOCK:
        found = _TICKETS.pop(ticket or "", None)
    if found is None or found[1] < time.time() or not hmac.compare_digest(found[2], browser):
        return None
    return found[0]


def new_signout_ticket() -> str:
    """A one-time ticket (60 s) that lets /cspdash/signout delete this browser's cookie."""
    ticket = secrets.token_urlsafe(24)
    with _LOCK:
        now = time.time()
        for old in [t for t, exp in _SIGNOUTS.items() if exp < now]:
            del _SIGNOUTS[old]
        _SIGNOUTS[ticket] = now + TICKET_TTL_S
    return ticket


def _take_signout(ticket: str | None) -> bool:
    with _LOCK:
        expires = _SIGNOUTS.pop(ticket or "", None)
    return expires is not None and expires >= time.time()


def secure_request(scheme: str, headers: Any) -> bool:
    """Whether the browser reached us over https: directly, through a TLS proxy that says so
    (X-Forwarded-Proto: https), or as configured (CSPDASH_SECURE_COOKIE=1)."""
    forwarded = str(headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    return scheme == "https" or forwarded == "https" or os.environ.get("CSPDASH_SECURE_COOKIE") == "1"


def security_middleware() -> list[Any]:
    """Starlette middleware adding SECURITY_HEADERS to every response (pages, routes, static files)."""
    from starlette.middleware import Middleware

    class _Headers:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return

            async def sending(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    present = {name.lower() for name, _value in headers}
                    for name, value in SECURITY_HEADERS.items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode()))
                    message["headers"] = headers
                await send(message)

            await self.app(scope, receive, sending)

    return [Middleware(_Headers)]


# ---------------------------------------------------------------------------------------------- routes
def routes() -> list[Any]:
    """The Starlette routes serve.py mounts beside Streamlit."""
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    async def session(request: Request) -> RedirectResponse:
        user = take_ticket(request.query_params.get("ticket"), browser_key(request.cookies, request.headers))
        response = RedirectResponse("/", status_code=303)
        if user is not None:
            response.set_cookie(COOKIE, issue(user), max_age=MAX_AGE_S, path="/", httponly=True, samesite="strict",
                                secure=secure_request(request.url.scheme, request.headers))
        return response

    async def signout(request: Request) -> RedirectResponse:
        # the app has revoked the token already; without its one-time ticket a link here changes nothing
        response = RedirectResponse("/", status_code=303)
        if _take_signout(request.query_params.get("ticket")):
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                                   secure=secure_request(request.url.scheme, request.headers))
        return response

    return [Route(SESSION_PATH, session, methods=["GET"]), Route(SIGNOUT_PATH, signout, methods=["GET"])]
