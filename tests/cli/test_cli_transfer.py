"""`aim export` / `aim import`: the archive carries runs whole, is checked before anything is
imported, and imports each run once."""

from __future__ import annotations

import struct

from aim import Repo
from tests.cli.helpers import aim, make_run, snapshot


def _export(repo, *hashes, out) -> None:
    done = aim("export", *hashes, "--out", str(out), "--repo", str(repo))
    assert done.returncode == 0, done.stderr
    assert out.exists() and not out.with_name(out.name + ".partial").exists()


def test_export_then_import_gives_identical_runs(repo, dest, tmp_path):
    Repo(str(repo), init=True)
    first, second = make_run(repo, points=20000), make_run(repo, points=10, name="second")
    out = tmp_path / "runs.aimrun"
    _export(repo, first, second, out=out)
    Repo(str(dest), init=True)
    done = aim("import", str(out), "--repo", str(dest))
    assert done.returncode == 0 and "Imported 2 of 2 run(s)" in done.stdout, done.stderr
    for run_hash in (first, second):
        assert snapshot(dest, run_hash) == snapshot(repo, run_hash)
    assert not Repo(str(dest))._client.get_run(first)["active"]


def test_importing_the_same_archive_twice_changes_nothing(repo, dest, tmp_path):
    run_hash = make_run(repo, points=100)
    out = tmp_path / "one.aimrun"
    _export(repo, run_hash, out=out)
    Repo(str(dest), init=True)
    assert aim("import", str(out), "--repo", str(dest)).returncode == 0
    before = snapshot(dest, run_hash)
    again = aim("import", str(out), "--repo", str(dest))
    assert again.returncode == 0 and "already in" in again.stdout and "Imported 0 of 1" in again.stdout
    assert snapshot(dest, run_hash) == before
    assert Repo(str(dest)).list_all_runs() == [run_hash]


def test_export_of_unknown_hashes_lists_them_and_writes_nothing(repo, tmp_path):
    run_hash = make_run(repo, points=10)
    out = tmp_path / "x.aimrun"
    done = aim("export", run_hash, "gone", "--out", str(out), "--repo", str(repo))
    assert done.returncode == 1 and "gone" in done.stderr
    assert not out.exists()


def _damaged_archives(tmp_path, data: bytes) -> dict[str, tuple[bytes, str]]:
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    newer = bytearray(data)
    newer[8:12] = struct.pack("<I", 99)
    return {
        "flipped": (bytes(flipped), "checksum does not match"),
        "truncated": (data[: len(data) - 1000], "checksum does not match"),
        "tiny": (data[:5], "not a run archive"),
        "newer": (bytes(newer), "format version 99"),
        "other": (b"PK\x03\x04 a zip file, say" * 10, "not a run archive"),
    }


def test_damaged_or_newer_archives_import_nothing(repo, dest, tmp_path):
    run_hash = make_run(repo, points=3000)
    out = tmp_path / "good.aimrun"
    _export(repo, run_hash, out=out)
    Repo(str(dest), init=True)
    for name, (data, message) in _damaged_archives(tmp_path, out.read_bytes()).items():
        bad = tmp_path / f"{name}.aimrun"
        bad.write_bytes(data)
        done = aim("import", str(bad), "--repo", str(dest))
        assert done.returncode == 1, name
        assert message in done.stderr and "Traceback" not in done.stderr, (name, done.stderr)
    missing = aim("import", str(tmp_path / "absent.aimrun"), "--repo", str(dest))
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    assert Repo(str(dest)).list_all_runs() == []
