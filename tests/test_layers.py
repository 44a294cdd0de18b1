"""The layering is checked by a tool, not by memory: import-linter's contracts in pyproject.toml.

climatekg/<layer> are symlinks to the top-level folders, so standard tools (import-linter's grimp,
mypy, pydeps) resolve climatekg.graph, climatekg.service … as ordinary subpackages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("corpus", "graph", "embeddings", "ask", "service")


def test_standard_tools_see_every_layer():
    graph = grimp.build_graph("climatekg")
    for layer in LAYERS:
        on_disk = {p.stem for p in (ROOT / layer).glob("*.py") if p.stem != "__init__"}
        seen = {m.rsplit(".", 1)[1] for m in graph.find_children(f"climatekg.{layer}")}
        assert on_disk <= seen, f"climatekg.{layer}: {sorted(on_disk - seen)} invisible to grimp"


def _lint(config: Path, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), str(config), "--no-cache"], cwd=cwd, capture_output=True,
                          text=True, env=env)


def test_import_contracts_are_kept():
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("upper, lower", [("climatekg.graph", "climatekg.service"),
                                          ("climatekg.corpus", "climatekg.graph")])
def test_an_inverted_layering_is_reported(tmp_path, upper, lower):
    """The check can fail: the real code breaks a contract that puts a lower layer on top."""
    config = tmp_path / "inverted.toml"
    config.write_text(f'[tool.importlinter]\nroot_package = "climatekg"\n'
                      f'[[tool.importlinter.contracts]]\nname = "inverted"\ntype = "layers"\n'
                      f'layers = ["{upper}", "{lower}"]\n')
    result = _lint(config)
    assert result.returncode != 0
    assert f"{lower} is not allowed to import {upper}" in result.stdout


def test_every_layer_is_checked_for_cycles():
    """The acyclic contract names the packages whose modules must not import each other in a circle (service
    with its ui subpackage and graph with its query subpackage included: the contract is recursive)."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    acyclic = next(c for c in contracts if c["type"] == "acyclic_siblings")
    assert set(acyclic["ancestors"]) >= {f"climatekg.{layer}" for layer in LAYERS}


def test_a_cycle_is_reported(tmp_path):
    """The check can fail: two modules of one package importing each other (as service.openapi and service.ui
    once did) break the acyclic contract."""
    pkg = tmp_path / "cyclic" / "web"
    pkg.mkdir(parents=True)
    (tmp_path / "cyclic" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "openapi.py").write_text("from . import ui\n")
    (pkg / "ui.py").write_text("def page():\n    from .openapi import document\n")
    config = tmp_path / "cycle.toml"
    config.write_text('[tool.importlinter]\nroot_package = "cyclic"\n'
                      '[[tool.importlinter.contracts]]\nname = "acyclic"\ntype = "acyclic_siblings"\n'
                      'ancestors = ["cyclic"]\n')
    result = _lint(config, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode != 0
    assert "1 broken" in result.stdout and "- .ui -> .openapi (1 import)" in result.stdout


def test_architecture_lists_every_module():
    """docs/ARCHITECTURE.md has one line per module: a new module without its line fails here."""
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = []
    for folder in (*LAYERS, "climatekg"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).as_posix()
            if rel != "__init__.py" and "__pycache__" not in rel and f"`{rel}`" not in doc:
                missing.append(f"{folder}/{rel}")
    assert not missing, f"not in docs/ARCHITECTURE.md: {missing}"


def test_readme_documents_every_setting():
    """README.md's "Configuration" table names every setting (Datasette's test_docs does the same)."""
    from dataclasses import fields

    from climatekg.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):].split("\n## ", 1)[0]
    missing = [f.name for f in fields(Settings) if f"`{f.name}`" not in table]
    assert not missing, f"settings not in README.md's Configuration table: {missing}"
