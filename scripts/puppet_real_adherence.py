"""Per-clip adherence and the issue's rules on the hand-labelled real set, for chosen motions
(evaluation only: these characters are never trained or tuned on).

    PYTHONPATH=. python scripts/puppet_real_adherence.py blink,wave,clap,sleepy [auto,hand] [out.tsv]

Prints one line per clip (character, rig, motion, what the classifier read, its confidence, the
share of the subject that changed and where) and, per motion and rig, adherence and the rule counts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sticker_studio.cli.adherence_eval import rule_passes
from sticker_studio.training.adherence import evaluate as ae


def main() -> None:
    motions = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else None
    rigs = sys.argv[2].split(",") if len(sys.argv) > 2 and sys.argv[2] else ["auto", "hand"]
    out = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    report = ae.real_set_adherence(Path("tests/data/rig_real"), size=256, rigs=rigs, motions=motions)
    lines = []
    for r in report.rows:
        rule = rule_passes(r.motion, r.share, r.side)
        flag = "" if r.hit and rule is not False else "  <--"
        lines.append(f"{r.character}\t{r.rig}\t{r.motion}\t{r.predicted}\t{r.confidence:.2f}\t{r.share:.3f}\t"
                     f"{r.side:+.2f}\t{'' if rule is None else ('ok' if rule else 'RULE')}{flag}"
                     + (f"\toutside the eyes {r.outside_eyes:.3f}, eyes {r.eyes:.3f}" if r.motion == "blink" else ""))
    print("\n".join(lines))
    for kind in rigs:
        for m, (acc, n) in sorted(report.per_motion(kind).items()):
            checks = [rule_passes(r.motion, r.share, r.side) for r in report.rows if r.rig == kind and r.motion == m]
            ok = sum(bool(c) for c in checks) if checks and checks[0] is not None else None
            print(f"{kind}\t{m}\tadherence {acc:.1%} ({n})" + ("" if ok is None else f"\trule {ok}/{n}"))
    print(f"{report.seconds:.0f} s")
    if out is not None:
        out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
