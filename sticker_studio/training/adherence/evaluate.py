"""Motion adherence: does each motion *look like* itself to a classifier trained on other characters?

* :func:`real_set_adherence` — every playable character motion on the hand-labelled OpenMoji set
  (``tests/data/rig_real``), once with the automatic rig and once with the hand rig (its joints and
  face; no part map, so pixels go to their nearest bone), each clip classified among the 20
  character motions. A clip is also classified among *all* classes, which says how often a
  character motion reads as a whole-body preset instead.
* :func:`generator_adherence` — the learned generator asked, image-to-animation, for the presets
  of :data:`~sticker_studio.training.eval.evaluate.ADHERENCE_MOTIONS` ("a cat bouncing") on the
  same real characters (never in the generator's training set either), classified among the
  whole-body presets; the same subjects' template renders of those presets, shown the generator's
  way (64² on white), give the classifier's ceiling on that path.

The classifier is trained only on procedural characters (:mod:`.clips`), so all of these are
characters it never saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig
from sticker_studio.engine.adherence.classes import BODY_CLASSES, BODY_PREFIX, CHARACTER_CLASSES
from sticker_studio.training.rig.evaluate import Truth

#: the generator's adherence motions (``ADHERENCE_MOTIONS`` keys) -> today's preset names
GENERATOR_PRESET: dict[str, str] = {"wave": "sway", "squash": "bounce"}


@dataclass
class AdherenceRow:
    """One clip: what was asked, what the classifier read (among the asked classes and among all)."""

    character: str
    rig: str
    motion: str
    predicted: str
    confidence: float
    predicted_any: str = ""
    share: float = float("nan")
    side: float = float("nan")
    #: blink: the share of the subject that changes outside the eyes (:func:`changed_outside_eyes`)
    outside_eyes: float = float("nan")
    #: blink: the share of the subject inside the eyes' ellipses (big eyes alone can be over the 8 % rule)
    eyes: float = float("nan")

    @property
    def hit(self) -> bool:
        return self.predicted == self.motion


@dataclass
class AdherenceReport:
    rows: list[AdherenceRow] = field(default_factory=list)
    seconds: float = 0.0

    def per_motion(self, rig: str | None = None) -> dict[str, tuple[float, int]]:
        out: dict[str, list[bool]] = {}
        for r in self.rows:
            if rig is None or r.rig == rig:
                out.setdefault(r.motion, []).append(r.hit)
        return {m: (float(np.mean(v)), len(v)) for m, v in out.items()}

    def overall(self, rig: str | None = None) -> tuple[float, int]:
        hits = [r.hit for r in self.rows if rig is None or r.rig == rig]
        return (float(np.mean(hits)) if hits else float("nan"), len(hits))

    def confusions(self, rig: str | None = None) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in self.rows:
            if (rig is None or r.rig == rig) and not r.hit:
                d = out.setdefault(r.motion, {})
                d[r.predicted] = d.get(r.predicted, 0) + 1
        return out

    def whole_body_share(self, rig: str | None = None) -> float:
        rows = [r for r in self.rows if (rig is None or r.rig == rig) and r.predicted_any]
        return float(np.mean([r.predicted_any.startswith(BODY_PREFIX) for r in rows])) if rows else float("nan")


def hand_rig(truth: Truth, scale: float, size: int) -> Rig:
    """A puppet rig from hand labels (:class:`~sticker_studio.training.rig.evaluate.Truth`), scaled."""
    joints = {k: Joint(x * scale, y * scale, 1.0) for k, (x, y) in truth.joints.items()}
    if "root" not in joints and "pelvis" in joints:
        joints["root"] = joints["pelvis"]
    face = {k: Ellipse(e[0] * scale, e[1] * scale, max(0.5, e[2] * scale), max(0.5, e[3] * scale))
            for k, e in truth.face.items()}
    plan = BodyPlan(truth.body_plan) if truth.body_plan in {p.value for p in BodyPlan} else BodyPlan.BLOB
    rig = Rig(size, size, joints, face, plan, None, "user")
    rig.validate()
    return rig


def real_characters(folder: Path, size: int) -> list[tuple[str, np.ndarray, Truth]]:
    """(name, RGBA at ``size``², hand-label Truth) of a hand-labelled folder."""
    from sticker_studio.core.imageops import resize_rgba
    from sticker_studio.training.rig.evaluate import read_real_set

    _, items = read_real_set(Path(folder))
    out = []
    for rgba, truth in items:
        small = rgba if rgba.shape[0] == size else resize_rgba(rgba, size, size)
        out.append((Path(truth.name).stem, small, truth))
    return out


def changed_share_side(rgba: np.ndarray, frames: list[np.ndarray], padding: tuple[int, int]) -> tuple[float, float]:
    """The share of the subject that changes in any frame, and where (the changed pixels' mean x
    relative to the subject's centre, in half-widths: -1 left .. +1 right), as ``eval motion`` measures."""
    h, w = rgba.shape[:2]
    px, py = padding
    subject = rgba[..., 3] > 0
    changed = np.zeros((h, w), bool)
    for f in frames:
        changed |= np.any(f[py:py + h, px:px + w] != rgba, axis=-1)
    share = float((changed & subject).sum()) / max(1, int(subject.sum()))
    xs = np.nonzero(subject)[1]
    cx, half = (xs.min() + xs.max()) / 2.0, max(1.0, (xs.max() - xs.min()) / 2.0)
    cxs = np.nonzero(changed & subject)[1]
    return share, (float((cxs.mean() - cx) / half) if len(cxs) else 0.0)


#: an eye's lid may reach this far beyond the eye's ellipse (its anti-aliased rim and lash line): a share of the
#: ellipse's radius plus pixels
EYE_MARGIN = (0.15, 3.0)


def changed_outside_eyes(rgba: np.ndarray, frames: list[np.ndarray], padding: tuple[int, int],
                         eyes: list[tuple[float, float, float, float]]) -> tuple[float, float]:
    """(the share of the subject that changes in any frame outside the eye ellipses grown by :data:`EYE_MARGIN`,
    the share of the subject inside the ellipses): a blink should change the eyes and nothing else."""
    h, w = rgba.shape[:2]
    px, py = padding
    subject = rgba[..., 3] > 0
    changed = np.zeros((h, w), bool)
    for f in frames:
        changed |= np.any(f[py:py + h, px:px + w] != rgba, axis=-1)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) + np.float32(0.5)
    inside = np.zeros((h, w), bool)
    near = np.zeros((h, w), bool)
    for cx, cy, rx, ry in eyes:
        d = ((xx - cx) / max(rx, 0.5)) ** 2 + ((yy - cy) / max(ry, 0.5)) ** 2
        inside |= d <= 1.0
        gx, gy = rx * (1 + EYE_MARGIN[0]) + EYE_MARGIN[1], ry * (1 + EYE_MARGIN[0]) + EYE_MARGIN[1]
        near |= ((xx - cx) / gx) ** 2 + ((yy - cy) / gy) ** 2 <= 1.0
    n = max(1, int(subject.sum()))
    return float((changed & subject & ~near).sum()) / n, float((inside & subject).sum()) / n


