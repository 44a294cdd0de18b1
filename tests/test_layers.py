"""The layering is checked by a tool, not by memory: import-linter's contracts in pyproject.toml.

climatekg/<layer> are symlinks to the top-level folders, so standard tools (import-linter's grimp,
mypy, pydeps) resolve climatekg.graph, climatekg.service … as ordinary subpackages.
"""

from __future__ import annotations

import subprocess
import sys
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


def _lint(config: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), str(config), "--no-cache"], cwd=ROOT, capture_output=True, text=True)


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
