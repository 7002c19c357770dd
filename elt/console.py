"""A readable console for `make run`: each step's full output goes to a log file under `logs/`;
the console shows one progress line per step and, at the end, one summary."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from elt.steps import StepFailed

# dbt's per-node line ("12 of 140 OK created sql table model marts.fct_orders ...")
DBT_NODE = re.compile(r"\b(\d+) of (\d+) (OK|PASS|WARN|ERROR|FAIL|SKIP)\b")
# a row of the ingestion report's table ("raw_web.events   2964   0   0")
INGEST_ROW = re.compile(r"^(raw_\w+\.\w+)\s+(\d+)\s+(\d+)\s+(\d+)$")
ERROR_LINE = re.compile(r"(error|exception|failed|fatal)", re.IGNORECASE)


@dataclass
class Summary:
    rows: dict[str, Counter[str]] = field(default_factory=dict)  # table -> loaded/quarantined/...
    builds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    steps: list[tuple[str, float]] = field(default_factory=list)

    def add_ingestion(self, line: str) -> None:
        if match := INGEST_ROW.match(line.strip()):
            table, *counts = match.groups()
            row = self.rows.setdefault(table, Counter())
            for key, value in zip(("loaded", "quarantined", "hard_deleted"), counts, strict=True):
                row[key] += int(value)

    def add_build(self, label: str, run_results: Path) -> None:
        results = json.loads(run_results.read_text())["results"]
        kinds: Counter[str] = Counter()
        tests: Counter[str] = Counter()
        for result in results:
            kind = result["unique_id"].split(".")[0]
            kinds[kind] += 1
            if kind == "test":
                tests[result["status"]] += 1
                if result["status"] == "warn":
                    self.warnings.append(f"{label}: {result['unique_id']}")
        self.builds.append(
            f"{label}: {kinds['model']} models, {kinds['snapshot']} snapshots, {kinds['seed']} "
            f"seeds; tests {tests['pass']} passed / {tests['warn']} warned / "
            f"{tests['fail'] + tests['error']} failed"
        )


def run_logged(
    title: str, args: list[str], cwd: Path, log: Path, env: dict[str, str], verbose: bool
) -> tuple[list[str], float]:
    """Run one step, its output to `log` (and the console when verbose); return its lines and
    its wall seconds."""
    print(f"==> {title}", flush=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    lines: list[str] = []
    tty = sys.stdout.isatty() and not verbose
    with log.open("a") as out:
        out.write(f"\n==> {title}\n")
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            lines.append(line.rstrip("\n"))
            if verbose:
                print(line, end="", flush=True)
            elif tty and (match := DBT_NODE.search(line)):
                print(f"\r    {match[1]}/{match[2]} nodes", end="", flush=True)
        code = process.wait()
    elapsed = time.monotonic() - started
    if tty:
        print("\r", end="")
    if code != 0:
        cause = next((ln.strip() for ln in reversed(lines) if ERROR_LINE.search(ln)), "")
        raise StepFailed(
            f"{title} failed (exit {code}) after {elapsed:.1f}s: {cause or 'see the log'}"
            f"\n    full log: {log}"
        )
    print(f"    done in {elapsed:.1f}s{_progress(lines)}", flush=True)
    return lines, elapsed


def _progress(lines: list[str]) -> str:
    """What the step did, in a few words: nodes built of total, or rows loaded."""
    if nodes := [m for ln in lines if (m := DBT_NODE.search(ln))]:
        return f" ({len(nodes)} of {nodes[-1][2]} nodes)"
    if rows := [int(m[2]) for ln in lines if (m := INGEST_ROW.match(ln.strip()))]:
        return f" ({sum(rows)} rows loaded)"
    return ""
