"""The package's import graph has no cycle.

The rule: module A depends on module B when an import statement in A that runs
at run time names B — at module level or inside a function (a deferred import
still ties the two modules together), but not under `if TYPE_CHECKING:`, whose
imports serve annotations only. `from package import name` depends on
`package.name` when that is a module, and on `package` otherwise. The parent
packages Python imports on the way to a module are not dependencies: a
package's `__init__` importing its own modules is how a package exports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import summarizer

PACKAGE_ROOT = Path(summarizer.__file__).parent


def module_files(root: Path) -> dict[str, Path]:
    """Every module under the package folder `root`, by dotted name."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dependencies(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool, modules: set[str]
) -> set[str]:
    """The package modules an import statement in `module` loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    base = node.module or ""
    if node.level:  # relative: from the module's own package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    found = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            found.add(submodule)
        elif base in modules:
            found.add(base)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the package at `root` and the package modules it depends on."""
    modules = module_files(root)
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        depends: set[str] = set()
        is_package = path.name == "__init__.py"
        pending: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.If) and _is_type_checking(node):
                pending.extend(node.orelse)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                depends |= _dependencies(node, module, is_package, set(modules))
            else:
                pending.extend(ast.iter_child_nodes(node))
        depends.discard(module)
        graph[module] = depends
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as the modules around it (the first repeated at the end);
    None when there is none. A depth-first walk: a cycle is an edge back onto its path."""
    finished: set[str] = set()
    for start in sorted(graph):
        if start in finished:
            continue
        path = [start]
        branches = [iter(sorted(graph[start]))]
        while branches:
            following = next(branches[-1], None)
            if following is None:
                finished.add(path.pop())
                branches.pop()
            elif following in path:
                return [*path[path.index(following) :], following]
            elif following not in finished:
                path.append(following)
                branches.append(iter(sorted(graph[following])))
    return None


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(import_graph(PACKAGE_ROOT))

    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_cycle_through_a_deferred_import_is_found(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("from pkg import first\n", encoding="utf-8")
    (package / "first.py").write_text("from pkg.sub import second\n", encoding="utf-8")
    (package / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (package / "sub" / "second.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg import third\n"
        "def later():\n    from .. import first\n",
        encoding="utf-8",
    )
    (package / "third.py").write_text("import pkg.sub.second\n", encoding="utf-8")

    assert find_cycle(import_graph(package)) == ["pkg.first", "pkg.sub.second", "pkg.first"]


def test_a_type_checking_import_and_a_package_importing_its_modules_are_no_cycle(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg.first import thing\n", encoding="utf-8")
    (package / "first.py").write_text(
        "from typing import TYPE_CHECKING\nfrom pkg import second\nthing = 1\n"
        "if TYPE_CHECKING:\n    from pkg.second import other\n",
        encoding="utf-8",
    )
    (package / "second.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.first import thing\n",
        encoding="utf-8",
    )

    assert find_cycle(import_graph(package)) is None
