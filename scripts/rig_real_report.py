"""Per-drawing PCK of the rig network and the automatic rig on a hand-labelled folder (a look, not a test).

    PYTHONPATH=$PWD python scripts/rig_real_report.py --model resources/models/rig-net --real tests/data/rig_real
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from sticker_studio.engine.rig.predict import load_rig_net, predict_rig
from sticker_studio.engine.rig.preprocess import subject_box
from sticker_studio.training.rig import evaluate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--real", type=Path, default=Path("tests/data/rig_real"))
    ap.add_argument("--sheet", type=Path, default=None)
    ap.add_argument("--mirror", action="store_true", help="read each drawing and its mirror (predict_rig mirror=True)")
    ap.add_argument("--procedural", type=int, default=0, help="also score N held-out procedural characters per family")
    args = ap.parse_args()
    from sticker_studio.core.puppet.autorig import propose_rig
    net = load_rig_net(args.model)
    _, items = evaluate.read_real_set(args.real)
    if args.procedural:
        from sticker_studio.training.rig.characters import HELD_OUT_FAMILIES
        ps = {"net": evaluate.RigScores(), "auto": evaluate.RigScores()}
        for rgba, truth in evaluate.procedural_set(HELD_OUT_FAMILIES, args.procedural):
            pred = predict_rig(rgba, net=net, mirror=args.mirror)
            ps["net"].add(truth, pred, rgba[..., 3])
            ps["auto"].add(truth, evaluate.rig_as_prediction(propose_rig(rgba, learned=pred), pred), rgba[..., 3])
        for k, s in ps.items():
            sm = s.summary()
            print("held-out", k, f"PCK {100 * sm['pck']:.1f}", f"eyes {100 * (sm['eye_hit'] or 0):.1f}")
    tot = {"net": evaluate.RigScores(), "auto": evaluate.RigScores(), "geo": evaluate.RigScores()}
    panels = []
    for rgba, truth in items:
        pred = predict_rig(rgba, net=net, mirror=args.mirror)
        preds = {"net": pred, "auto": evaluate.rig_as_prediction(propose_rig(rgba, learned=pred), pred),
                 "geo": evaluate.rig_as_prediction(propose_rig(rgba), pred)}
        line = f"{truth.name:24s} {truth.body_plan or '':9s} pred={pred.body_plan.value:9s}"
        for k, p in preds.items():
            s = evaluate.RigScores()
            s.add(truth, p, rgba[..., 3])
            tot[k].add(truth, p, rgba[..., 3])
            sm = s.summary()
            line += f" {k}={100 * (sm['pck'] or 0):5.1f}"
        x0, y0, x1, y1 = subject_box(rgba[..., 3])
        tol = 0.05 * math.hypot(x1 - x0, y1 - y0)
        miss = [n for n, (tx, ty) in truth.joints.items()
                if (j := pred.joints.get(n)) is None or j[2] < 0.5 or math.hypot(j[0] - tx, j[1] - ty) > tol]
        print(line, "miss:", " ".join(miss))
        if args.sheet:
            panels.append(evaluate.draw_rig(rgba, pred))
    for k, s in tot.items():
        sm = s.summary()
        print(k, f"PCK {100 * sm['pck']:.1f}", f"eyes {100 * (sm['eye_hit'] or 0):.1f}",
              "per joint:", " ".join(f"{n}:{100 * v:.0f}" for n, v in sm["pck_per_joint"].items()))
    if args.sheet:
        from PIL import Image
        Image.fromarray(evaluate.contact_sheet(panels, 8)).save(args.sheet)


if __name__ == "__main__":
    main()
