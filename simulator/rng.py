"""Deterministic randomness: one generator per (seed, purpose, day), plus vectorised uuids."""

from __future__ import annotations

import numpy as np

# Purposes get their own streams so that changing how much one part draws never shifts another.
CUSTOMERS, PRODUCTS, ORDERS, EVENTS, MARKETING = range(1, 6)
_HISTORY = 1000  # offset separating history blocks from `advance` days


def day_rng(seed: int, purpose: int, day_index: int) -> np.random.Generator:
    """Generator for one simulated day (`advance`)."""
    return np.random.default_rng([seed, purpose, day_index])


def block_rng(seed: int, purpose: int, block: int) -> np.random.Generator:
    """Generator for one block of bulk history (`generate`)."""
    return np.random.default_rng([seed, _HISTORY + purpose, block])


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DASHED = [(0, 8), (9, 13), (14, 18), (19, 23), (24, 36)]


def _format_uuid(b: np.ndarray) -> np.ndarray:
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40  # version 4
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    h = np.empty((len(b), 32), np.uint8)
    h[:, 0::2] = _HEX[b >> 4]
    h[:, 1::2] = _HEX[b & 15]
    out = np.full((len(b), 36), ord("-"), np.uint8)
    pos = 0
    for lo, hi in _DASHED:
        out[:, lo:hi] = h[:, pos : pos + hi - lo]
        pos += hi - lo
    return out.view("S36").ravel().astype("U36")


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random uuid4 strings."""
    return _format_uuid(rng.integers(0, 256, size=(n, 16), dtype=np.uint8))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (wrapping uint64 arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hashed_uuids(seed: int, salt: int, keys: np.ndarray) -> np.ndarray:
    """Stable uuid per key (e.g. a customer's browser cookie id), independent of draw order."""
    offset = ((seed * 1_000_003 + salt) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    k = np.asarray(keys, dtype=np.uint64) + np.uint64(offset)
    hi = _mix(k)
    lo = _mix(hi ^ np.uint64(0xD1B54A32D192ED03))
    b = np.stack([hi, lo], axis=1).astype(">u8").view(np.uint8).reshape(-1, 16).copy()
    return _format_uuid(b)
