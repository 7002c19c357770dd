"""What a run did, per pipeline and in total; the console summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PipelineReport:
    """One source system's pipeline run (one row of `<dataset>._ingestion_runs`)."""

    pipeline: str
    dataset: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "running"  # then "succeeded" or "failed"
    load_ids: list[str] = field(default_factory=list)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    rows_hard_deleted: dict[str, int] = field(default_factory=dict)
    schema_changes: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def add_rows(self, target: dict[str, int], counts: dict[str, int]) -> None:
        for table, rows in counts.items():
            target[table] = target.get(table, 0) + rows


@dataclass
class RunReport:
    """Everything `ingestion.run` did; tables are keyed `dataset.table`."""

    run_id: str
    target: str
    destination: str
    pipelines: list[PipelineReport] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return all(p.succeeded for p in self.pipelines)

    @property
    def load_ids(self) -> dict[str, list[str]]:
        return {p.pipeline: p.load_ids for p in self.pipelines}

    def _per_table(self, attr: str) -> dict[str, int]:
        return {
            f"{p.dataset}.{table}": rows
            for p in self.pipelines
            for table, rows in getattr(p, attr).items()
        }

    @property
    def rows_loaded(self) -> dict[str, int]:
        return self._per_table("rows_loaded")

    @property
    def rows_quarantined(self) -> dict[str, int]:
        return self._per_table("rows_quarantined")

    @property
    def rows_hard_deleted(self) -> dict[str, int]:
        return self._per_table("rows_hard_deleted")

    @property
    def schema_changes(self) -> dict[str, Any]:
        return {p.dataset: p.schema_changes for p in self.pipelines if p.schema_changes}

    @property
    def errors(self) -> dict[str, str]:
        return {p.pipeline: p.error for p in self.pipelines if p.error}

    def summary(self) -> str:
        """A per-table table of loaded / quarantined / hard-deleted rows, then pipeline statuses."""
        tables = sorted(
            set(self.rows_loaded) | set(self.rows_quarantined) | set(self.rows_hard_deleted)
        )
        width = max([len("table"), *(len(t) for t in tables)])
        lines = [
            f"ingestion run {self.run_id} -> {self.destination}",
            f"{'table':<{width}}  {'loaded':>10}  {'quarantined':>11}  {'hard_deleted':>12}",
        ]
        for table in tables:
            lines.append(
                f"{table:<{width}}  {self.rows_loaded.get(table, 0):>10}"
                f"  {self.rows_quarantined.get(table, 0):>11}"
                f"  {self.rows_hard_deleted.get(table, 0):>12}"
            )
        for p in self.pipelines:
            seconds = ((p.finished_at or p.started_at) - p.started_at).total_seconds()
            line = f"{p.pipeline}: {p.status} in {seconds:.1f}s"
            if p.load_ids:
                line += f" (load ids {', '.join(p.load_ids)})"
            lines.append(line)
            if p.schema_changes:
                lines.append(f"  schema changes: {p.schema_changes}")
            if p.error:
                lines.append(f"  error: {p.error}")
        return "\n".join(lines)


class IngestionError(RuntimeError):
    """A run failed; `report` holds what every pipeline did, `errors` why each failed one did."""

    def __init__(self, report: RunReport) -> None:
        self.report = report
        reasons = "; ".join(f"{name}: {error}" for name, error in report.errors.items())
        super().__init__(f"ingestion failed: {reasons}")
