from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["pg_server"]  # a throwaway PostgreSQL server for the store tests (tests/pg_server.py)

# CI runs the same examples every time (a failure there is reproducible, never a coin toss);
# locally Hypothesis keeps exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

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
