"""Import direction, checked on the import graph: aim and aimd never import each other, each heavy
dependency has one home, and the SDK's own modules form layers that import downward only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The wire contract's plain constants (no protobuf): every layer of both sides may read them.
CONTRACT = "aimproto.contract"


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, inside functions too; not those under `if TYPE_CHECKING:` (they
    never run: annotations only)."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_type_checking(node):
            stack.extend(node.orelse)  # type: ignore[attr-defined]  # an ast.If (checked above)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _imports(package: str) -> dict[str, set[str]]:
    """module path -> qualified names it imports (absolute imports only): `import a.b` gives a.b,
    `from a import b` gives a and a.b."""
    out: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in _import_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif node.module and not node.level:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        out[str(path.relative_to(ROOT))] = names
    return out


def _offenders(package: str, forbidden: str, allowed: tuple[str, ...] = ()) -> list[str]:
    return [
        f"{module} imports {name}"
        for module, names in _imports(package).items()
        if not module.startswith(allowed)
        for name in names
        if (name == forbidden or name.startswith(forbidden + ".")) and not name.startswith(CONTRACT)
    ]


def test_aim_and_aimd_never_import_each_other():
    assert _offenders("aim", "aimd") == []
    assert _offenders("aimd", "aim") == []


def test_heavy_dependencies_have_one_home():
    assert _offenders("aim", "grpc", allowed=("aim/_transport/",)) == []
    assert _offenders("aim", "pynvml", allowed=("aim/_tracking/system/readers.py",)) == []
    assert _offenders("aim", "psutil", allowed=("aim/_tracking/system/readers.py",)) == []
    assert _offenders("aimd", "plyvel", allowed=("aimd/storage/store.py",)) == []
    assert _offenders("aimd", "grpc", allowed=("aimd/server.py", "aimd/service/", "aimd/cli.py")) == []
    assert _offenders("aimd", "aimproto", allowed=("aimd/server.py", "aimd/service/")) == []


def test_only_the_transport_sees_protobuf_messages():
    assert _offenders("aim", "aimproto", allowed=("aim/_transport/",)) == []
    assert _offenders("aim", "google.protobuf", allowed=("aim/_transport/",)) == []


def test_storage_is_the_bottom_of_the_daemon():
    for part in ("aimd.ingest", "aimd.service", "aimd.server", "aimd.cli"):
        assert _offenders("aimd/storage", part) == []
    for part in ("aimd.service", "aimd.server", "aimd.cli"):
        assert _offenders("aimd/ingest", part) == []


# --- the SDK's layers ---------------------------------------------------------------------------
# Top to bottom; a module imports only modules of layers below its own (or of its own package,
# for the packages listed whole: aim._tracking, aim._transfer, aim._transport, aim._values,
# aim.objects, aim.ext). A module or package belongs to the layer naming it (or the longest
# prefix of its name). Modules listed nowhere (the public facades aim, aim.sdk.*, aim.storage.*,
# aim.tools; the apps: aim.cli, aim.web, aim._convert, integrations) sit on top and are only
# checked for cycles.
LAYERS: list[tuple[str, ...]] = [
    ("aim._model.repo",),  # Repo: runs of a repository, its queries, copy/move
    ("aim._model.collections",),  # repo-wide query collections (of sequences, of runs)
    ("aim._model.run",),  # Run: the write handle and the read view of one run
    ("aim._model.artifacts",),  # a run's artifacts: uploads, listing (stores: aim._transfer.stores)
    ("aim._model.run_sequences", "aim._model.connection"),  # one run's sequences; target and client
    ("aim._model.query", "aim._model.discovery"),  # query client; finding repos
    ("aim._model.sequences",),  # sequences and their data
    ("aim._model.dataframes",),  # pandas frames
    ("aim._tracking", "aim._transfer"),  # track() buffers, system metrics; runs and artifacts in bulk
    ("aim._transport", "aim._values", "aim.objects", "aim.ext"),  # the wire; plain values; objects
    ("aim.errors",),
]
# Deliberate upward imports, each deferred into the function that needs it, with the reason.
DEFERRED = {
    ("aim._model.run", "aim._model.repo"): "Run.repo hands back the run's Repo, and Repo is built on Run",
}


def _module_name(path: str) -> str:
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def _aim_graph() -> dict[str, set[str]]:
    """aim module -> the aim modules it imports (a name imported from a package is resolved to
    the module of that name when there is one, else to the package)."""
    modules = {_module_name(path): names for path, names in _imports("aim").items()}
    graph: dict[str, set[str]] = {}
    for module, names in modules.items():
        targets = set()
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def _layer(module: str) -> tuple[int, str] | None:
    """(layer index, the listed name it falls under), None for a module no layer lists."""
    best = None
    for index, layer in enumerate(LAYERS):
        for name in layer:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > len(best[1])
            ):
                best = (index, name)
    return best


def test_sdk_layers_import_downward_only():
    upward = []
    for module, targets in _aim_graph().items():
        source = _layer(module)
        if source is None:
            continue
        for target in targets:
            if (module, target) in DEFERRED:
                continue
            dest = _layer(target)
            if dest is None or (dest[0] <= source[0] and dest[1] != source[1]):
                upward.append(f"{module} imports {target}")
    assert sorted(upward) == []


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    """Every cycle a depth-first walk of graph finds, as "a -> b -> a"."""
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1 while on the DFS path, 2 when done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_sdk_has_no_import_cycles():
    graph = {m: {t for t in ts if (m, t) not in DEFERRED} for m, ts in _aim_graph().items()}
    assert _cycles(graph) == []


def test_the_deferred_imports_are_still_needed():
    graph = _aim_graph()
    assert [edge for edge in DEFERRED if edge[1] not in graph.get(edge[0], ())] == []


def test_transport_returns_plain_values_and_never_imports_the_sdk_above_it():
    for part in ("aim._model", "aim._tracking", "aim._transfer", "aim._values"):
        assert _offenders("aim/_transport", part) == []


def test_architecture_docs_show_the_layers_of_this_table():
    """docs/architecture.md's table of the SDK's layers lists LAYERS, row by row."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## The SDK's layers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", section, flags=re.MULTILINE)
    documented = [
        tuple("aim." + name.strip("`/").replace("/", ".") for name in re.findall(r"`[^`]+`", modules))
        for _, modules in rows
    ]
    assert [int(n) for n, _ in rows] == list(range(1, len(LAYERS) + 1))
    assert documented == LAYERS


