"""JSON handlers made from plain functions: call(repo, *path params, [request body]) on the
thread pool (the SDK blocks), its dict as the reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from aim.web.replies import JSONReply


def body_text(body: dict[str, Any], key: str, limit: int | None = None, *, required: bool = False) -> str:
    """A text field of a request body ("" when absent); required: stripped, and not empty;
    ValueError (a 400) naming the field otherwise, or when longer than limit."""
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a text")
    value = value.strip() if required else value
    if required and not value:
        raise ValueError(f"{key} cannot be empty")
    if limit is not None and len(value) > limit:
        raise ValueError(f"{key} is {len(value)} chars long, over the {limit} it may have")
    return value


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (ValueError, so a 400, for anything else)."""
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    return body


def json_handler(
    repo: Any, call: Callable[..., Any], *params: str
) -> Callable[[Request], Awaitable[Response]]:
    """A handler that replies call(repo, *path params[, body]) as JSON; a POST or PUT passes its body."""

    async def handler(request: Request) -> Response:
        values = [request.path_params[name] for name in params]
        extra = (await json_body(request),) if request.method in ("POST", "PUT") else ()
        return JSONReply(await run_in_threadpool(call, repo, *values, *extra))

    return handler