def real_set_adherence(folder: Path, size: int = 256, rigs: Iterable[str] = ("auto", "hand"),
                       model: str | Path | None = None, motions: Iterable[str] | None = None,
                       limit: int | None = None, progress: Callable[[str], None] | None = None) -> AdherenceReport:
    """Every playable character motion on every character of ``folder``, per rig (see the module docs)."""
    from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, missing_in, prepare
    from sticker_studio.core.puppet.motions import list_character_motions
    from sticker_studio.engine.adherence.features import clip_features
    from sticker_studio.engine.adherence.predict import classify_features, load_motion_classifier
    from sticker_studio.engine.rig.auto import auto_rig

    net = load_motion_classifier(model)
    wanted = set(motions) if motions is not None else None
    report = AdherenceReport()
    t0 = time.perf_counter()
    chars = real_characters(folder, size)[:limit]
    for name, rgba, truth in chars:
        for rig_kind in rigs:
            try:
                rig = auto_rig(rgba) if rig_kind == "auto" else hand_rig(truth, size / 512.0, size)
                plan = prepare(rgba, rig)
            except Exception as error:  # a rig this drawing cannot take: say so and go on
                if progress:
                    progress(f"  {name} ({rig_kind} rig): skipped ({type(error).__name__}: {error})")
                continue
            for m in list_character_motions():
                # not playable: the rig lacks a part, or an automatic rig's arms are all doubtful (the user gets
                # a one-line error naming the missing arm; see core/puppet/arms.py)
                if (wanted is not None and m.name not in wanted) or missing_in(m, rig, plan):
                    continue
                try:
                    sticker = animate_character(rgba, rig, m.name, options=AnimateOptions(), plan=plan)
                except Exception as error:
                    if progress:
                        progress(f"  {name} ({rig_kind} rig) {m.name}: failed ({type(error).__name__}: {error})")
                    continue
                frames = list(sticker.frames)
                feats = clip_features(frames)
                among = classify_features(net, [feats], CHARACTER_CLASSES)[0]
                anyc = classify_features(net, [feats], None)[0]
                pad = sticker.metadata.get("canvas_padding") or [0, 0]
                padding = (int(pad[0]), int(pad[1]))  # type: ignore[index]
                share, side = changed_share_side(rgba, frames, padding)
                row = AdherenceRow(name, rig_kind, m.name, among.label, among.confidence, anyc.label, share, side)
                if m.name == "blink":
                    eyes = [e for e in (plan.rest_face.eye_l, plan.rest_face.eye_r) if e is not None]
                    row.outside_eyes, row.eyes = changed_outside_eyes(rgba, frames, padding, eyes)
                report.rows.append(row)
        if progress:
            progress(f"  {name}: {sum(r.character == name for r in report.rows)} clips, "
                     f"{time.perf_counter() - t0:.0f} s")
    report.seconds = time.perf_counter() - t0
    return report


