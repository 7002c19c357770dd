"""Same preset + seed => identical data; advancing is day-by-day deterministic."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import simulator
from pytests.simulator.conftest import SEED, digest


def test_same_seed_gives_identical_data(generated: Path, tmp_path: Path) -> None:
    again = simulator.generate("tiny", SEED, tmp_path / "again")
    assert digest(again) == digest(generated)


def test_different_seed_gives_different_data(generated: Path, tmp_path: Path) -> None:
    other = digest(simulator.generate("tiny", SEED + 1, tmp_path / "other"))
    mine = digest(generated)
    differing = {k for k in mine if mine[k] != other[k]}
    # everything random differs; only the fixed category tree is the same
    assert differing >= {"shop.sqlite:customers", "shop.sqlite:orders", "api.sqlite:events"}
    assert "shop.sqlite:categories" not in differing


def test_advance_two_days_equals_one_plus_one(generated: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(generated, a)
    shutil.copytree(generated, b)
    simulator.advance(a, 2)
    simulator.advance(b, 1)
    simulator.advance(b, 1)
    assert digest(a) == digest(b)
    state_a, state_b = (json.loads((d / "state.json").read_text()) for d in (a, b))
    assert state_a == state_b
    assert state_a["current_date"] == "2025-02-02"  # tiny: 30 days from 2025-01-01, + 2


def test_generate_replaces_an_existing_world(world_copy: Path) -> None:
    simulator.advance(world_copy, 1)
    simulator.generate("tiny", SEED, world_copy)
    assert json.loads((world_copy / "state.json").read_text())["current_date"] == "2025-01-31"


def test_advance_before_generate_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(simulator.NotGeneratedError, match="generate"):
        simulator.advance(tmp_path / "nothing", 1)


@pytest.mark.parametrize("days", [0, -1, 1.5])
def test_advance_rejects_bad_day_counts(world_copy: Path, days: float) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        simulator.advance(world_copy, days)  # type: ignore[arg-type]


def test_unknown_preset_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        simulator.generate("huge", 1, tmp_path)
