"""Which of aws-cdk-lib's modules mypy reads: the ones the checked code can reach, never the other ~580.

aws-cdk-lib's root module imports every one of its ~350 service modules for type checkers (an ``if
typing.TYPE_CHECKING:`` block of ``from . import aws_quicksight as aws_quicksight`` lines, so that
``cdk.aws_quicksight`` types), and so does ``aws_cdk.interfaces``. Followed as written, that makes mypy read 679
modules of generated code (``aws_quicksight`` alone took 12 s here) for a project that reaches 96 of them. So
``pyproject.toml`` skips ``aws_cdk.*`` (mypy types a skipped module as ``Any``) and follows, as normal, exactly
the modules computed here: what the checked code imports, what those modules import (jsii writes every type
reference as ``import aws_cdk.aws_iam as _aws_iam_1f54b5e8``), and so on, plus what the packages built on
aws-cdk-lib (cdk-nag) import. A package's ``from . import <submodule>`` re-exports are the only imports not
followed. Every type the checked code can see is therefore still checked; only modules it cannot reach are
``Any``.

``tests/test_mypy_scope.py`` fails, naming the modules, when the list in ``pyproject.toml`` and this closure
differ (a new ``from aws_cdk import aws_stepfunctions`` would otherwise be silently unchecked);
``python -m tests.mypy_scope`` prints the list to put there.
"""

from __future__ import annotations

import ast
import sysconfig
import tomllib
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = "aws_cdk"
DISTRIBUTION = "aws-cdk-lib"


def checked_paths(pyproject: Path = REPO / "pyproject.toml") -> list[Path]:
    """What ``mypy`` checks: ``[tool.mypy] files``."""
    files = tomllib.loads(pyproject.read_text())["tool"]["mypy"]["files"]
    return [REPO / name for name in files]


def followed_in_pyproject(pyproject: Path = REPO / "pyproject.toml") -> list[str]:
    """The aws_cdk modules ``pyproject.toml`` has mypy follow (the override with ``follow_imports = normal``)."""
    overrides = tomllib.loads(pyproject.read_text())["tool"]["mypy"].get("overrides", [])
    for override in overrides:
        modules = override["module"]
        if override.get("follow_imports") == "normal" and ROOT in modules:
            return list(modules)
    return []


def reachable(sources: Iterable[Path], site: Path | None = None) -> list[str]:
    """Every aws_cdk module reachable by imports from ``sources`` and from the packages built on aws-cdk-lib."""
    site = site or Path(sysconfig.get_paths()["purelib"])
    todo = {module for path in _python_files(sources) for module in _aws_cdk_imports(path, "")}
    for package in _packages_built_on_aws_cdk(site):
        for path in _python_files([site / package]):
            todo |= _aws_cdk_imports(path, _module_name(path, site))
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        path = _module_file(module, site)
        if module in seen or path is None:
            continue
        seen.add(module)
        parts = module.split(".")
        todo |= {".".join(parts[:end]) for end in range(1, len(parts))}  # importing a.b imports a
        todo |= _aws_cdk_imports(path, module)
    return sorted(seen)


def _python_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def _packages_built_on_aws_cdk(site: Path) -> list[str]:
    """Top-level packages of the installed distributions that require aws-cdk-lib (cdk-nag; this project's
    own, installed editable, is checked from its sources instead)."""
    packages = []
    for dist in metadata.distributions():
        requires = [requirement.split(";")[0] for requirement in dist.requires or []]
        if any(req.replace("_", "-").lower().startswith(DISTRIBUTION) for req in requires):
            top_level = (dist.read_text("top_level.txt") or "").split()
            packages += [name for name in top_level if name != ROOT and (site / name).is_dir()]
    return sorted(set(packages))


def _module_name(path: Path, site: Path) -> str:
    parts = list(path.relative_to(site).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_file(module: str, site: Path) -> Path | None:
    base = site.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None  # a name imported from a module (``from aws_cdk import Stack``), not a module


def _aws_cdk_imports(path: Path, module: str) -> set[str]:
    """The aws_cdk modules (or names that may be modules) ``path`` imports, ``from . import x`` excepted."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(path.read_text()):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module is None:
                continue  # a package re-exporting its own submodules: reachable only by name, never by type
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name == ROOT or name.startswith(ROOT + ".")}


def _import_nodes(text: str) -> Iterator[ast.stmt]:
    """The file's import statements, at any indentation (jsii's type imports sit under ``if TYPE_CHECKING``).

    Only the import lines outside strings are parsed: the generated modules run to 100,000 lines (parsing one
    whole costs seconds), and their docstrings hold example code with imports of their own."""
    lines = iter(text.splitlines())
    open_string: str | None = None  # the triple quote of the string a line starts inside, if any
    for line in lines:
        starts_inside = open_string
        if '"""' in line or "'''" in line:
            open_string = _triple_quote_after(line, open_string)
        statement = line.strip()
        if starts_inside or not statement.startswith(("import ", "from ")):
            continue
        if statement.startswith("from __future__"):
            continue
        while statement.count("(") > statement.count(")"):
            statement += " " + next(lines, ")").strip()
        yield from ast.parse(statement).body


def _triple_quote_after(line: str, open_string: str | None) -> str | None:
    """The triple-quoted string still open at the end of ``line``, given the one open at its start."""
    position = 0
    while True:
        if open_string is None:
            starts = [(line.find(quote, position), quote) for quote in ('"""', "'''")]
            found = [(index, quote) for index, quote in starts if index >= 0]
            if not found:
                return None
            position, open_string = min(found)
        else:
            end = line.find(open_string, position)
            if end < 0:
                return open_string
            position, open_string = end, None
        position += 3


def toml_list(modules: list[str]) -> str:
    return "module = [\n" + "".join(f'    "{name}",\n' for name in modules) + "]"


if __name__ == "__main__":
    print(toml_list(reachable(checked_paths())))
