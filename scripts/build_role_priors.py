"""Regenerate ``data/role_priors.json``: how often each main role occurs among the labelled entity mentions of
the SemEval-2025 Task 10 training split, per language (counts only, no text).

The roles analyzer compares a role's score with this prior: a score within ``MARGIN`` of the share of that role
in the training data says little more than the base rate, and the role is shown as uncertain
(:mod:`narrascope.analyzers.role_uncertainty`). A model that carries its own priors (``main_priors_``) wins
over this file.

Run ``python scripts/build_role_priors.py [--data ../shared/data/semeval2025_task10]``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from narrascope.resources import load_json
from narrascope.tasks.semeval2025.crossval import mention_table
from narrascope.tasks.semeval2025.data import load_semeval2025

OUT = Path(__file__).resolve().parents[1] / "src" / "narrascope" / "data" / "role_priors.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="../shared/data/semeval2025_task10")
    args = ap.parse_args()
    ds = load_semeval2025(args.data, "train")
    rows = mention_table(getattr(ds, "samples", ds))
    counts: dict[str, Counter] = {}
    for r in rows:
        counts.setdefault(r["language"], Counter())[r["main"]] += 1
    table = load_json("role_priors.json") if OUT.exists() else {}
    table["semeval2025_roles"] = {
        "source": f"SemEval-2025 Task 10 subtask 1, train split: the main roles of its {len(rows):,} labelled "
                  "entity mentions, per language (counts only)",
        "counts": {lang: dict(sorted(c.items())) for lang, c in sorted(counts.items())},
    }
    table.setdefault("_comment", "Main-role counts of each role taxonomy's training data, per language: the "
                     "prior a role's score is compared with. Regenerate with scripts/build_role_priors.py.")
    OUT.write_text(json.dumps(dict(sorted(table.items())), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
