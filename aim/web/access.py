"""Who may use the UI, and from where: one ASGI middleware in front of every page, API and socket.

The other tabs of the user's browser are the threat a local UI meets first:
- Host: the UI answers only to the names it serves: `localhost`, `127.0.0.1` and `[::1]` with its
  port, the address the connection came in on, and names the user allows (`aim up --allowed-host`,
  $AIM_UI_ALLOWED_HOSTS). A page whose domain re-resolves to 127.0.0.1 (DNS rebinding) sends its
  own name and gets 403 with a page naming the option.
- Origin: a request that changes something (any method but GET, HEAD and OPTIONS, and a websocket's
  upgrade) must come from the UI's own pages: its Origin (or its Referer when it has none) names a
  host the UI answers to. Scripts send neither and pass. Its body, if any, is `application/json`,
  which no cross-site form or "simple" request can send.
- No reply carries CORS headers (`Access-Control-*`), so browsers keep other sites' scripts from
  reading replies and keep preflighting their requests.
With a token, every page and API request must present it: as `?token=` in a page's address (the
reply then sets an HttpOnly, SameSite=Strict cookie and sends the browser on to the address
without it), as that cookie, or as an `Authorization: Bearer` header (scripts). Without it, a page
answers 401 with a page that says how to open the UI, and the API a JSON error. The UI's own code
(/static, /vendor) is served to anyone: it holds no data. Read-only refuses every request that
would change a run (any method but GET and HEAD) with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import os
from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aim.web.replies import error_reply
from aimproto.contract import MIN_TOKEN_CHARS

COOKIE = "aim_ui_token"
PUBLIC_PREFIXES = ("/static/", "/vendor/")
READS = ("GET", "HEAD")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")  # no Origin check: they change nothing
HOSTS_ENV = "AIM_UI_ALLOWED_HOSTS"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
JSON_TYPES = ("application/json",)
POLICY_CLOSE = 1008  # a websocket refused: "policy violation"
READ_ONLY = "this UI is read-only (aim up --read-only): runs cannot be changed here"
NEEDS_TOKEN = "this UI needs its access token: open it with ?token=TOKEN (the token aim up was given)"
NEEDS_TOKEN_PAGE = (
    "<!doctype html><title>Aim: token needed</title><h1>Token needed</h1>"
    "<p>This UI needs its access token: open it with <code>?token=TOKEN</code> added to its address "
    "(the token <code>aim up</code> was given).</p>"
)
FOREIGN_ORIGIN = (
    "this request comes from a page of another site ({origin}): changes are taken only from the UI's "
    "own pages (a name it answers to: aim up --allowed-host NAME)"
)
NOT_JSON = "a request that changes something sends an application/json body, not {content_type}"


def check_token(token: str) -> str:
    """token, stripped; ValueError when it is too short to be a secret."""
    token = token.strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"a UI token has at least {MIN_TOKEN_CHARS} characters")
    return token


def split_host(value: str) -> tuple[str, int | None]:
    """A Host header's (or --allowed-host's) 'name', 'name:port' or '[v6]:port' as (the name,
    lower case, without brackets or a final dot; its port or None); ('', None) when malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
        if rest and port is None:
            return "", None
    elif value.count(":") == 1:
        name, port = value.split(":")
    elif ":" not in value:
        name, port = value, None
    else:  # a bare IPv6 address, or nothing
        try:
            name, port = str(ipaddress.IPv6Address(value)), None
        except ValueError:
            return "", None
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        return "", None
    return name.rstrip("."), None if port is None else int(port)


