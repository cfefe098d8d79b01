"""Training speed of the shared encoder on this machine's CPU (needs torch: pip install 'narrascope[train]').

Times the two parts of an epoch on synthetic windows of 256 tokens (no data set needed): the frozen bottom
layers' forward pass (done once per training run, cached) and a training step of the top ``K`` layers
with LoRA (forward + backward + AdamW), in batches of 8 as ``narrascope train ... --mode default`` runs
them; then projects the minutes per epoch for the real training set (4,482 windows: 2,257 SemEval-2025
role windows + 2,225 CheckThat! pseudo-articles). The figure the model card records comes from the real run.

    python bench/bench_finetune.py                 # K = 2, 4, 6
    python bench/bench_finetune.py --layers 4 --steps 20
"""

from __future__ import annotations

import argparse
import json
import sys
import time

WINDOWS = 4482


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", default="2,4,6", help="top layers trained, comma-separated")
    parser.add_argument("--steps", type=int, default=12, help="timed steps per setting (after 3 warm-up steps)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    import torch

    from narrascope.encoder.training import Setting, SharedModel, build
    from narrascope.encoder.weights import read_model

    torch.manual_seed(0)
    w = read_model()
    ids = torch.randint(5, 50000, (8, 256))
    mask = torch.ones(8, 256, dtype=torch.bool)
    figures = {"threads": torch.get_num_threads(), "torch": torch.__version__, "batch": 8, "tokens": 256,
               "settings": []}
    for k in (int(x) for x in args.layers.split(",")):
        model = SharedModel(build(w), Setting(layers=k), 3, 22)
        e5 = build(w)
        with torch.no_grad():  # the frozen bottom, once per run
            t0 = time.perf_counter()
            x = e5.emb_ln(e5.word(ids) + e5.pos_type[:256])
            for ly in e5.layers[:12 - k]:
                x = ly(x, mask[:, None, None, :])
            bottom_rate = 8 / (time.perf_counter() - t0)
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
        for i in range(args.steps + 3):
            if i == 3:
                t0 = time.perf_counter()
            h = model.encode(x, mask)
            loss = model.sentence_head(h.mean(1)).pow(2).mean() + model.role_head(
                torch.cat([h[:, 0], h[:, 1], torch.zeros(8, 5)], 1)).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        rate = 8 * args.steps / (time.perf_counter() - t0)
        row = {"layers": k, "train_windows_per_s": round(rate, 1), "bottom_windows_per_s": round(bottom_rate, 1),
               "epoch_minutes": round(WINDOWS / rate / 60, 1), "bottom_cache_minutes": round(WINDOWS / bottom_rate / 60, 1)}
        figures["settings"].append(row)
        print(json.dumps(row))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
