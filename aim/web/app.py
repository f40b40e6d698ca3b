"""The UI's ASGI app (starlette): HTML pages, their JSON API, static files and plotly.js.

Every handler is a plain function: starlette runs it on its thread pool, where the SDK's
blocking calls belong. Errors become JSON {"error": message, "kind": ...} with a status: a
query's syntax error (with line and offset) or budget is a 400 the page shows next to the box.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from aim import Repo, errors, tools
from aim.web import data, documents, explorers, live, overview
from aim.web.access import Access
from aim.web.handlers import json_body
from aim.web.prefix import BasePath
from aim.web.replies import JSONReply, error_reply

STATIC = Path(__file__).resolve().parent / "static"
OBJECT_KINDS = ("images", "distributions", "texts", "figures")  # each has a page
# Aim's addresses: path -> page (aim.web.static's PAGES[page] draws it)
ADDRESSES = {"": "home", "runs": "runs", "experiments": "experiments", "metrics": "metrics"}
ADDRESSES |= {"params": "params", "scatters": "scatters", "images": "images", "figures": "figures"}
ADDRESSES |= {"distributions": "distributions", "texts": "texts", "text": "texts", "audios": "audios"}
ADDRESSES |= {"tags": "tags", "bookmarks": "bookmarks"}
RUN_TABS: tuple[str, ...] = ("overview", "run_parameters", "notes", "logs", "messages", "metrics", "system")
RUN_TABS += ("distributions", "images", "audios", "texts", "figures", "settings")
# pages that fetch plotly.js at once
CHART_PAGES = ("metrics", "params", "scatters", "run", "distributions", "figures")
OBJECT_APIS = (*OBJECT_KINDS, "audios")  # audio is shown on its run's page
RUN_HASH = re.compile(r"[0-9A-Za-z_-]{1,64}")
IMAGE_FORMATS = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif"}
IMAGE_FORMATS |= {"webp": "image/webp", "bmp": "image/bmp", "tiff": "image/tiff"}
BLOB_FORMATS = {**IMAGE_FORMATS, "json": "application/json"}  # a figure's plotly JSON
BLOB_FORMATS |= {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg"}
FOREVER = "public, max-age=31536000, immutable"  # blobs are named by their hash; plotly.js by its version
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


def plotly_js() -> Path:
    """plotly.min.js in the plotly package (read from there, never copied)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@functools.cache
def plotly_script() -> bytes:
    """plotly.min.js as the plotly package ships it, after a comment that asks V8 (Chrome 136 and
    newer) to compile all of it while it streams in, off the page's main thread: plotly.js then
    starts and draws about 0.1 s sooner (bench/bench_ui.py). Other browsers read a comment."""
    return b"//# allFunctionsCalledOnLoad\n" + plotly_js().read_bytes()


@functools.cache
def plotly_gzipped() -> bytes:
    """plotly.js gzipped once, at the highest level: compressing its 4.8 MB for each request
    would cost the server about 0.1 s of CPU, while the browser is busy starting plotly.js."""
    return gzip.compress(plotly_script(), compresslevel=9, mtime=0)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> Any:
    # plotly.js is compressed before the first page asks for it
    threading.Thread(target=plotly_gzipped, name="plotly-gzip", daemon=True).start()
    yield


@functools.cache
def plotly_src() -> str:
    """plotly.js's address, naming plotly's version: the browser may keep it for good."""
    from importlib.metadata import version

    return f"/vendor/plotly.min.js?v={version('plotly')}"


def _page(name: str, status: int = 200, *, read_only: bool = False) -> HTMLResponse:
    # a page with charts names plotly.js in its head (deferred), so that it is fetched at once,
    # with the page's scripts and queries, and run once
    script = f'<script defer id="plotly" src="{plotly_src()}"></script>' if name in CHART_PAGES else ""
    html = (STATIC / "page.html").read_text()
    html = html.replace("{{page}}", name).replace("{{plotly}}", plotly_src()).replace("{{head}}", script)
    html = html.replace("{{read_only}}", "1" if read_only else "")
    headers = dict(SECURITY_HEADERS)
    if name in CHART_PAGES:
        headers["Link"] = f"<{plotly_src()}>; rel=preload; as=script"
    return HTMLResponse(html, status_code=status, headers=headers)


def _syntax_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SyntaxError)
    offset = tools.error_column(exc)
    return error_reply(400, exc.msg, "syntax", line=exc.lineno, offset=offset, text=exc.text)


