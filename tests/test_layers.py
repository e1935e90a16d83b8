"""Layers: no module reaches into another module's private names.

A name that starts with one underscore is its module's own business; what another
app (or another module of the same app) needs is a public function, so that the
owner can change its insides without breaking a caller it cannot see. The test
reads every application module (tests and migrations aside) with `ast` and fails
on `from <project module> import _name` from any other module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("yiban_core", "feeds", "resources", "realtime", "openapi_plugins", "frontend",
            "bench")


def application_modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
                  if "migrations" not in path.parts)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def absolute(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    importer = module_name(path, root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = absolute(node, importer, path.name == "__init__.py")
        if source.split(".")[0] not in PACKAGES or source == importer:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{path.relative_to(root)}:{node.lineno}: "
                             f"from {source} import {alias.name}")
    return found


def test_the_walk_finds_the_application_modules():
    names = {module_name(path) for path in application_modules()}
    assert {"yiban_core.events", "feeds.services", "openapi_plugins.webhooks.receivers",
            "frontend.views.feeds"} <= names
    assert not any(".migrations." in name for name in names)


def test_a_private_import_is_found(tmp_path):
    (tmp_path / "feeds").mkdir()
    module = tmp_path / "feeds" / "views.py"
    module.write_text("from yiban_core.groups.services import _add_member, join_group\n"
                      "from .services import _bump\n"
                      "from django.utils.translation import gettext as _\n")
    assert private_imports(module, tmp_path) == [
        "feeds/views.py:1: from yiban_core.groups.services import _add_member",
        "feeds/views.py:2: from feeds.services import _bump"]


def test_no_module_imports_another_modules_private_names():
    found = [line for path in application_modules() for line in private_imports(path)]
    assert found == [], "\n".join(found)
