"""`aim runs ls|rm|cp|mv|close`: manage the runs of a repository through its daemon."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from typing import Any

from aim import tools
from aim.cli._common import add_repo_option, bar, check_known, confirm, open_repo, table

EXIT_FAILED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_option(parser, group_level=True)
    commands = parser.add_subparsers(dest="runs_command", required=True, metavar="COMMAND")

    ls = commands.add_parser("ls", help="list the runs (hash, name, experiment, status, created, duration)")
    ls.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    ls.set_defaults(handler=list_runs)

    rm = commands.add_parser("rm", help="remove runs with everything tracked into them")
    rm.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(handler=remove_runs)

    for name, verb, handler in (("cp", "copy", copy_runs), ("mv", "move", move_runs)):
        sub = commands.add_parser(name, help=f"{verb} runs to another repository, each whole or not at all")
        sub.add_argument("--destination", required=True, metavar="REPO", help="the destination repository")
        sub.set_defaults(handler=handler)

    close = commands.add_parser(
        "close", help="mark runs a process that died left open or crashed as finished"
    )
    close.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    close.set_defaults(handler=close_runs)

    upload = commands.add_parser(
        "upload", help="back every run up to an S3 bucket, as one archive (restore: aim import s3://...)"
    )
    upload.add_argument("bucket", metavar="BUCKET", help="a bucket name, or s3://bucket/prefix")
    upload.set_defaults(handler=upload_runs)

    for name in ("rm", "cp", "mv", "close"):
        commands.choices[name].add_argument("hashes", nargs="+", metavar="HASH", help="run hashes")
    for sub in commands.choices.values():
        add_repo_option(sub)


# --- ls ---------------------------------------------------------------------------------------
def status(props: dict[str, Any]) -> str:
    """running, finished or crashed (the daemon's run status)."""
    return props.get("status") or ("running" if props["active"] else "finished")


def duration_s(props: dict[str, Any]) -> float | None:
    """Seconds from creation to the end (or to now, while active); None when it stopped unclosed."""
    end = props["end_time"] if props["end_time"] is not None else (time.time() if props["active"] else None)
    return None if end is None else max(end - props["creation_time"], 0.0)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def list_runs(args: argparse.Namespace) -> int:
    runs = tools.list_runs(open_repo(args.repo))
    if args.json:
        out = [{**props, "status": status(props), "duration": duration_s(props)} for props in runs]
        print(json.dumps(out, indent=2))
        return 0
    rows = [
        (
            p["hash"],
            p["name"],
            p["experiment"],
            status(p),
            datetime.fromtimestamp(p["creation_time"]).strftime("%Y-%m-%d %H:%M:%S"),
            _clock(duration_s(p)),
        )
        for p in runs
    ]
    if rows:
        print(table(rows, ("HASH", "NAME", "EXPERIMENT", "STATUS", "CREATED", "DURATION")))
    print(f"Total {len(rows)} run{'' if len(rows) == 1 else 's'}.")
    return 0


# --- rm ---------------------------------------------------------------------------------------
def remove_runs(args: argparse.Namespace) -> int:
    from aim.errors import AimError

    repo = open_repo(args.repo)
    check_known(repo, args.hashes)
    if not confirm(f"Delete {len(args.hashes)} run(s) from {repo.path} for good?", args.yes):
        print("Aborted: nothing was deleted.")
        return EXIT_FAILED
    failed = 0
    for run_hash in args.hashes:
        try:
            tools.delete_run(repo, run_hash)
        except AimError as exc:
            print(f"run {run_hash} was not deleted: {exc}")
            failed += 1
    print(f"Deleted {len(args.hashes) - failed} run(s).")
    return EXIT_FAILED if failed else 0


# --- cp / mv ----------------------------------------------------------------------------------
def _transfer(args: argparse.Namespace, *, move: bool) -> int:
    from aim._transfer.copy import transfer_runs

    source = open_repo(args.repo)
    check_known(source, args.hashes)
    dest = open_repo(args.destination)
    progress = bar(tools.count_points(source, args.hashes), "moving" if move else "copying", "pt")
    try:
        outcomes = transfer_runs(source, args.hashes, dest, move=move, on_points=progress.update)
    finally:
        progress.close()
    for outcome in outcomes:
        if not outcome.done:
            print(outcome.reason)
    done = sum(o.done for o in outcomes)
    print(f"{'Moved' if move else 'Copied'} {done} of {len(outcomes)} run(s) to {dest.path}.")
    return 0 if done == len(outcomes) else EXIT_FAILED


def copy_runs(args: argparse.Namespace) -> int:
    return _transfer(args, move=False)


def move_runs(args: argparse.Namespace) -> int:
    return _transfer(args, move=True)


# --- close ------------------------------------------------------------------------------------
def close_runs(args: argparse.Namespace) -> int:
    repo = open_repo(args.repo)
    check_known(repo, args.hashes)
    question = (
        f"Mark {len(args.hashes)} run(s) of {repo.path} as finished? Make sure no live process "
        "tracks into them (one that does re-opens its run with its next points)."
    )
    if not confirm(question, args.yes):
        print("Aborted: no run was closed.")
        return EXIT_FAILED
    closed = 0
    for run_hash in args.hashes:
        props = tools.stored_props(repo, run_hash)
        if status(props) == "finished":
            print(f"run {run_hash} is already finished")
            continue
        tools.close_run(repo, run_hash)
        closed += 1
    print(f"Closed {closed} run(s).")
    return 0


def upload_runs(args: argparse.Namespace) -> int:
    """Aim's `aim runs upload BUCKET`: every run in one archive, aim-<time>.aimrun in the bucket
    (made when missing, as Aim does); `aim import s3://BUCKET/<that key>` restores it."""
    from aim.cli.transfer import write

    repo = open_repo(args.repo)
    hashes = repo.list_all_runs()
    base = args.bucket if args.bucket.startswith("s3://") else f"s3://{args.bucket}"
    out = f"{base.rstrip('/')}/aim-{datetime.now().strftime('%Y-%m-%d-%H-%M-%S')}.aimrun"
    total = write(repo, hashes, out, create_bucket=True)
    print(f"Uploaded {len(hashes)} run(s), {total} points, to {out}")
    return 0
