"""A copy of the dbt project to edit in tests (what CI checks out), and manifest helpers."""

from __future__ import annotations

import json
import shutil
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytests.support.warehouse import REPO_ROOT, run_command

# What a dbt project is made of; missing ones are skipped.
PROJECT_ITEMS = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "dependencies.yml",
    "models",
    "macros",
    "seeds",
    "snapshots",
    "tests",
    "analyses",
    "docs",
)
RELATION_TYPES = ("model", "seed", "snapshot")


def copy_project(project: Path) -> Path:
    project.mkdir(parents=True)
    for item in PROJECT_ITEMS:
        source = REPO_ROOT / item
        if source.is_dir():
            shutil.copytree(source, project / item, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, project / item)
    return project


def node_named(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [n for n in manifest["nodes"].values() if n["name"] == name]
    assert len(matches) == 1, f"expected one node named {name}"
    return matches[0]


def descendants(manifest: dict[str, Any], seeds: Iterable[str]) -> set[str]:
    """The seeds and everything downstream of them (models, tests, unit tests, snapshots...)."""
    found, queue = set(seeds), deque(seeds)
    while queue:
        for child in manifest["child_map"].get(queue.popleft(), []):
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


def built_relations(results: list[dict[str, Any]], manifest: dict[str, Any]) -> dict[str, str]:
    """unique_id -> `schema."alias"` (in that manifest) of the models, seeds and snapshots a run
    built."""
    relations = {}
    for result in results:
        node = manifest["nodes"].get(result["unique_id"])
        if node and node["resource_type"] in RELATION_TYPES:
            relations[result["unique_id"]] = f'{node["schema"]}."{node["alias"]}"'
    return relations


@contextmanager
def edited(path: Path, change: Callable[[str], str]) -> Iterator[None]:
    original = path.read_text()
    changed = change(original)
    assert changed != original, f"the edit did not change {path}"
    path.write_text(changed)
    try:
        yield
    finally:
        path.write_text(original)


def ok(results: list[dict[str, Any]]) -> None:
    bad = [
        (r["unique_id"], r["status"])
        for r in results
        if r["status"] not in ("success", "pass", "no-op")
    ]
    assert not bad, f"slim build had failures: {bad}"


@dataclass
class SlimCI:
    """`python -m elt.slim_ci` (what `make prod-artifacts` / `make ci-slim` run) on the project
    copy `project`, with the production state in `root/prod-artifacts` and CI in `root/ci`."""

    root: Path
    project: Path
    env: dict[str, str]
    engine: str = "duckdb"

    @property
    def state(self) -> Path:
        return self.root / "prod-artifacts"

    @property
    def ci_target(self) -> Path:
        return self.root / "ci" / "target"

    def driver(self, *args: str, check: bool = True, **env: str):
        return run_command(
            [sys.executable, "-m", "elt.slim_ci", "--project-dir", str(self.project),
             "--engine", self.engine, *args],
            {**self.env, **env},
            check=check,
        )  # fmt: skip

    def prod_artifacts(self, preset: str = "tiny", seed: int = 7) -> None:
        self.driver(
            "prod-artifacts", "--out", str(self.state), "--work-dir", str(self.root / "prod-build"),
            "--preset", preset, "--seed", str(seed),
        )  # fmt: skip

    def ci_slim(self, *extra: str) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
        """`make ci-slim`: the run results of the selected nodes (run hooks, which every dbt
        command runs, left out), the CI manifest and the console output."""
        (self.ci_target / "run_results.json").unlink(missing_ok=True)
        out = self.driver(
            "ci-slim", "--state", str(self.state), "--work-dir", str(self.root / "ci"), *extra
        ).stdout
        results = [
            r
            for r in json.loads((self.ci_target / "run_results.json").read_text())["results"]
            if not r["unique_id"].startswith("operation.")
        ]
        manifest = json.loads((self.ci_target / "manifest.json").read_text())
        return results, manifest, out

    def listed(self) -> set[str]:
        """What the slim build would build (`ci-slim --list`, a `dbt ls` of its selection)."""
        out = self.driver(
            "ci-slim", "--state", str(self.state), "--work-dir", str(self.root / "ci"), "--list"
        ).stdout
        return {
            json.loads(line)["unique_id"]
            for line in out.splitlines()
            if line.startswith('{"unique_id"')
        }

    def prod_manifest(self) -> dict[str, Any]:
        return json.loads((self.state / "manifest.json").read_text())

    def path_of(self, name: str) -> Path:
        return self.project / node_named(self.prod_manifest(), name)["original_file_path"]
