"""The UI's overview pages and the run settings: the home page's counts, experiments, tags, and
the changes a run's settings tab makes. Reads and writes through the SDK's public API only
(Repo.iter_runs, Repo.get_run, Run's props, Repo.delete_experiment).
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from aim import errors
from aim.web import documents
from aim.web.data import existing_run
from aim.web.handlers import body_text, json_handler
from aim.web.replies import JSONReply, error_reply

if TYPE_CHECKING:
    from aim import Repo, Run

RECENT_RUNS = 10  # runs the home page lists
CALENDAR_DAYS = 366  # days of the home page's activity calendar
SETTINGS = ("name", "description", "experiment")  # run props the settings tab edits


def summary(run: Run) -> dict[str, Any]:
    """One run's props for the overview pages (times in seconds since the epoch)."""
    props = run.props  # read once, fresh
    end, created = props["end_time"], props["creation_time"]
    return {
        "hash": run.hash,
        "name": props["name"] or "",
        "experiment": props["experiment"] or "",
        "tags": list(props["tags"]),
        "archived": props["archived"],
        "active": props["active"],
        "created": created,
        "ended": end,
        "duration": None if end is None else end - created,
    }


def home(repo: Repo, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Counts of runs, experiments and active runs, the newest runs and runs per day (UTC)."""
    runs = [summary(run) for run in repo.iter_runs()]
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    first = today - datetime.timedelta(days=CALENDAR_DAYS - 1)
    days: Counter[str] = Counter()
    for run in runs:
        day = datetime.datetime.fromtimestamp(run["created"], datetime.timezone.utc).date()
        if day >= first:
            days[day.isoformat()] += 1
    return {
        "runs": len(runs),
        "experiments": len({run["experiment"] for run in runs}),
        "active": sum(run["active"] for run in runs),
        "archived": sum(run["archived"] for run in runs),
        "recent": sorted(runs, key=lambda r: r["created"], reverse=True)[:RECENT_RUNS],
        "calendar": {"first": first.isoformat(), "last": today.isoformat(), "days": dict(days)},
    }


def experiments(repo: Repo) -> dict[str, Any]:
    """Every experiment (the names runs carry) with its counts of runs, active and archived."""
    out: dict[str, dict[str, Any]] = {}
    for run in map(summary, repo.iter_runs()):
        name = run["experiment"]
        row = out.setdefault(name, {"name": name, "runs": 0, "active": 0, "archived": 0, "last": 0.0})
        row["runs"] += 1
        row["active"] += run["active"]
        row["archived"] += run["archived"]
        row["last"] = max(row["last"], run["created"])
    return {"experiments": sorted(out.values(), key=lambda e: e["last"], reverse=True)}


def experiment_runs(repo: Repo, name: str) -> list[Run]:
    return [run for run in repo.iter_runs() if (run.experiment or "") == name]


def experiment_exists(repo: Repo, name: str) -> bool:
    return any((run.experiment or "") == name for run in repo.iter_runs())


def experiment(repo: Repo, name: str) -> dict[str, Any]:
    """An experiment's runs, newest first (MissingExperimentError when no run carries it)."""
    runs = [summary(run) for run in experiment_runs(repo, name)]
    if not runs:
        raise errors.MissingExperimentError(f"no experiment named {name!r}")
    runs.sort(key=lambda r: r["created"], reverse=True)
    return {"name": name, "runs": runs, "active": sum(r["active"] for r in runs)}


def tags(repo: Repo) -> dict[str, Any]:
    """Every tag, those runs carry and those created on the Tags page, with its count of runs,
    colour and description."""
    counts: Counter[str] = Counter(tag for run in repo.iter_runs() for tag in run.tags)
    infos = documents.tag_infos(repo)
    names = sorted(set(counts) | set(infos))
    empty = {"colour": None, "description": ""}
    return {"tags": [{"name": tag, "runs": counts[tag], **infos.get(tag, empty)} for tag in names]}


def tag_runs(repo: Repo, tag: str) -> list[Run]:
    return [run for run in repo.iter_runs() if tag in run.tags]


def change_run(repo: Repo, run_hash: str, body: dict[str, Any]) -> dict[str, Any]:
    """Apply a settings change (name, description, experiment) to a run: a name cannot be empty."""
    run = existing_run(repo, run_hash)
    for key in SETTINGS:
        if key in body:
            setattr(run, key, body_text(body, key, required=key == "name"))
    return summary(run) | {"description": run.description or ""}


def change_experiment(repo: Repo, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rename an experiment (its runs' experiment) or archive/unarchive its runs."""
    runs = experiment_runs(repo, name)
    if not runs:
        raise errors.MissingExperimentError(f"no experiment named {name!r}")
    new_name = body_text(body, "name", required=True) if "name" in body else None
    if new_name is not None:
        documents.move_experiment_notes(repo, name, new_name)
    for run in runs:
        if new_name is not None:
            run.experiment = new_name
        if "archived" in body:
            run.archived = bool(body["archived"])
    return experiment(repo, new_name if new_name is not None else name)


def change_tag(repo: Repo, tag: str, body: dict[str, Any]) -> dict[str, Any]:
    """Rename a tag on every run that carries it."""
    new_name = body_text(body, "name", required=True)
    runs = tag_runs(repo, tag)
    documents.move_tag_info(repo, tag, new_name)
    for run in runs:
        run.add_tag(new_name)
        if new_name != tag:
            run.remove_tag(tag)
    return {"name": new_name, "runs": len(runs)}


def delete_tag(repo: Repo, tag: str) -> dict[str, Any]:
    """Remove a tag from every run that carries it."""
    runs = tag_runs(repo, tag)
    for run in runs:
        run.remove_tag(tag)
    documents.move_tag_info(repo, tag, None)
    return {"deleted": tag, "runs": len(runs)}


def routes(repo: Repo) -> list[Route]:
    """The JSON API of the overview pages and the run settings."""

    def reply(call: Any, *params: str) -> Any:
        return json_handler(repo, call, *params)

    async def delete_experiment(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            await run_in_threadpool(repo.delete_experiment, name)
        except errors.RequestRejected as exc:
            return error_reply(
                409, f"experiment {name!r} has runs still being tracked into: {exc}", "rejected"
            )
        return JSONReply({"deleted": name})

    return [
        Route("/api/home", reply(home)),
        Route("/api/experiments", reply(experiments)),
        Route("/api/experiments/{name}", reply(experiment, "name")),
        Route("/api/experiments/{name}", reply(change_experiment, "name"), methods=["POST"]),
        Route("/api/experiments/{name}", delete_experiment, methods=["DELETE"]),
        Route("/api/tags", reply(tags)),
        Route("/api/tags/{tag}", reply(change_tag, "tag"), methods=["POST"]),
        Route("/api/tags/{tag}", reply(delete_tag, "tag"), methods=["DELETE"]),
        Route("/api/runs/{run_hash}/settings", reply(change_run, "run_hash"), methods=["POST"]),
    ]
