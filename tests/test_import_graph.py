"""Import direction, checked on the import graph: aim and aimd never import each other, and each
heavy dependency has one home."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    """module path -> top-level-qualified names it imports (absolute imports only)."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        out[str(path.relative_to(ROOT))] = names
    return out


def _offenders(package: str, forbidden: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in _imports(package).items()
        if not module.startswith(allowed)
        for name in names
        if name == forbidden or name.startswith(forbidden + ".")
    ]


def test_aim_and_aimd_never_import_each_other():
    assert _offenders("aim", "aimd") == []
    assert _offenders("aimd", "aim") == []


def test_heavy_dependencies_have_one_home():
    assert _offenders("aim", "grpc", allowed=("aim/_transport/",)) == []
    assert _offenders("aim", "pynvml", allowed=("aim/_system/readers.py",)) == []
    assert _offenders("aim", "psutil", allowed=("aim/_system/readers.py",)) == []
    assert _offenders("aimd", "plyvel", allowed=("aimd/storage/store.py",)) == []
    assert _offenders("aimd", "grpc", allowed=("aimd/server.py", "aimd/service/", "aimd/cli.py")) == []
    assert _offenders("aimd", "aimproto", allowed=("aimd/server.py", "aimd/service/")) == []


def test_storage_is_the_bottom_of_the_daemon():
    for part in ("aimd.ingest", "aimd.service", "aimd.server", "aimd.cli"):
        assert _offenders("aimd/storage", part) == []
    for part in ("aimd.service", "aimd.server", "aimd.cli"):
        assert _offenders("aimd/ingest", part) == []


def test_transport_returns_plain_values_and_never_imports_the_sdk_above_it():
    for part in ("aim._run", "aim._repo", "aim._sequences", "aim._tracking", "aim._params"):
        assert _offenders("aim/_transport", part) == []