def allowed_hosts(names: Iterable[str] = ()) -> list[str]:
    """The host names allowed besides the UI's own: names (--allowed-host) and the comma-separated
    names in $AIM_UI_ALLOWED_HOSTS. ValueError names one that is no host name."""
    given = [*names, *os.environ.get(HOSTS_ENV, "").split(",")]
    hosts = [name.strip() for name in given if name.strip()]
    for name in hosts:
        if name != "*" and not split_host(name)[0]:
            raise ValueError(f"{name!r} is no host name (NAME or NAME:PORT)")
    return hosts


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _route_path(scope: Scope) -> str:
    """The path below the prefix the UI is served under (scope's root_path, aim.web.prefix)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class Access:
    """ASGI middleware: the Host and Origin checks, JSON-only changes, no CORS headers, the token
    check (when token is given) and the read-only mode, for every request the app answers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None = None,
        read_only: bool = False,
        hosts: Iterable[str] = (),
    ) -> None:
        self.app = app
        self.digest = None if token is None else _digest(check_token(token))
        self.read_only = read_only
        self.any_host = "*" in hosts
        self.hosts = [split_host(name) for name in hosts if name != "*"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(HTTPConnection(scope))
        if refusal is None:
            await self.app(scope, receive, _without_cors(send))
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_CLOSE})
        else:
            await refusal(scope, receive, send)

    def answers_to(self, name: str, port: int | None, scope: Scope) -> bool:
        """Whether the UI answers to host name on port (None: the scheme's default) on the
        connection of scope: a loopback name or the address it came in on, with its port, or an
        allowed name (with the port it names, if any)."""
        if not name:
            return False
        if self.any_host or any(name == n and p in (None, port) for n, p in self.hosts):
            return True
        address, server_port = scope.get("server") or ("", None)
        if server_port is None:  # a unix socket: the proxy in front of it chose the port
            return name in LOOPBACK_NAMES
        return port == server_port and (name in LOOPBACK_NAMES or name == str(address).lower())

    def _host_refusal(self, conn: HTTPConnection) -> Response | None:
        host = conn.headers.get("host")
        if host is None:  # no browser sends a request without one
            return None
        name, port = split_host(host)
        default = DEFAULT_PORTS.get(conn.url.scheme, 80)
        if self.answers_to(name, default if port is None else port, conn.scope):
            return None
        return _foreign_host(host, _route_path(conn.scope))

    def _origin_refusal(self, conn: HTTPConnection) -> Response | None:
        """A change (or a websocket) from another site's page; a body that is not JSON."""
        method = conn.scope.get("method", "GET")
        if conn.scope["type"] == "http" and method in SAFE_METHODS:
            return None
        origin = conn.headers.get("origin") or conn.headers.get("referer")
        if origin is not None:
            parts = urlsplit(origin)
            name, port = split_host(parts.netloc) if parts.scheme in DEFAULT_PORTS else ("", None)
            port = DEFAULT_PORTS.get(parts.scheme) if port is None else port
            if not self.answers_to(name, port, conn.scope):
                return error_reply(403, FOREIGN_ORIGIN.format(origin=origin[:200]), "origin")
        if conn.scope["type"] == "http":
            content_type = conn.headers.get("content-type")
            has_body = conn.headers.get("content-length", "0") != "0" or "transfer-encoding" in conn.headers
            media = (content_type or "").partition(";")[0].strip().lower()
            if (content_type is not None or has_body) and media not in JSON_TYPES:
                return error_reply(
                    415, NOT_JSON.format(content_type=content_type or "no type"), "content-type"
                )
        return None

    def _accepts(self, presented: str | None) -> bool:
        if presented is None or self.digest is None:
            return False
        return hmac.compare_digest(_digest(presented), self.digest)

    def _refusal(self, conn: HTTPConnection) -> Response | None:
        """The reply that refuses the request, or None when it may go on."""
        refusal = self._host_refusal(conn) or self._origin_refusal(conn)
        if refusal is not None:
            return refusal
        path = _route_path(conn.scope)
        if self.digest is not None and not path.startswith(PUBLIC_PREFIXES):
            in_address = conn.query_params.get("token")
            if self._accepts(in_address):
                return self._remember(conn, in_address or "") if conn.scope["type"] == "http" else None
            bearer = conn.headers.get("authorization", "")
            presented = bearer[7:] if bearer.lower().startswith("bearer ") else conn.cookies.get(COOKIE)
            if not self._accepts(presented):
                return _unauthenticated(path)
        if self.read_only and conn.scope.get("method", "GET") not in READS:
            return error_reply(403, READ_ONLY, "read-only")
        return None

    def _remember(self, conn: HTTPConnection, token: str) -> Response:
        """The address without its token, with the token in a cookie (the address would keep it
        in the history and in Referer headers)."""
        rest = [(key, value) for key, value in conn.query_params.multi_items() if key != "token"]
        target = conn.url.path + (f"?{urlencode(rest)}" if rest else "")
        reply = RedirectResponse(target, status_code=303)
        path = conn.scope.get("root_path", "") + "/"  # under --base-path, only the UI's addresses
        reply.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=conn.url.scheme == "https", path=path
        )
        return reply


def _without_cors(send: Send) -> Send:
    """send, dropping any Access-Control-* header from a reply's start."""

    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            kept = [(key, value) for key, value in headers if not key.lower().startswith(b"access-control-")]
            if len(kept) != len(headers):
                message = {**message, "headers": kept}
        await send(message)

    return sender


def _foreign_host(host: str, path: str) -> Response:
    name = split_host(host)[0] or host
    message = (
        f"this UI does not answer to the host name {host[:200]!r}: if that name is yours (a reverse "
        f"proxy, another name of this machine), start aim up with --allowed-host {name[:200]} "
        f"(or add it to ${HOSTS_ENV})"
    )
    if path.startswith("/api/"):
        return error_reply(403, message, "host")
    page = (
        "<!doctype html><title>Aim: host not allowed</title><h1>Host not allowed</h1>"
        f"<p>This UI does not answer to the host name <code>{html.escape(host[:200])}</code>. "
        "It may be another site's page that renamed itself to reach this machine. If the name is yours "
        "(a reverse proxy, another name of this machine), start <code>aim up</code> with "
        f"<code>--allowed-host {html.escape(name[:200])}</code> (or add it to "
        f"<code>${HOSTS_ENV}</code>).</p>"
    )
    return HTMLResponse(page, status_code=403)


def _unauthenticated(path: str) -> Response:
    if path.startswith("/api/"):
        return error_reply(401, NEEDS_TOKEN, "unauthenticated")
    return HTMLResponse(NEEDS_TOKEN_PAGE, status_code=401, headers={"WWW-Authenticate": "Bearer"})
