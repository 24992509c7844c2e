"""Which way imports point (docs/architecture.md), read from the source with `ast`, not by importing it.

The project's packages are layers; a package imports only its own layer and the layers below it:

    kernel, sheets  ←  localities  ←  programs  ←  imports  ←  tracker  ←  devdata

`kernel` (access, querysets, history, text, presentation, the admin base, exports) and `sheets` (the
spreadsheet library) import no app. Within that bottom layer, `sheets` builds on the kernel's base modules
(`kernel.numbers`, the one parser, and `kernel.text`), which import nothing of sheets, and the kernel's
exports write their files with `sheets`: no module cycle. `localities` imports neither programs nor
tracker; `programs` does not import tracker; the import engine (`imports`) imports no domain app above
localities, and the kinds, in `tracker/import_kinds/`, build on it. Hence no cycle between the apps.
`config` (settings, URLs) sits on top of every app. Nothing but `devdata` itself, `bench/` and `tests/`
imports the development-data generator. And no application module imports inside a function (ruff's
PLC0415 says the same), except an `AppConfig.ready`, which runs once the models are loaded.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [{"kernel", "sheets", "api"}, {"localities"}, {"programs"}, {"imports"}, {"tracker"}, {"devdata"}]
APPS = set().union(*LAYERS)
SHEETS_MAY_IMPORT = {"kernel.numbers", "kernel.text"}
ON_TOP = ["config"]  # settings and URLs: they name every app
DEVDATA_USERS = {"devdata", "bench", "tests"}
PACKAGES = sorted(APPS) + ON_TOP + ["bench", "seeds", "tests"]


def layer_of(package: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if package in layer)


def modules(package: str) -> dict[str, Path]:
    """Every module of a top-level package: dotted name → file."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(name: str, path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, at module level?) for every import statement of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top_level = {id(node) for node in tree.body}
    # Imports under `if TYPE_CHECKING:` or `try:` at module level are still module level.
    for node in tree.body:
        if isinstance(node, ast.If | ast.Try):
            top_level |= {id(child) for child in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.append((target, node.lineno, id(node) in top_level))
            # `from . import services` imports a module too.
            found += [(f"{target}.{alias.name}", node.lineno, id(node) in top_level) for alias in node.names]
    return found


def package_of(module: str) -> str:
    return module.split(".")[0]


@pytest.fixture(scope="module")
def module_imports() -> dict[str, list[tuple[str, int]]]:
    """module → [(imported project module, line)], every module of the project's packages (a name imported
    from a module counts as that module)."""
    every = {name: path for package in PACKAGES for name, path in modules(package).items()}

    def as_module(target: str) -> str:
        while target not in every and "." in target:
            target = target.rpartition(".")[0]
        return target

    return {
        name: list(
            dict.fromkeys(
                (as_module(t), line)
                for t, line, _top in imported(name, path)
                if t in every or package_of(t) in PACKAGES
            )
        )
        for name, path in every.items()
    }


@pytest.fixture(scope="module")
def graph(module_imports) -> dict[str, list[tuple[str, str, int]]]:
    """package → [(importing module, imported project package, line)]."""
    edges: dict[str, list] = {package: [] for package in PACKAGES}
    for name, targets in module_imports.items():
        edges[package_of(name)] += [(name, package_of(target), line) for target, line in targets]
    return edges


@pytest.mark.parametrize("package", sorted(APPS) + ON_TOP)
def test_a_package_imports_only_its_layer_and_those_below(graph, package):
    if package in ON_TOP:
        allowed = (APPS - {"devdata"}) | {package}
    else:
        allowed = set().union(*LAYERS[: layer_of(package) + 1])
    wrong = [f"{module}:{line} imports {target}" for module, target, line in graph[package] if target not in allowed]
    assert not wrong, "\n".join(wrong)


def test_kernel_and_sheets_import_no_app(graph):
    wrong = [
        f"{module}:{line} imports {target}"
        for package in ("kernel", "sheets")
        for module, target, line in graph[package]
        if target not in {"kernel", "sheets"}
    ]
    assert not wrong, "\n".join(wrong)


def test_sheets_build_on_the_kernel_base_only(module_imports):
    """sheets takes from the kernel only its parser and text folding, and those import nothing of sheets:
    the kernel's exports may then write with sheets without a cycle."""
    wrong = [
        f"{name}:{line} imports {target}"
        for name, targets in module_imports.items()
        if package_of(name) == "sheets"
        for target, line in targets
        if package_of(target) == "kernel" and target not in SHEETS_MAY_IMPORT
    ]
    wrong += [
        f"{name}:{line} imports {target}"
        for name in SHEETS_MAY_IMPORT
        for target, line in module_imports[name]
        if target not in SHEETS_MAY_IMPORT | {"kernel"}
    ]
    assert not wrong, "\n".join(wrong)


def test_no_cycle_between_packages(graph):
    """Between the apps, with the bottom layer (kernel and sheets) taken as one."""
    merged = {"sheets": "kernel"}
    depends: dict[str, set[str]] = {}
    for package in sorted(APPS) + ON_TOP:
        source = merged.get(package, package)
        targets = {merged.get(target, target) for _module, target, _line in graph[package]}
        depends.setdefault(source, set()).update(targets - {source})
    visiting, done = set(), set()

    def visit(package, trail):
        if package in done:
            return
        assert package not in visiting, "import cycle: " + " → ".join([*trail, package])
        visiting.add(package)
        for target in sorted(depends.get(package, ())):
            visit(target, [*trail, package])
        visiting.discard(package)
        done.add(package)

    for package in depends:
        visit(package, [])


def test_only_devdata_bench_and_tests_import_devdata(graph):
    wrong = [
        f"{module}:{line}"
        for package, edges in graph.items()
        if package not in DEVDATA_USERS
        for module, target, line in edges
        if target == "devdata"
    ]
    assert not wrong, "\n".join(wrong)


def test_no_function_level_import_in_application_code():
    """A late import hides a cycle; only an AppConfig.ready may import late (the models are loaded then)."""
    wrong = []
    for package in sorted(APPS) + ON_TOP:
        for name, path in modules(package).items():
            if ".migrations." in name:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if function.name == "ready" and path.name == "apps.py":
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        wrong.append(f"{name}:{node.lineno} in {function.name}()")
    assert not wrong, "\n".join(wrong)


def test_the_graph_sees_the_known_edges(graph):
    """The reader resolves absolute and relative imports: a few edges that exist, found."""
    edges = {(module, target) for package in graph for module, target, _line in graph[package]}
    assert ("tracker.import_kinds.households", "imports") in edges  # absolute
    assert ("tracker.import_kinds.households", "tracker") in edges  # from ..models
    assert ("imports.roles", "localities") in edges
    assert ("sheets.values", "kernel") in edges
    assert ("kernel.exports", "sheets") in edges
    assert ("devdata.national_data", "tracker") in edges
