"""Live updates for the pages: the daemon's Watch stream (Repo.watch) relayed to the browser as
Server-Sent Events. One watch per open page; it ends when the page goes (the relay closes it).

Events: `change` (a run's new points per sequence, its props when they changed, or its
deletion), `ended` (the daemon ended the watch and says why: a deleted run, a page that fell
behind), `reconnecting` (the daemon went away: the relay watches again once it answers). A
comment line every few seconds keeps proxies from closing a quiet stream.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from aim import errors
from aim.web.data import run_summary
from aim.web.replies import error_reply

if TYPE_CHECKING:
    from aim import Repo

RUN_HASH = re.compile(r"[0-9A-Za-z_-]{1,64}")
MAX_RUNS = 1000  # runs one page may watch by name (more: it watches every run)
RECONNECT_S = 1.0  # between tries to watch again after the daemon went away
RELAY_BUFFER = 4096  # events waiting for a page: more, and it fell behind (it reloads)


def _sse(kind: str, payload: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"


def _change(event: dict[str, Any]) -> dict[str, Any]:
    props = event["props"]
    return {
        "run": event["run"],
        "series": event["series"],
        "props": None if props is None else run_summary(props),
        "deleted": event["deleted"],
    }


def _pump(stream: Any, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """Read the watch on its own thread into queue (read on the event loop), ending with ("end",
    why); stops reading once RELAY_BUFFER events wait: the page fell behind."""

    def put(item: tuple[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    try:
        for event in stream:
            if queue.qsize() >= RELAY_BUFFER:
                put(("end", "fell behind"))
                return
            put(("event", event))
        put(("end", "closed"))
    except errors.MissingRunError as exc:
        put(("end", exc))
    except errors.AimError:
        put(("end", "closed"))


async def relay(repo: Repo, run_hashes: list[str]) -> AsyncIterator[str]:
    """The SSE stream of the watch over run_hashes (every run when empty), watched again after
    the daemon went away, until the page goes or the daemon ends the watch. The events that
    wait when the page reads are sent at once, in one write."""
    yield f"retry: {int(RECONNECT_S * 1000)}\n\n"
    loop = asyncio.get_running_loop()
    while True:
        try:
            stream = await run_in_threadpool(repo.watch, run_hashes)
        except errors.DaemonUnavailable:
            stream = None
        if stream is not None:
            queue: asyncio.Queue = asyncio.Queue()
            threading.Thread(target=_pump, args=(stream, loop, queue), name="aim-live", daemon=True).start()
            try:
                yield _sse("watching", {"runs": run_hashes})
                ended = None
                while ended is None:
                    items = [await queue.get()]
                    while not queue.empty():
                        items.append(queue.get_nowait())
                    out = []
                    for kind, event in items:
                        if kind == "end":
                            ended = event
                            break
                        if event["notice"]:
                            out.append(_sse("ended", {"notice": event["notice"], "run": event["run"]}))
                            ended = "notice"
                            break
                        out.append(
                            ": heartbeat\n\n" if event["heartbeat"] else _sse("change", _change(event))
                        )
                    if isinstance(ended, errors.MissingRunError):
                        out.append(_sse("ended", {"notice": str(ended), "missing": True}))
                    elif ended == "fell behind":
                        out.append(
                            _sse("ended", {"notice": "fell behind: the page read slower than runs changed"})
                        )
                    if out:
                        yield "".join(out)
                if ended != "closed":
                    return
            finally:
                stream.close()
        yield _sse("reconnecting", {})
        await anyio.sleep(RECONNECT_S)
        try:  # a call through the SDK starts the daemon again when it is gone
            await run_in_threadpool(repo.list_active_runs)
        except errors.AimError:
            pass


def routes(repo: Repo) -> list[Route]:
    def live(request: Request) -> Response:
        runs = [h for h in request.query_params.get("runs", "").split(",") if h]
        if any(not RUN_HASH.fullmatch(h) for h in runs):
            return error_reply(400, "runs is a comma-separated list of run hashes", "invalid")
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        watched = runs if len(runs) <= MAX_RUNS else []
        return StreamingResponse(relay(repo, watched), media_type="text/event-stream", headers=headers)

    return [Route("/api/live", live)]
