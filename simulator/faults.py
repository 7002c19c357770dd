"""Switchable, deterministic API faults (all off by default).

Requests to `/api/...` are numbered 1, 2, 3, ... per server process; with `every = N`:

- `rate_limit`:   requests N, 2N, ... get 429 with `Retry-After`
- `server_error`: requests N, 2N, ... get a 5xx (500, 503, 500, ...); if `rate_limit` is also
                  on, it fires on the requests halfway between instead (N + N//2, 2N + N//2, ...)
- `outage`:       every request gets 503 (a source that keeps failing)
- `slow`:         requests N, 2N, ... are delayed by `slow_seconds`, then answered normally
- `malformed`:    in requests N, 2N, ... the first record of the page has a wrong-type critical
                  field (events: `occurred_at` = "not-a-timestamp", or `customer_id` = "abc" on
                  every other such request; campaigns: `daily_budget` = "n/a"; ad_spend: `spend`
                  = "n/a")
- `drift`:        every record gains a new field (events `consent_status`, campaigns `objective`,
                  ad_spend `conversions`)
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field

KINDS = ("rate_limit", "server_error", "outage", "slow", "malformed", "drift")


@dataclass(frozen=True)
class Faults:
    kinds: frozenset[str] = field(default_factory=frozenset)
    every: int = 5
    slow_seconds: float = 2.0
    retry_after: int = 1

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise ValueError(
                f"unknown fault(s) {', '.join(sorted(unknown))}; choose from {', '.join(KINDS)}"
            )
        if self.every < 1:
            raise ValueError("fault_every must be >= 1")
        if self.slow_seconds < 0 or self.retry_after < 0:
            raise ValueError("slow_seconds and retry_after must be >= 0")

    @classmethod
    def parse(cls, spec: str | None, **knobs: float | int | None) -> Faults:
        """From a comma list like "rate_limit,drift"; knobs that are None keep their defaults."""
        kinds = frozenset(k.strip() for k in (spec or "").split(",") if k.strip())
        return cls(kinds, **{k: v for k, v in knobs.items() if v is not None})

    @classmethod
    def from_env(cls) -> Faults:
        """`SIM_FAULTS`, `SIM_FAULT_EVERY`, `SIM_SLOW_SECONDS`, `SIM_RETRY_AFTER`."""
        env = os.environ
        return cls.parse(
            env.get("SIM_FAULTS"),
            every=int(env["SIM_FAULT_EVERY"]) if env.get("SIM_FAULT_EVERY") else None,
            slow_seconds=float(env["SIM_SLOW_SECONDS"]) if env.get("SIM_SLOW_SECONDS") else None,
            retry_after=int(env["SIM_RETRY_AFTER"]) if env.get("SIM_RETRY_AFTER") else None,
        )

    def spec(self) -> str:
        return ",".join(k for k in KINDS if k in self.kinds)

    def _nth(self, n: int) -> bool:
        return n % self.every == 0

    def status_for(self, n: int) -> int | None:
        """HTTP error status that request number n gets, if any."""
        if "outage" in self.kinds:
            return 503
        if "rate_limit" in self.kinds and self._nth(n):
            return 429
        if "server_error" in self.kinds:
            shifted = n - self.every // 2 if "rate_limit" in self.kinds and self.every > 1 else n
            if shifted > 0 and self._nth(shifted):
                return 500 if (shifted // self.every) % 2 else 503
        return None

    def delay_for(self, n: int) -> float:
        return self.slow_seconds if "slow" in self.kinds and self._nth(n) else 0.0

    def corrupts(self, n: int) -> bool:
        return "malformed" in self.kinds and self._nth(n)

    @property
    def drift(self) -> bool:
        return "drift" in self.kinds


def corrupt(endpoint: str, record: dict[str, object], n: int, every: int) -> None:
    """Put a wrong-type value into a critical field of one record (in place)."""
    if endpoint == "events":
        if (n // every) % 2:
            record["customer_id"] = "abc"
        else:
            record["occurred_at"] = "not-a-timestamp"
    elif endpoint == "campaigns":
        record["daily_budget"] = "n/a"
    else:
        record["spend"] = "n/a"


def add_drift(endpoint: str, record: dict[str, object]) -> None:
    """The new field that appears with schema drift, with a stable value per record."""
    if endpoint == "events":
        record["consent_status"] = (
            "denied" if zlib.crc32(str(record["event_id"]).encode()) % 10 == 0 else "granted"
        )
    elif endpoint == "campaigns":
        record["objective"] = "awareness" if record["channel"] == "display" else "conversions"
    else:
        record["conversions"] = int(record["clicks"]) * 3 // 100
