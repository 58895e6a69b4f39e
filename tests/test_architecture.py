"""The shape of the code, checked: what import-linter (`lint-imports`, contracts in pyproject.toml) cannot
see. Its imports are grimp's graph of kb, lazy imports inside functions included."""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

KB = Path(__file__).resolve().parent.parent / "kb"
MAX_LINES = 500

# Below the web layer nothing reads the request or answers it: services, the index, models, the rules
# and the pure helpers take what they need as arguments (kb.auth.guards, the views and the CLI pass it).
BELOW_THE_WEB = ("kb.services", "kb.index", "kb.models", "kb.permissions", "kb.database", "kb.analysis",
                 "kb.config", "kb.constants", "kb.dates", "kb.exceptions", "kb.extensions", "kb.extract",
                 "kb.fuzzydate", "kb.html_markdown", "kb.markup", "kb.pii", "kb.printing", "kb.sanitize", "kb.slugs",
                 "kb.typed", "kb.urls", "kb.word")
REQUEST_BOUND = {"flask": {"request", "g", "session", "url_for", "render_template", "render_template_string",
                           "flash", "abort", "redirect", "has_request_context", "make_response"},
                 "flask_login": {"current_user", "login_user", "logout_user", "login_required"}}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("kb")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of a graph {module: modules it imports}: its strongly connected components with
    more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    """Does the check below see a cycle of three modules, and nothing in a chain?"""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_of_kb_imports_one_that_imports_it_back(graph):
    """Is kb free of import cycles between any two modules (a package's __init__ counts as a module)?"""
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & graph.modules for m in graph.modules}
    assert cycles(edges) == []


def _imported_names(path: Path) -> set[tuple[str, str]]:
    """(module, name) for every `from module import name` in a file, nested ones too."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {(node.module or "", alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
            for alias in node.names}


def _files_of(module: str) -> list[Path]:
    path = KB.parent / module.replace(".", "/")
    return sorted(path.rglob("*.py")) if path.is_dir() else [path.with_suffix(".py")]


@pytest.mark.parametrize("module", BELOW_THE_WEB)
def test_nothing_below_the_web_layer_reads_the_request(module):
    """Do services, the index, models, the rules and the pure helpers stay free of request-bound Flask
    names (request, g, session, url_for, templates, flash, abort, the logged-in user)?"""
    found = [f"{path.relative_to(KB.parent)}: from {mod} import {name}"
             for path in _files_of(module) for mod, name in _imported_names(path)
             if name in REQUEST_BOUND.get(mod, ())]
    assert found == []


def test_the_request_check_sees_a_request_import(tmp_path):
    """Would the check above notice `from flask import request`?"""
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from flask import current_app, request\n", encoding="utf-8")
    assert ("flask", "request") in _imported_names(path)


def test_no_module_of_kb_is_over_500_lines():
    """Is every module small enough to read in one sitting (split by area before it grows past 500)?"""
    long = {str(p.relative_to(KB.parent)): n for p in KB.rglob("*.py") if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
