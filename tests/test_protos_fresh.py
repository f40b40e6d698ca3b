"""The committed generated code matches protos/*.proto: regenerate into a temp dir and compare."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "protos" / "aimproto" / "v1"


def test_generated_code_is_up_to_date(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_protos.py"), str(tmp_path)], check=True)
    fresh = {p.name: p.read_text() for p in (tmp_path / "aimproto" / "v1").iterdir() if p.is_file()}
    committed = {p.name: p.read_text() for p in GENERATED.glob("*_pb2*.py*")}
    assert sorted(fresh) == sorted(committed), "generated file set differs: run `make proto`"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated code {stale}: run `make proto` and commit the result"
