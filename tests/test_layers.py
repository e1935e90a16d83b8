"""The core (yiban_core) imports nothing from the apps built on it.

Only the composition files (settings, urls, asgi, the GraphQL schema assembly)
may name them; anything else the core needs from those apps (search's node
types and batch loaders, demo content, leaderboard rebuilders, notification
targets) the apps register in their AppConfig.ready.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UPPER_APPS = ("feeds", "resources", "realtime", "openapi_plugins", "frontend")
COMPOSITION = {"yiban_core/settings.py", "yiban_core/urls.py", "yiban_core/asgi.py",
               "yiban_core/graphql/schema.py"}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_the_core_imports_no_app_built_on_it():
    offenders = []
    for path in sorted((ROOT / "yiban_core").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in COMPOSITION or "/migrations/" in name:
            continue
        offenders += [f"{name} imports {module}" for module in imported_modules(path)
                      if module.split(".")[0] in UPPER_APPS]
    assert offenders == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("def f():\n    from feeds.schema import PostNode\n", encoding="utf-8")
    assert imported_modules(module) == ["feeds.schema"]
