"""`aim export HASH... --out FILE` and `aim import FILE`: runs through a portable archive file."""

from __future__ import annotations

import argparse
import os

from aim.cli._common import add_repo_option, bar, check_known, open_repo


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hashes", nargs="+", metavar="HASH", help="run hashes")
    parser.add_argument("--out", required=True, metavar="FILE", help="the archive to write")
    add_repo_option(parser, group_level=True)
    parser.set_defaults(handler=export_runs)


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="an archive written by `aim export`")
    add_repo_option(parser, group_level=True)
    parser.set_defaults(handler=import_runs)


def export_runs(args: argparse.Namespace) -> int:
    import aim
    from aim import tools
    from aim._transfer import export_archive

    repo = open_repo(args.repo)
    hashes = list(dict.fromkeys(args.hashes))
    check_known(repo, hashes)
    total = tools.count_points(repo, hashes)
    progress = bar(total, "exporting", "pt")
    try:
        export_archive(repo, hashes, args.out, f"aim-tracker {aim.__version__}", progress.update)
    finally:
        progress.close()
    print(f"Exported {len(hashes)} run(s), {total} points, to {args.out}")
    return 0


def import_runs(args: argparse.Namespace) -> int:
    from aim._archive import verify
    from aim._transfer import import_archive

    repo = open_repo(args.repo)
    size = os.path.getsize(args.file) if os.path.isfile(args.file) else None
    progress = bar(size, "checking", "B")
    try:
        hashes = verify(args.file, progress.update)
    finally:
        progress.close()
    progress = bar(size, "importing", "B")
    try:
        imported, skipped = import_archive(repo, args.file, progress.update)
    finally:
        progress.close()
    for run_hash in skipped:
        print(f"run {run_hash} is already in {repo.path}: skipped")
    print(f"Imported {len(imported)} of {len(hashes)} run(s) into {repo.path}.")
    return 0