def adherence_markdown(report: AdherenceReport, rigs: Iterable[str] = ("auto", "hand")) -> str:
    rigs = list(rigs)
    motions = [m for m in CHARACTER_CLASSES if any(r.motion == m for r in report.rows)]
    head = "| motion | " + " | ".join(f"{k} rig: adherence (clips)" for k in rigs) + " | read instead (most often) |"
    lines = [head, "|---|" + "---:|" * len(rigs) + "---|"]
    for m in motions:
        cells = []
        for k in rigs:
            a, n = report.per_motion(k).get(m, (float("nan"), 0))
            cells.append(f"{a:.0%} ({n})" if n else "—")
        conf: dict[str, int] = {}
        for k in rigs:
            for p, c in report.confusions(k).get(m, {}).items():
                conf[p] = conf.get(p, 0) + c
        instead = ", ".join(f"{p} ×{c}" for p, c in sorted(conf.items(), key=lambda x: -x[1])[:3]) or "—"
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {instead} |")
    cells = []
    for k in rigs:
        a, n = report.overall(k)
        cells.append(f"**{a:.1%}** ({n})" if n else "—")
    lines.append("| **all** | " + " | ".join(cells) + " | |")
    lines.append("")
    lines.append("Read as a whole-body preset when all classes are allowed: " + ", ".join(
        f"{k} rig {report.whole_body_share(k):.0%}" for k in rigs) + ".")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the learned generator
@dataclass
class GeneratorRow:
    character: str
    motion: str           # as asked (ADHERENCE_MOTIONS key)
    preset: str           # the class it should read as (body:<preset>)
    predicted: str
    confidence: float
    heuristic_match: bool  # the older silhouette checker (training/eval/metrics.motion_matches)
    template_predicted: str = ""  # the same preset rendered by the app on the same subject, shown at 64² on white
    own_predicted: str = ""  # the generated frames alone (1..7, without the pasted-back reference frame 0)

    @property
    def hit(self) -> bool:
        return self.predicted == self.preset


