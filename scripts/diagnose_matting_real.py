"""Which stage of the cut-out loses the dB on the real-art set (issue 24): oracle swaps, one at a time.

Per case: the cut-out as shipped; *oracle vote* (every enclosed region decided by the true alpha over its
paper-coloured core); *oracle loose flood* (the prior's border floods never enter the true subject; the head
runs on that prior); *oracle head* (the true alpha through the vote and the post-processing). Prints every
case and the per-background means (docs/experiments/matting_real_eval.md, "The causes").

    PYTHONPATH=. python scripts/diagnose_matting_real.py [SUBJECT,SUBJECT] [BACKGROUND,BACKGROUND]
"""

from __future__ import annotations

import sys

import numpy as np
import torch

import sticker_studio.core.matte.layout_prior as lp
from sticker_studio.engine.matting.matte import load_matting_head, matte_with_prior
from sticker_studio.training.eval import metrics as M
from sticker_studio.training.eval.real_set import iter_cases

torch.set_num_threads(1)
head = load_matting_head(None)
orig_clp = lp.clip_layout_priors
TRUTH = {}

def oracle_loose(frames):
    pri = orig_clp(frames)
    t = TRUTH["a"]
    for p, a in zip(pri, t, strict=False):
        ch = p.channels
        subj = a >= 0.5
        wrong = (ch[..., 2] > 0.5) & subj
        ch[..., 2][wrong] = 0
        ch[..., 1][(ch[..., 1] > 0.5) & subj] = 0
        ch[..., 4][wrong] = 1.0
    return pri

names = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else None
bgs = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("white", "cream jpeg", "near colour", "paper texture")
res = {}
for case in iter_cases("tests/data/matting_real", bounce=False, backgrounds=bgs):
    if names and case.name not in names:
        continue
    rgb, truth = case.rgb, case.alpha
    TRUTH["a"] = truth
    base = matte_with_prior(rgb, head)
    net = base.network_alpha
    a0 = base.rgba[..., 3] / 255.0
    # oracle vote: every region decided by the truth
    means = lp.track_means(truth, base.cores)
    flips = {t: m >= 0.5 for t, m in means.items()}
    ov = matte_with_prior(rgb, None, base_alpha=net, flips=flips).rgba[..., 3] / 255.0
    # oracle head: the truth through the vote and post-processing
    oh = matte_with_prior(rgb, None, base_alpha=truth).rgba[..., 3] / 255.0
    # raw head alpha (no post)
    # oracle loose flood
    lp.clip_layout_priors = oracle_loose
    try:
        ol = matte_with_prior(rgb, head).rgba[..., 3] / 255.0
    finally:
        lp.clip_layout_priors = orig_clp
    r = [M.alpha_psnr(x, truth) for x in (a0, net, ov, ol, oh)]
    res.setdefault(case.background, []).append((case.name, case.family, *r))
    print(f"{case.name:16s} {case.background:14s} base {r[0]:5.1f} net {r[1]:5.1f} oVote {r[2]:5.1f} "
          f"oLoose {r[3]:5.1f} oHead {r[4]:5.1f}", flush=True)

for bg, v in res.items():
    a = np.array([x[2:] for x in v])
    print(bg, "mean base/net/oVote/oLoose/oHead", np.round(a.mean(0), 2), "<25:", np.round((a < 25).mean(0), 2))