def test_sdk_and_daemon_have_no_import_cycles_at_import_time():
    """Module-level imports (those that run when a module is imported; not those deferred into
    functions, nor under TYPE_CHECKING) form no cycle, in aim and in aimd."""
    for package in ("aim", "aimd"):
        modules = {}
        for path in (ROOT / package).rglob("*.py"):
            names = set()
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.update(f"{node.module}.{alias.name}" for alias in node.names)
            modules[_module_name(str(path.relative_to(ROOT)))] = names
        graph = {}
        for module, names in modules.items():
            targets = set()
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module and not module.startswith(name + "."):
                    targets.add(name)
            graph[module] = targets
        assert _cycles(graph) == [], package


# --- one door: the apps built on the SDK use its public API and aim.tools --------------------
# Code outside the SDK's core: it may not touch a private attribute (obj._x) of anything but
# itself (self, cls); what it needs is a public door (aim.tools) in the SDK.
APPS = ("aim/cli", "aim/web", "aim/_convert", "aim/_integrations", "aim/sdk", "aim/storage", "aim/ext")
# Private-looking names that are public API elsewhere: namedtuple methods, sys and os functions.
NOT_PRIVATE = {"_replace", "_asdict", "_fields", "_make", "_getframe", "_exit"}


def _reach_throughs(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
            continue
        if node.attr in NOT_PRIVATE or (
            isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        ):
            continue
        found.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_apps_never_reach_into_private_attributes_of_sdk_objects():
    found = [
        hit for app in APPS for path in sorted((ROOT / app).rglob("*.py")) for hit in _reach_throughs(path)
    ]
    assert found == []


def test_the_reach_through_check_can_fail(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f(repo, run, self):\n    return repo._client, run._props(), self._own, x._replace()\n"
    )
    assert [hit.split(": ", 1)[1] for hit in _reach_throughs(probe, tmp_path)] == [
        "repo._client",
        "run._props",
    ]
