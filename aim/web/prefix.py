"""Serving the UI under a path prefix (`aim up --base-path /aim`), behind a reverse proxy that
passes the prefix on (as Aim's `--base-path` does).

Every page, asset and API answers under the prefix, and nothing outside it. The app's routes stay
where they are: the prefix goes into the request's root_path, which starlette's routing strips. The
app's HTML gets the prefix in front of its own addresses (`href`, `src` and `action` values that
start with one `/`) and a `<meta name="aim-base-path">` that the pages' scripts add to the
addresses they build; a redirect to one of the app's own paths gets it too.
"""

from __future__ import annotations

import re

from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OWN_ADDRESS = re.compile(rb"""(\s(?:href|src|action)=["'])/(?!/)""")
HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
PLAIN_PATH = re.compile(r"[A-Za-z0-9._~%/-]+")
LINK_TARGET = re.compile(rb"<(/(?!/))")


def normalize(prefix: str | None) -> str:
    """A prefix as Aim writes it: one leading slash, no trailing one ('' for none). ValueError for
    one that is not a plain path (letters, digits, `._~%-` between single slashes)."""
    prefix = (prefix or "").strip().strip("/")
    if not prefix:
        return ""
    if not PLAIN_PATH.fullmatch(prefix) or "//" in prefix or {".", ".."} & set(prefix.split("/")):
        raise ValueError(f"--base-path {prefix!r} is not a plain path like /aim")
    return "/" + prefix


class BasePath:
    """ASGI middleware: serve app under prefix (normalized); a no-op for ''."""

    def __init__(self, app: ASGIApp, *, prefix: str = "") -> None:
        self.app = app
        self.prefix = normalize(prefix)
        self.bytes = self.prefix.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.prefix or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not path.startswith(self.prefix + "/"):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            if path in ("/", self.prefix):
                reply: Response = RedirectResponse(self.prefix + "/", status_code=307)
            else:
                reply = PlainTextResponse(f"Not found: this UI is served under {self.prefix}/", 404)
            await reply(scope, receive, send)
            return
        scope = {**scope, "root_path": scope.get("root_path", "") + self.prefix}
        await self.app(scope, receive, send if scope["type"] == "websocket" else self._rewriting(send))

    def _rewriting(self, send: Send) -> Send:
        """send, with the prefix put into the app's HTML and its own redirect and Link addresses."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def sender(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [(key, self._header(key, value)) for key, value in message.get("headers", [])]
                message = {**message, "headers": headers}
                if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    start = message  # held until the whole page is here
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = self._page(b"".join(chunks))
                headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
                message = {"type": "http.response.body", "body": body}
            await send(message)

        return sender

    def _header(self, key: bytes, value: bytes) -> bytes:
        key = key.lower()
        if key == b"location" and value.startswith(b"/") and not value.startswith(b"//"):
            return value if value.startswith(self.bytes + b"/") else self.bytes + value
        if key == b"link":
            return LINK_TARGET.sub(lambda m: b"<" + self.bytes + m.group(1), value)
        return value

    def _page(self, body: bytes) -> bytes:
        body = OWN_ADDRESS.sub(lambda m: m.group(1) + self.bytes + b"/", body)
        meta = b'<meta name="aim-base-path" content="' + self.bytes + b'">'
        return HEAD.sub(lambda m: m.group(0) + meta, body, count=1)
