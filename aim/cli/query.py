"""`aim query 'AIMQL' [--type T] [--json|--csv] [--values]`: print what a query matches."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import datetime
from typing import Any

from aim.cli._common import add_repo_option, open_repo, table

TYPES = {  # --type -> the sequence type of aim._model.query (None: runs)
    "runs": None,
    "metrics": "metric",
    "images": "images",
    "distributions": "distributions",
    "texts": "texts",
    "audios": "audios",
}
EXIT_USAGE = 2  # as argparse's usage errors
RUN_FIELDS = ("hash", "name", "experiment", "creation_time", "archived")
SEQ_FIELDS = ("run_hash", "name", "context", "dtype", "count", "last_step", "last_value")
POINT_FIELDS = ("run_hash", "name", "context", "step", "value", "epoch", "timestamp")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="AIMQL", help="e.g. 'run.hparams.lr < 0.01' ('' matches everything)")
    parser.add_argument("--type", choices=TYPES, default="runs", help="what to match (default: runs)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print a JSON list")
    out.add_argument("--csv", action="store_true", help="print CSV rows")
    out.add_argument("--values", action="store_true", help="print every point of the matching metrics as CSV")
    add_repo_option(parser, group_level=True)
    parser.set_defaults(handler=run)


def _rows(args: argparse.Namespace, results) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    if TYPES[args.type] is None:
        return RUN_FIELDS, [tuple(match.props[f] for f in RUN_FIELDS) for match in results]
    rows: list[tuple[Any, ...]] = []
    for match in results:
        props = match.props
        for seq in match.sequences:
            context = json.dumps(dict(seq["context"]), sort_keys=True)
            if args.values:
                cols = seq["columns"]
                rows.extend(
                    (props["hash"], seq["name"], context, *point)
                    for point in zip(
                        cols["steps"].tolist(),
                        cols["values"].tolist(),
                        cols["epochs"].tolist(),
                        cols["timestamps"].tolist(),
                        strict=True,
                    )
                )
            else:
                rows.append((props["hash"], seq["name"], context, *(seq[f] for f in SEQ_FIELDS[3:])))
    return (POINT_FIELDS if args.values else SEQ_FIELDS), rows


def run(args: argparse.Namespace) -> int:
    from aim import tools

    if args.values and args.type != "metrics":
        print("aim query: --values needs --type metrics", file=sys.stderr)
        return EXIT_USAGE
    repo = open_repo(args.repo)
    results = tools.query(repo, TYPES[args.type], args.query, with_points=args.values)  # RunMatch items
    headers, rows = _rows(args, results)
    if args.json:
        print(json.dumps([dict(zip(headers, row, strict=True)) for row in rows], indent=2))
    elif args.csv or args.values:
        writer = csv.writer(sys.stdout)
        writer.writerow(headers)
        writer.writerows(rows)
    else:
        if rows and TYPES[args.type] is None:  # creation_time as a local date
            at = headers.index("creation_time")
            rows = [
                (*r[:at], datetime.fromtimestamp(r[at]).strftime("%Y-%m-%d %H:%M:%S"), *r[at + 1 :])
                for r in rows
            ]
        if rows:
            print(table(rows, headers))
        print(f"{len(rows)} match{'' if len(rows) == 1 else 'es'}.")
    return 0
