"""`aim convert tensorboard|tf --logdir DIR [--flat] [--no-cache]`, `aim convert mlflow --tracking_uri URI
[-e NAME_OR_ID]` and `aim convert aim3 --from DIR [--aim-python PY]`: other trackers' logs into runs,
each run whole or not at all, never twice."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from typing import Any

from aim.cli._common import add_repo_option, bar, open_repo
from aim.errors import AimError


def configure(parser: argparse.ArgumentParser) -> None:
    add_repo_option(parser, group_level=True)
    commands = parser.add_subparsers(dest="convert_command", required=True, metavar="SOURCE")
    for source in ("tensorboard", "tf"):
        tb = commands.add_parser(
            source,
            help="TensorBoard event files: a run per run folder"
            + (" (Aim's older name of 'tensorboard')" if source == "tf" else ""),
        )
        tb.add_argument(
            "--logdir", required=True, metavar="DIR", help="the folder of event files (searched down)"
        )
        tb.add_argument(
            "--flat",
            "-f",
            action="store_true",
            help="every folder of event files is a run (default: LOGDIR/.../RUN/ENTRY/events is one "
            "run per RUN folder, each ENTRY subfolder its context {'entry': ENTRY})",
        )
        tb.add_argument(
            "--no-cache",
            action="store_true",
            help="convert the runs converted before again, replacing them (default: skip them)",
        )
        tb.set_defaults(handler=convert_tensorboard, alias=source == "tf")
    ml = commands.add_parser("mlflow", help="the runs of an MLflow tracking store or server")
    ml.add_argument(
        "--tracking_uri",
        "--tracking-uri",
        dest="tracking_uri",
        metavar="URI",
        help="MLflow's tracking URI: sqlite:///mlflow.db, a folder, http://host:5000 "
        "(default: $MLFLOW_TRACKING_URI)",
    )
    ml.add_argument(
        "--experiment", "-e", metavar="NAME_OR_ID", help="only this experiment (default: every active one)"
    )
    ml.set_defaults(handler=convert_mlflow)
    aim3 = commands.add_parser("aim3", help="the runs of an Aim 3 repository, read by the real Aim package")
    aim3.add_argument(
        "--from", dest="source", required=True, metavar="DIR", help="the folder holding Aim's .aim"
    )
    aim3.add_argument(
        "--aim-python",
        metavar="PY",
        help="a Python with aim installed (default: a temporary environment with the repository's Aim)",
    )
    aim3.set_defaults(handler=convert_aim3)
    for sub in commands.choices.values():
        add_repo_option(sub)


def import_builders(
    repo: Any, builders: Iterable[Any], desc: str, *, replace: bool = False
) -> tuple[int, int]:
    """Import each built run into repo; (imported, skipped because repo holds them). With replace,
    a run repo holds is deleted first and imported again."""
    from aim._transfer.copy import import_parts

    imported = skipped = 0
    progress = bar(None, desc, "run")
    try:
        for builder in builders:
            if replace:
                repo.delete_run(builder.run_hash)
            outcome = import_parts(repo, builder.run_hash, builder.parts())
            if outcome.done:
                imported += 1
            else:
                skipped += 1
                print(f"{builder.props['name']} ({builder.run_hash}) was converted before: skipped")
            progress.update(1)
    finally:
        progress.close()
    return imported, skipped


def convert_tensorboard(args: argparse.Namespace) -> int:
    from aim._convert import tensorboard

    if args.alias:
        print("aim: 'aim convert tf' is Aim's older name of 'aim convert tensorboard'", file=sys.stderr)
    repo = open_repo(args.repo)
    tensorboard.event_folders(args.logdir)  # no event files: an error before anything is done
    builders = tensorboard.runs(args.logdir, flat=args.flat)
    imported, skipped = import_builders(repo, builders, "converting", replace=args.no_cache)
    print(f"Converted {imported} run(s) from {args.logdir} into {repo.path} ({skipped} skipped).")
    return 0


def convert_aim3(args: argparse.Namespace) -> int:
    from aim._convert import aim3

    repo = open_repo(args.repo)
    imported, skipped = aim3.convert(args.source, repo, aim_python=args.aim_python)
    print(
        f"Converted {imported} run(s) from the Aim repository {args.source} into {repo.path} "
        f"({skipped} skipped)."
    )
    return 0


def convert_mlflow(args: argparse.Namespace) -> int:
    from aim._convert import mlflow

    uri = args.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise AimError("an MLflow tracking URI is needed: --tracking_uri URI or $MLFLOW_TRACKING_URI")
    client = mlflow.open_client(uri)  # a store that is not there: an error before anything is done
    chosen = mlflow.experiments(client, args.experiment)
    repo = open_repo(args.repo)
    imported, skipped = import_builders(repo, mlflow.runs(client, chosen), "converting")
    print(f"Converted {imported} run(s) from MLflow at {uri} into {repo.path} ({skipped} skipped).")
    return 0
