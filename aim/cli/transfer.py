"""`aim export HASH... --out FILE` and `aim import FILE`: runs through a portable archive file,
on disk or in an S3-compatible bucket (s3://bucket/key: written to a temporary file, then
uploaded; downloaded before it is checked and imported)."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from aim.cli._common import add_repo_option, bar, check_known, open_repo


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hashes", nargs="+", metavar="HASH", help="run hashes")
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="the archive to write (a path, or s3://bucket/key)"
    )
    add_repo_option(parser, group_level=True)
    parser.set_defaults(handler=export_runs)


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE", help="an archive written by `aim export` (a path, or s3://bucket/key)"
    )
    add_repo_option(parser, group_level=True)
    parser.set_defaults(handler=import_runs)


def export_runs(args: argparse.Namespace) -> int:
    repo = open_repo(args.repo)
    hashes = list(dict.fromkeys(args.hashes))
    check_known(repo, hashes)
    total = write(repo, hashes, args.out)
    print(f"Exported {len(hashes)} run(s), {total} points, to {args.out}")
    return 0


def write(repo: Any, hashes: list[str], out: str, *, create_bucket: bool = False) -> int:
    """Export the runs to the archive out (a path or s3://bucket/key); the points written."""
    import aim
    from aim import tools
    from aim._transfer import stores
    from aim._transfer.copy import export_archive

    total = tools.count_points(repo, hashes)
    with tempfile.TemporaryDirectory(prefix="aim-export-") as tmp:
        path = Path(tmp) / "runs.aimrun" if stores.is_s3(out) else Path(out)
        progress = bar(total, "exporting", "pt")
        try:
            export_archive(repo, hashes, path, f"aim-tracker {aim.__version__}", progress.update)
        finally:
            progress.close()
        if stores.is_s3(out):
            stores.put_file(path, out, create_bucket=create_bucket)
    return total


def import_runs(args: argparse.Namespace) -> int:
    from aim._transfer import stores

    repo = open_repo(args.repo)
    if not stores.is_s3(args.file):
        return _import_file(repo, args.file)
    with tempfile.TemporaryDirectory(prefix="aim-import-") as tmp:
        local = Path(tmp) / "runs.aimrun"
        stores.get_file(args.file, local)
        return _import_file(repo, str(local))


def _import_file(repo: Any, file: str) -> int:
    from aim._transfer.archive import verify
    from aim._transfer.copy import import_archive

    size = os.path.getsize(file) if os.path.isfile(file) else None
    progress = bar(size, "checking", "B")
    try:
        hashes = verify(file, progress.update)
    finally:
        progress.close()
    progress = bar(size, "importing", "B")
    try:
        imported, skipped = import_archive(repo, file, progress.update)
    finally:
        progress.close()
    for run_hash in skipped:
        print(f"run {run_hash} is already in {repo.path}: skipped")
    print(f"Imported {len(imported)} of {len(hashes)} run(s) into {repo.path}.")
    return 0
