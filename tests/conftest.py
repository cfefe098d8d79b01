from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NARRASCOPE_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
EXAMPLE = ROOT / "examples" / "constructed_example.txt"

needs_seeds = pytest.mark.skipif(not SEED_FILES, reason="../shared/seeds is not present")


def seed(prefix: str) -> Path:
    for path in SEED_FILES:
        if path.name.startswith(prefix):
            return path
    pytest.skip(f"seed {prefix}* not present")


@pytest.fixture(scope="session")
def pipeline():
    from narrascope import Pipeline

    return Pipeline.default()


@pytest.fixture(scope="session")
def analysed_seeds(pipeline):
    """Each seed analysed once per test session: {file name prefix: Document}."""
    from narrascope import analyze

    return {p.name[:3]: analyze(p, pipeline=pipeline) for p in SEED_FILES}
