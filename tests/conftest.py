"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def seed_file(prefix: str) -> Path:
    """Return the seed plan whose file name starts with ``prefix`` ("000"), or skip the test."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed plans are not here ({SEEDS}); a fresh clone has no ../shared")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"no seed plan {prefix}_*.txt in {SEEDS}")
    return matches[0]


@pytest.fixture
def seed_path():
    """Return a function that finds a seed plan by its number prefix, skipping when absent."""
    return seed_file
