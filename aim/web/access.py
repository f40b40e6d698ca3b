"""Who may use the UI: an access token (when `aim up` has one) and the read-only mode.

With a token, every page and API request must present it: as `?token=` in a page's address (the
reply then sets an HttpOnly cookie and sends the browser on to the address without it), as that
cookie, or as an `Authorization: Bearer` header (scripts). Without it, a page answers 401 with a
page that says how to open the UI, and the API a JSON error. The UI's own code (/static,
/vendor) is served to anyone: it holds no data. Read-only refuses every request that would
change a run (any method but GET and HEAD) with 403.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from aim.web.replies import error_reply
from aimproto.contract import MIN_TOKEN_CHARS

COOKIE = "aim_ui_token"
PUBLIC_PREFIXES = ("/static/", "/vendor/")
READS = ("GET", "HEAD")
READ_ONLY = "this UI is read-only (aim up --read-only): runs cannot be changed here"
NEEDS_TOKEN = "this UI needs its access token: open it with ?token=TOKEN (the token aim up was given)"
NEEDS_TOKEN_PAGE = (
    "<!doctype html><title>Aim: token needed</title><h1>Token needed</h1>"
    "<p>This UI needs its access token: open it with <code>?token=TOKEN</code> added to its address "
    "(the token <code>aim up</code> was given).</p>"
)


def check_token(token: str) -> str:
    """token, stripped; ValueError when it is too short to be a secret."""
    token = token.strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"a UI token has at least {MIN_TOKEN_CHARS} characters")
    return token


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class Access:
    """ASGI middleware: the token check (when token is given) and the read-only mode."""

    def __init__(self, app: ASGIApp, *, token: str | None = None, read_only: bool = False) -> None:
        self.app = app
        self.digest = None if token is None else _digest(check_token(token))
        self.read_only = read_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _accepts(self, presented: str | None) -> bool:
        if presented is None or self.digest is None:
            return False
        return hmac.compare_digest(_digest(presented), self.digest)

    def _refusal(self, request: Request) -> Response | None:
        """The reply that refuses request, or None when it may go on."""
        path = request.url.path
        if self.digest is not None and not path.startswith(PUBLIC_PREFIXES):
            in_address = request.query_params.get("token")
            if self._accepts(in_address):
                return self._remember(request, in_address or "")
            bearer = request.headers.get("authorization", "")
            presented = bearer[7:] if bearer.lower().startswith("bearer ") else request.cookies.get(COOKIE)
            if not self._accepts(presented):
                return _unauthenticated(path)
        if self.read_only and request.method not in READS:
            return error_reply(403, READ_ONLY, "read-only")
        return None

    def _remember(self, request: Request, token: str) -> Response:
        """The address without its token, with the token in a cookie (the address would keep it
        in the history and in Referer headers)."""
        rest = [(key, value) for key, value in request.query_params.multi_items() if key != "token"]
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        reply = RedirectResponse(target, status_code=303)
        reply.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
        )
        return reply


def _unauthenticated(path: str) -> Response:
    if path.startswith("/api/"):
        return error_reply(401, NEEDS_TOKEN, "unauthenticated")
    return HTMLResponse(NEEDS_TOKEN_PAGE, status_code=401, headers={"WWW-Authenticate": "Bearer"})
