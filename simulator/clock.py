"""Time handling. Internally every timestamp is int64 microseconds since the Unix epoch (UTC)."""

from __future__ import annotations

import datetime as dt

import numpy as np

US_PER_SEC = 1_000_000
US_PER_DAY = 86_400 * US_PER_SEC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def day_start_us(day: dt.date) -> int:
    return (day - _EPOCH.date()).days * US_PER_DAY


def us_to_datetime(us: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(us))


def db_timestamps(us: np.ndarray) -> list[str]:
    """Format as the shop DB text format `YYYY-MM-DD HH:MM:SS.ffffff` (vectorised)."""
    s = np.datetime_as_string(np.asarray(us, dtype="datetime64[us]"), unit="us")
    codes = s.view(np.uint32).reshape(-1, s.dtype.itemsize // 4)
    codes[:, 10] = ord(" ")  # 'T' -> ' '
    return s.tolist()


def db_timestamp(us: int) -> str:
    return us_to_datetime(us).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_db_timestamp(text: str) -> int:
    """Inverse of `db_timestamp` (also accepts values without fractional seconds)."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    d = dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
    return (d - _EPOCH) // dt.timedelta(microseconds=1)


def iso_z(us: int) -> str:
    """API format: ISO-8601 UTC with a `Z` suffix and microseconds."""
    return us_to_datetime(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> int:
    """Parse an ISO timestamp or date given by an API client; naive values are taken as UTC."""
    d = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return (d - _EPOCH) // dt.timedelta(microseconds=1)


def date_str(day_index: np.ndarray) -> list[str]:
    """Days since epoch -> `YYYY-MM-DD` strings."""
    return np.datetime_as_string(np.asarray(day_index, dtype="datetime64[D]")).tolist()