def _aim_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, errors.QueryBudgetError):
        return error_reply(400, f"the query exceeded its budget: {exc}", "budget")
    if isinstance(exc, errors.QueryError):
        return error_reply(400, str(exc), "query")
    if isinstance(exc, (errors.MissingRunError, errors.MissingExperimentError)):
        return error_reply(404, str(exc), "missing")
    if isinstance(exc, errors.RequestRejected):
        return error_reply(400, str(exc), "rejected")
    if isinstance(exc, errors.DaemonUnavailable):
        return error_reply(503, str(exc), "unavailable")
    return error_reply(500, str(exc))


def _value_error(request: Request, exc: Exception) -> Response:
    return error_reply(400, str(exc), "invalid")


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return error_reply(exc.status_code, exc.detail, "http")
    return _page("notfound", exc.status_code)


def _run_hash(request: Request) -> str:
    run_hash = request.path_params["run_hash"]
    if not RUN_HASH.fullmatch(run_hash):
        raise HTTPException(404, f"no run with hash {run_hash[:80]!r}")
    return run_hash


def _int(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {text[:40]!r}") from None


def create_app(
    repo: Repo,
    *,
    token: str | None = None,
    read_only: bool = False,
    hosts: Iterable[str] = (),
    base_path: str = "",
) -> Starlette:
    """The UI app over repo (its daemon is started by the SDK whenever it is not running). It
    answers to its own host names and hosts; with token, every request must present it; read_only
    refuses changes to runs (aim.web.access). base_path: served under that prefix (aim.web.prefix)."""

    def page(request: Request) -> Response:
        return _page(request.scope["route"].name, read_only=read_only)

    def run_page(request: Request) -> Response:
        tab = request.path_params.get("tab", "overview")
        if tab not in RUN_TABS or repo.get_run(_run_hash(request)) is None:
            return _page("notfound", 404)
        return _page("run", read_only=read_only)

    def bookmark_page(request: Request) -> Response:
        # bookmarks/<name> opens the view a bookmark keeps; the page says so when there is none
        missing = documents.find_bookmark(repo, request.path_params["name"]) is None
        return _page("bookmark", 404 if missing else 200, read_only=read_only)

    def experiment_page(request: Request) -> Response:
        if not overview.experiment_exists(repo, request.path_params["name"]):
            return _page("notfound", 404)
        return _page("experiment", read_only=read_only)

    def query_of(request: Request) -> str:
        return request.query_params.get("q", "")

    def archived(request: Request) -> bool:
        return request.query_params.get("archived", "") in ("1", "true")

    def runs(request: Request) -> Response:
        limit = _int(request, "limit", 0)
        return JSONReply(data.runs_table(repo, query_of(request), archived=archived(request), limit=limit))

    def runs_metrics(request: Request) -> Response:
        return JSONReply(data.runs_metrics(repo, query_of(request), archived=archived(request)))

    def run(request: Request) -> Response:
        return JSONReply(data.run_page(repo, _run_hash(request)))

    def run_metrics(request: Request) -> Response:
        points = _int(request, "max_points", data.DEFAULT_POINTS)
        return JSONReply(data.run_metrics(repo, _run_hash(request), max_points=points))

    async def set_archived(request: Request) -> Response:
        body, run_hash = await json_body(request), _run_hash(request)
        props = await run_in_threadpool(tools.set_archived, repo, run_hash, bool(body.get("archived")))
        return JSONReply(data.run_summary(props))

    async def tags(request: Request) -> Response:
        body, run_hash = await json_body(request), _run_hash(request)
        tag, add = (body["add"], True) if "add" in body else (body.get("remove"), False)
        if not isinstance(tag, str) or not tag.strip():
            return error_reply(400, "a tag is a non-empty text", "invalid")
        change = tools.add_tag if add else tools.remove_tag
        return JSONReply(data.run_summary(await run_in_threadpool(change, repo, run_hash, tag.strip())))

    def delete(request: Request) -> Response:
        run_hash = _run_hash(request)
        if not repo.delete_run(run_hash):
            message = f"run {run_hash} does not exist or is still being tracked into"
            return error_reply(409, message, "rejected")
        return JSONReply({"deleted": run_hash})

    def metrics(request: Request) -> Response:
        points = _int(request, "max_points", data.DEFAULT_POINTS)
        return JSONReply(data.metrics(repo, query_of(request), max_points=points))

    def metric_groups(request: Request) -> Response:
        params = request.query_params
        group_by = explorers.fields(params.get("group_by", ""))
        line, band = params.get("line", "mean"), params.get("band", "")
        points = _int(request, "max_points", data.DEFAULT_POINTS)
        return JSONReply(
            explorers.metric_groups(
                repo, query_of(request), group_by, line=line, band=band, max_points=points
            )
        )

    def objects(request: Request) -> Response:
        kind = request.scope["route"].name.removeprefix("api_")
        return JSONReply(getattr(data, kind)(repo, query_of(request)))

    def terminal_logs(request: Request) -> Response:
        return JSONReply(data.terminal_logs(repo, _run_hash(request)))

    def log_records(request: Request) -> Response:
        return JSONReply(data.log_records(repo, _run_hash(request)))

    def artifacts(request: Request) -> Response:
        return JSONReply(data.run_artifacts(repo, _run_hash(request)))

    def artifact_download(request: Request) -> Response:
        name = request.query_params.get("name", "")
        folder = tempfile.mkdtemp(prefix="aim-up-artifact-")
        try:
            path = data.fetch_artifact(repo, _run_hash(request), name, folder)
        except KeyError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            return error_reply(404, str(exc.args[0]), "not_found")
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
        return FileResponse(path, filename=Path(path).name, headers=SECURITY_HEADERS, background=cleanup)

    def blob(request: Request) -> Response:
        media = BLOB_FORMATS.get(
            request.query_params.get("format", "png").lower(), "application/octet-stream"
        )
        body = data.blob(repo, request.path_params["sha"])
        return Response(body, media_type=media, headers={**SECURITY_HEADERS, "Cache-Control": FOREVER})

    async def plotly(request: Request) -> Response:
        # the page asks for it with ?v=<plotly's version>: cached for good, and V8's code cache
        # spares its parse and compile on later pages
        headers = {"Cache-Control": FOREVER, "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            body, headers["Content-Encoding"] = await run_in_threadpool(plotly_gzipped), "gzip"
        else:
            body = await run_in_threadpool(plotly_script)
        return Response(body, media_type="text/javascript", headers=headers)

    routes: list[BaseRoute] = [Route(f"/{path}", page, name=name) for path, name in ADDRESSES.items()]
    routes += [
        Route("/runs/{run_hash}", run_page),
        Route("/runs/{run_hash}/{tab}", run_page),
        Route("/experiments/{name}", experiment_page),
        Route("/bookmarks/{name:path}", bookmark_page),
        *overview.routes(repo),
        *documents.routes(repo),
        *live.routes(repo),
        Route("/api/runs", runs),
        Route("/api/runs_metrics", runs_metrics),
        Route("/api/runs/{run_hash}", run),
        Route("/api/runs/{run_hash}", delete, methods=["DELETE"]),
        Route("/api/runs/{run_hash}/metrics", run_metrics),
        Route("/api/runs/{run_hash}/archive", set_archived, methods=["POST"]),
        Route("/api/runs/{run_hash}/tags", tags, methods=["POST"]),
        Route("/api/runs/{run_hash}/logs", terminal_logs),
        Route("/api/runs/{run_hash}/log_records", log_records),
        Route("/api/metrics", metrics),
        Route("/api/metrics/groups", metric_groups),
        *(Route(f"/api/{kind}", objects, name=f"api_{kind}") for kind in OBJECT_APIS),
        Route("/api/blobs/{sha}", blob),
        Route("/api/runs/{run_hash}/artifacts", artifacts),
        Route("/api/runs/{run_hash}/artifacts/download", artifact_download),
        Route("/vendor/plotly.min.js", plotly),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {
        SyntaxError: _syntax_error,
        errors.AimError: _aim_error,
        ValueError: _value_error,
        HTTPException: _http_error,
    }
    # replies are compressed for the network at level 1: a 2.4 MB chart reply costs 16 ms of CPU
    # (level 6: 64 ms) for a body 5 % larger; plotly.js comes compressed already. Outermost, so
    # that BasePath reads the pages it rewrites; Access guards every route, present and future.
    middleware = [
        Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1),
        Middleware(BasePath, prefix=base_path),
        Middleware(Access, token=token, read_only=read_only, hosts=list(hosts)),
    ]
    return Starlette(
        routes=routes,
        exception_handlers=handlers,
        middleware=middleware,
        lifespan=_lifespan,
    )
