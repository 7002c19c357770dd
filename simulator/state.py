"""The simulator's own bookkeeping: `<dir>/state.json` (preset, seed, clock, id counters)."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATE_FILE = "state.json"


def resolve_dir(directory: str | os.PathLike[str] | None) -> Path:
    """`--dir`, else `$SIM_DIR`, else `.sim` under the current directory."""
    return Path(directory or os.environ.get("SIM_DIR") or ".sim").resolve()


class NotGeneratedError(RuntimeError):
    """Raised when a command needs a world that `generate` has not created yet."""


@dataclass
class State:
    preset: str
    seed: int
    start_date: str  # first day of history
    current_date: str  # first day not simulated yet; "now" is its midnight UTC
    next_ids: dict[str, int]
    postgres_url: str | None = None
    drift: bool = False  # shop schema drift applied (customers.loyalty_tier)
    malformed: list[dict[str, object]] = field(default_factory=list)  # injected bad shop rows

    @property
    def today(self) -> dt.date:
        return dt.date.fromisoformat(self.current_date)

    def take_ids(self, kind: str, n: int) -> int:
        """Reserve n consecutive ids of a kind; returns the first."""
        first = self.next_ids[kind]
        self.next_ids[kind] = first + int(n)
        return first

    def save(self, directory: Path) -> None:
        tmp = directory / (STATE_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        tmp.replace(directory / STATE_FILE)  # atomic: readers never see half a file

    @classmethod
    def load(cls, directory: Path) -> State:
        path = directory / STATE_FILE
        if not path.exists():
            raise NotGeneratedError(
                f"no simulated world in {directory} (missing {STATE_FILE}); "
                "run `python -m simulator generate --preset tiny --seed 1` first"
            )
        return cls(**json.loads(path.read_text()))
