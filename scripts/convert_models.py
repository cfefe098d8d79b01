"""Convert model artifacts from the old pickled ``.joblib`` files to the ``.npz`` artifact format (no pickle).

narrascope up to 0.1.0 saved its models with joblib (pickle). This script read the shipped ``*.joblib`` files
once (they are ours: unpickling them is safe) and wrote each as ``<name>.npz`` through the model classes' own
``save`` (:mod:`narrascope.models.artifacts`); it renames the card's ``format`` to the new class name. The
numbers are copied unchanged, so predictions are identical. Deterministic: the same input gives the same bytes.

    python scripts/convert_models.py OLD_DIR [--out DIR]      # default --out: OLD_DIR

The old files are in git history (``git show <commit>:src/narrascope/data/models/<name>.joblib``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

RENAMED = {"NarrativeClassifierFast": "NarrativeClassifier", "RoleClassifierFast": "RoleClassifier"}
HEADER = ("format", "version", "narrascope_version")


def convert(old: Path, out_dir: Path) -> Path:
    import joblib

    from narrascope.models import checkworthiness, narratives, roles, techniques
    from narrascope.models.artifacts import write_artifact
    from narrascope.models.registry import read_card, write_card

    blob = joblib.load(old)
    fmt = blob["format"].rsplit(".", 1)[1]
    new = out_dir / (old.name.removesuffix(".joblib") + ".npz")
    if fmt == "TechniqueClassifier":
        state = blob["state"]
        model = techniques.TechniqueClassifier(labels=state["labels"],
                                               **{k: state[k] for k in techniques.TechniqueClassifier.PARAMS})
        for k in model.FITTED:
            setattr(model, k, state[k])
        model.tagger_ = state["tagger_"]
    else:
        module = {"NarrativeClassifierFast": narratives, "RoleClassifierFast": roles,
                  "CheckworthinessModel": checkworthiness}[fmt]
        cls = getattr(module, RENAMED.get(fmt, fmt))
        # the old state is the new one plus header fields: write it, then read it back through the class
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "staged.npz"
            write_artifact(staged, module.FORMAT, blob["version"],
                           {k: v for k, v in blob.items() if k not in HEADER})
            model = cls.load(staged)
    model.save(new)
    card = read_card(old)
    if card is not None and card.get("format") in RENAMED:
        write_card(new, {**card, "format": RENAMED[card["format"]]})
    return new


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old_dir", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    out = args.out or args.old_dir
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(args.old_dir.glob("*.joblib")):
        new = convert(old, out)
        print(json.dumps({"from": str(old), "to": str(new), "bytes": new.stat().st_size}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