def generator_adherence(folder: Path, model: str | Path | None = None, per_motion: int = 2, steps: int | None = None,
                        seed: int = 0, classifier: str | Path | None = None, cache: Path | None = None,
                        progress: Callable[[str], None] | None = None) -> tuple[list[GeneratorRow], float]:
    """The learned generator's i2v clips for each adherence motion on ``per_motion`` real characters
    (see the module docs); returns the rows and the seconds per clip. ``cache``: a folder where the
    generated clips are kept (``.npy`` per model, subject, motion, seed and steps) and read back on a rerun."""
    from sticker_studio.core.motion.presets import animate as animate_preset
    from sticker_studio.engine.adherence.features import clip_features, on_white_silhouette
    from sticker_studio.engine.adherence.predict import classify_features, load_motion_classifier
    from sticker_studio.engine.generate.pipeline import StickerPipeline
    from sticker_studio.engine.generate.prompts import natural_phrasings
    from sticker_studio.engine.store.manifest import DEFAULT_GENERATOR_ID
    from sticker_studio.training.eval import evaluate as ev
    from sticker_studio.training.eval import metrics as eval_metrics

    net = load_motion_classifier(classifier)
    pipe = StickerPipeline.from_pretrained(model or DEFAULT_GENERATOR_ID, device="cpu", matting=None)
    side = pipe.sample_size
    steps = int(steps or ev._default_steps(pipe))
    items = [(n, rgba) for n, rgba, _ in real_characters(folder, 256)]
    labels = _real_names(folder)
    rows: list[GeneratorRow] = []
    seconds = []
    motions = list(ev.ADHERENCE_MOTIONS.items())
    for j in range(per_motion):
        for m, (motion, word) in enumerate(motions):
            name, rgba = items[(j * len(motions) + m) % len(items)]
            preset = GENERATOR_PRESET.get(motion, motion)
            first = ev._on_white_at(rgba[None], side)[0]
            canvas, mask = ev._task_canvas(first, 8, side, "i2v")
            prompt = natural_phrasings(f"{labels.get(name, name)} {word}")[0]
            clip_seed = seed + 1000 + len(rows)
            kept = None if cache is None else Path(cache) / (
                f"{Path(str(model or DEFAULT_GENERATOR_ID)).name}-{name}-{motion}-{clip_seed}-{steps}.npy")
            if kept is not None and kept.is_file():
                moving = np.load(kept)
            else:
                t = time.perf_counter()
                moving = ev._raw_generate(pipe, prompt, canvas, mask, steps, clip_seed)
                seconds.append(time.perf_counter() - t)
                if kept is not None:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    np.save(kept, moving)
            moving[0] = first
            clip = ev.silhouette_on_white(moving)
            got = classify_features(net, [clip_features(list(clip))], BODY_CLASSES)[0]
            own = classify_features(net, [clip_features(list(clip[1:]))], BODY_CLASSES)[0]
            heuristic = eval_metrics.motion_matches(clip, motion).matches
            template = animate_preset(rgba, preset, frames=8)
            tgot = classify_features(net, [clip_features(on_white_silhouette(template.frames, side))], BODY_CLASSES)[0]
            rows.append(GeneratorRow(name, motion, BODY_PREFIX + preset, got.label, got.confidence, heuristic,
                                     tgot.label, own.label))
            if progress:
                progress(f"  {prompt!r}: read as {got.label} ({got.confidence:.0%}); template read as {tgot.label}")
    return rows, float(np.mean(seconds)) if seconds else float("nan")


def _real_names(folder: Path) -> dict[str, str]:
    import json

    data = json.loads((Path(folder) / "labels.json").read_text(encoding="utf-8"))
    return {Path(str(i["file"])).stem: str(i.get("name") or Path(str(i["file"])).stem) for i in data["items"]}


def generator_markdown(rows: list[GeneratorRow], seconds: float, model: str) -> str:
    n = len(rows)
    hits = sum(r.hit for r in rows)
    heur = sum(r.heuristic_match for r in rows)
    tmpl = sum(r.template_predicted == r.preset for r in rows)
    own = sum(r.own_predicted == r.preset for r in rows)
    lines = [f"Learned generator `{model}`, image-to-animation on {len(set(r.character for r in rows))} real "
             f"(OpenMoji) characters, 8 frames, " + (f"{seconds:.1f} s a clip:" if np.isfinite(seconds) else
                                                 "clips read back from the cache:"), "",
             "| measure | value |", "|---|---:|",
             f"| adherence, motion classifier (among the {len(BODY_CLASSES)} whole-body presets) | "
             f"**{hits / max(1, n):.0%}** ({hits}/{n}) |",
             "| adherence, motion classifier on the generated frames alone (1–7: the reference frame 0 left out, so "
             f"the model's blur of the drawing is not read as motion) | {own / max(1, n):.0%} ({own}/{n}) |",
             "| adherence, the older silhouette checker (families of motion words) | "
             f"{heur / max(1, n):.0%} ({heur}/{n}) |",
             f"| classifier on the app's own template renders of the same asks, shown the same way (ceiling) | "
             f"{tmpl / max(1, n):.0%} ({tmpl}/{n}) |", "",
             "| asked | subject | classifier read | confidence | generated frames alone | older checker | "
             "template read |",
             "|---|---|---|---:|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.motion} ({r.preset}) | {r.character} | {r.predicted} | {r.confidence:.0%} | "
                     f"{r.own_predicted} | {'match' if r.heuristic_match else 'no match'} | {r.template_predicted} |")
    return "\n".join(lines)
