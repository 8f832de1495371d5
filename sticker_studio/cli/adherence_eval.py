"""`eval motion`'s adherence parts: the motion classifier on the library art, the hand-labelled
real set (automatic and hand rigs) and the learned generator; the issue's per-motion rules.

Examples::

    sticker-studio eval motion --size 256                                   # library art + adherence
    sticker-studio eval motion --real tests/data/rig_real --real-size 256   # + the 48 OpenMoji characters
    sticker-studio eval motion --real tests/data/rig_real --generator dfgn-sticker-64 --per-motion 2
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

#: the issue's per-motion rules: (largest share of the subject that may change, needs to be off to one side)
RULE_LIMITS: dict[str, tuple[float, bool]] = {"blink": (0.08, False), "wave": (0.45, True)}
#: a blink may change at most this share of the subject outside the eyes (grown by the lid's margin)
OUTSIDE_EYES_MAX = 0.005
#: |changed side| at least this (half-widths from the subject's centre) is "off to one side"
SIDE_MIN = 0.2
RULES: dict[str, str] = {
    "blink": "a blink changes ≤ 8 % of the subject",
    "wave": f"a wave changes ≤ 45 % of the subject, off to one side (the changed pixels' centre ≥ {SIDE_MIN} "
            "half-widths from the subject's)",
}


def rule_passes(motion: str, share: float, side: float) -> bool | None:
    """Whether one clip keeps the issue's rule for ``motion`` (None: no rule for it)."""
    if motion not in RULE_LIMITS:
        return None
    limit, sided = RULE_LIMITS[motion]
    return share <= limit and (not sided or abs(side) >= SIDE_MIN)


def rule_cell(motion: str, figures: list[tuple[float, float]]) -> str:
    """"pass 7/7" / "FAIL 5/7" for a motion with a rule, "—" otherwise."""
    checks = [rule_passes(motion, share, side) for share, side in figures]
    if not checks or checks[0] is None:
        return "—"
    ok = sum(bool(c) for c in checks)
    return f"{'pass' if ok == len(checks) else 'FAIL'} {ok}/{len(checks)}"


def motion_filter(args: argparse.Namespace) -> set[str] | None:
    """The character motions ``--motions`` names (None: all); an unknown name is a one-line error."""
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.core.puppet.motions import find_character_motion, list_character_motions

    names = getattr(args, "motions", None)
    if not names:
        return None
    out = set()
    for name in names:
        m = find_character_motion(name)
        if m is None:
            raise InvalidInputError(f"unknown motion {name!r}; choose from: "
                                    + ", ".join(m.name for m in list_character_motions()))
        out.add(m.name)
    return out


def adherence_classifier(args: argparse.Namespace) -> Callable[[list[np.ndarray]], str] | None:
    """A function clip -> the character motion it reads as, or None (``--no-adherence``)."""
    if getattr(args, "no_adherence", False):
        return None
    from sticker_studio.engine.adherence.classes import CHARACTER_CLASSES
    from sticker_studio.engine.adherence.predict import classify_clip, load_motion_classifier

    model = getattr(args, "classifier", None)
    load_motion_classifier(model)  # fails early, with its one-line message, when none is installed

    def classify(frames: list[np.ndarray]) -> str:
        return classify_clip(frames, among=CHARACTER_CLASSES, model=model).label

    return classify


def real_and_generator_sections(args: argparse.Namespace) -> str:
    """The markdown for ``--real`` (real-set adherence and rules) and ``--generator``."""
    from pathlib import Path

    from sticker_studio.training.adherence import evaluate as ae

    out: list[str] = []
    real = getattr(args, "real", None)
    generator = getattr(args, "generator", None)
    if real is None and generator is not None:
        from sticker_studio.core.errors import InvalidInputError

        raise InvalidInputError("--generator needs --real DIR: the hand-labelled characters it animates "
                                "(e.g. tests/data/rig_real)")
    if real is not None and not getattr(args, "no_adherence", False) and not getattr(args, "generator_only", False):
        size = int(getattr(args, "real_size", 256))
        print(f"real set {real} at {size} px: every playable motion, automatic rig and hand rig ...", flush=True)
        report = ae.real_set_adherence(Path(real), size=size, model=getattr(args, "classifier", None),
                                       motions=motion_filter(args), limit=getattr(args, "real_limit", None),
                                       progress=print)
        out += [f"## Adherence on the hand-labelled real set ({Path(real).name}, {size} px, "
                f"{len({r.character for r in report.rows})} characters, {report.seconds:.0f} s)", "",
                "Each clip classified among the 20 character motions by the motion classifier (trained on "
                "procedural characters only).", "", ae.adherence_markdown(report), ""]
        rule_lines = ["| rule | automatic rig | hand rig |", "|---|---|---|"]
        for motion, text in RULES.items():
            if not any(r.motion == motion for r in report.rows):
                continue
            cells = []
            for kind in ("auto", "hand"):
                figs = [(r.share, r.side) for r in report.rows if r.motion == motion and r.rig == kind]
                cells.append(rule_cell(motion, figs))
            rule_lines.append(f"| {text} | " + " | ".join(cells) + " |")
        blinks = {kind: [r for r in report.rows if r.motion == "blink" and r.rig == kind] for kind in ("auto", "hand")}
        if any(blinks.values()):
            cells = []
            for kind in ("auto", "hand"):
                clips = blinks[kind]
                ok = sum(r.outside_eyes <= OUTSIDE_EYES_MAX for r in clips)
                big = [f"{r.character} {r.eyes:.0%}" for r in clips if r.eyes > RULE_LIMITS["blink"][0]]
                cells.append(f"{ok}/{len(clips)}" + (f" (eyes over 8 %: {', '.join(big)})" if big else ""))
            rule_lines.append(f"| a blink changes nothing outside the eyes (≤ {OUTSIDE_EYES_MAX:.1%} of the subject "
                              "outside the eye ellipses grown by 15 % + 3 px) | " + " | ".join(cells) + " |")
        out += ["Issue rules on the real set:", "", *rule_lines, ""]
    if generator is not None and real is not None:
        rows, seconds = ae.generator_adherence(Path(real), model=generator, per_motion=int(args.per_motion),
                                               steps=args.steps, classifier=getattr(args, "classifier", None),
                                               cache=getattr(args, "generator_cache", None), progress=print)
        out += ["## The learned generator", "", ae.generator_markdown(rows, seconds, str(generator)), ""]
    return "\n".join(out)
