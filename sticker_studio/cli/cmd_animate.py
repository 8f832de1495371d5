"""`sticker-studio animate IMAGE --motion NAME -o OUT`: keyframed motion, no model needed.

An input with no alpha (a JPEG on white, a scan) first gets its background removed by
:func:`sticker_studio.engine.matting.cutout.cut_out` (``--background``; by default the bundled
matting head when it is installed, otherwise the colour key); stderr says which.
``--list-motions`` prints the motions grouped: character, face, whole body, intro, effects.

Character motions (wave, blink, hop...) rig the drawing automatically (or use
``--rig rig.json`` from ``sticker-studio rig``) and move its parts; a whole-body preset
(bounce, spin...) is ``--motion NAME`` alone, or stacks on a character motion as a root
layer with ``--body NAME``: ``animate bear.png --motion wave --body bounce``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.cli.arguments import (
    MAX_FPS,
    MAX_MOTION_FRAMES,
    MAX_SIDE,
    finite_float,
    fps_type,
    int_in,
    passed_through,
    side_type,
)
from sticker_studio.core.errors import InvalidInputError, ModelError, StickerStudioError
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, background_type

#: Output side when --size is not given (motion.animate keeps the input size, at most this).
DEFAULT_OUTPUT_SIDE = 512



def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "animate",
        help="animate a still drawing with a motion preset (bounce, spin, jelly, ...)",
        description="Animate a drawing with a keyframed motion preset. The output format follows "
        "OUT's extension (.png = APNG, .gif, .webp, .webm; .tgs = a Telegram vector sticker traced "
        "from the drawing, the motion as Lottie transforms).",
    )
    parser.add_argument("image", nargs="?", type=Path, help="a still (PNG, JPEG, WebP...) or an animated sticker")
    parser.add_argument("--motion", "-m", default=None,
                        help="a character motion (wave, blink, hop...) or a whole-body preset (see --list-motions)")
    parser.add_argument("--list-motions", action="store_true", help="print the motions, grouped, and exit")
    parser.add_argument("--body", default=None, metavar="PRESET",
                        help="a whole-body preset (bounce, jelly, spin...) stacked on the character motion as a "
                             "root layer; alone, it is the same as --motion PRESET")
    parser.add_argument("--rig", type=Path, default=None,
                        help="a rig JSON from `sticker-studio rig` (default: rig the drawing automatically)")
    parser.add_argument("--side", choices=("auto", "l", "r"), default="auto",
                        help="which arm waves: l = the viewer's left, r = right (default: right if there is one)")
    parser.add_argument("--effect", action="append", default=[], metavar="KIND",
                        help="draw an effect through the loop (tears, zzz, hearts, sparkles, sweat, anger, "
                             "motion_lines, fire); repeatable")
    parser.add_argument("--frames", type=int_in(1, MAX_MOTION_FRAMES), default=None,
                        help=f"frame count, 1-{MAX_MOTION_FRAMES} (default: the preset's)")
    parser.add_argument("--fps", type=fps_type, default=None,
                        help=f"frames per second, up to {MAX_FPS:g} (default: the preset's)")
    parser.add_argument("--amplitude", type=finite_float(0.0, 10.0), default=1.0,
                        help="how big the motion is, 0-10 (1 = default)")
    parser.add_argument("--speed", type=finite_float(0.0, 10.0, low_open=True), default=1.0,
                        help="how fast, up to 10 (2 = twice the cycles per second)")
    parser.add_argument("--easing", default=None, help="easing curve for oscillations (default: the preset's)")
    parser.add_argument("--size", type=side_type, default=None,
                        help=f"square output side in pixels, 16-{MAX_SIDE} (default: input size, max 512)")
    parser.add_argument("--subject-size", dest="subject_size", type=float, default=None, metavar="F",
                        help="fraction of the canvas the subject's longer side takes, the same for every motion"
                             " (default 0.8; the motion's amplitude adapts; 0 = fit the whole motion instead)")
    parser.add_argument("--pixel-art", dest="pixel_art", action=argparse.BooleanOptionalAction, default=None,
                        help="whole-multiple nearest-neighbour scaling, whole-pixel motion, palette and hard alpha"
                             " kept (default: detected)")
    parser.add_argument("--background", type=background_type, default=None, metavar="METHOD",
                        help="for inputs without alpha: model (default; line-art for a sketch on paper; the "
                             "colour key when no matting model with the layout prior is installed, unless asked for "
                             "by name; the same choice as the app), colour-key, line-art, or none (animate the "
                             "whole rectangle)")
    parser.add_argument("-o", "--output", type=Path, default=None, help="output file (.png APNG, .gif, .webp, .webm)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.core.motion.poses import EASINGS
    from sticker_studio.core.motion.presets import PRESETS, animate, get_preset
    from sticker_studio.core.puppet.motions import find_character_motion

    if args.list_motions:
        print_motions(PRESETS.values())
        print("easings: " + ", ".join(EASINGS), file=sys.stderr)
        return 0
    if args.image is None:
        raise InvalidInputError("give an IMAGE to animate (or --list-motions)")
    if not args.motion and not args.body:
        raise InvalidInputError("choose a motion with --motion NAME; see --list-motions")
    if args.output is None:
        raise InvalidInputError("give an output file with -o OUT (e.g. -o sticker.png)")
    character = find_character_motion(args.motion) if args.motion else None
    if args.motion and character is None and args.motion.strip().lower().replace("_", "-") not in PRESETS \
            and _preset_or_none(args.motion) is None:
        raise InvalidInputError(unknown_motion_message(args.motion))
    check_output(args.output, args.image)
    if args.output.suffix.lower() != ".tgs":
        from sticker_studio.formats.writers import format_for_path

        format_for_path(args.output)  # an extension it cannot write: one line before any cutting out
    if character is not None:
        return run_character(args, character.name)
    if args.motion and args.body:
        raise InvalidInputError(f"--body stacks a whole-body preset on a character motion, but {args.motion!r} is "
                                "itself a whole-body preset; use one of them")
    if args.rig is not None or args.effect:
        raise InvalidInputError("--rig and --effect go with a character motion (wave, blink, hop...); "
                                f"{args.motion or args.body!r} moves the whole drawing")
    preset = get_preset(args.motion or args.body)
    sticker = shrink_for_output(read_input(args.image), args.size)
    from sticker_studio.core.visibility import ensure_visible

    causes = ("the input itself is transparent",) if args.background is Background.NONE else CUT_CAUSES
    sticker = ensure_alpha(sticker, args.background, causes)
    ensure_visible(sticker, "the cut-out", causes)
    if args.output.suffix.lower() == ".tgs":
        return write_tgs_output(sticker, preset.name, args)
    result = animate(
        sticker if sticker.frame_count > 1 else sticker.frames[0],
        preset.name,
        frames=preset.frames if args.frames is None else args.frames,
        fps=preset.fps if args.fps is None else args.fps,
        **passed_through(args, "amplitude", "speed", "easing", "size", "subject_size", "pixel_art"),
    )
    ensure_visible(result, "the animation", causes)
    path = write_output(result, args.output)
    print(f"wrote {path} ({result.frame_count} frames, {result.width}x{result.height}, "
          f"{result.total_duration_ms} ms, motion {preset.name})")
    return 0


GROUP_TITLES = (("character", "character (the rig moves parts)"), ("face", "face (only the face changes)"),
                ("whole body", "whole body (also --body PRESET on a character motion)"),
                ("intro", "intro (ends on the drawing)"), ("effects", "effects (emotions drawn with effects)"))


def print_motions(presets) -> None:
    from sticker_studio.core.puppet.motions import MotionGroup, list_character_motions

    groups: dict[str, list[str]] = {key: [] for key, _ in GROUP_TITLES}
    for m in list_character_motions():
        key = {MotionGroup.CHARACTER: "character", MotionGroup.FACE: "face", MotionGroup.EMOTION: "effects"}[m.group]
        needs = f" [needs {', '.join(m.needs)}]" if m.needs else ""
        groups[key].append(f"{m.name:<12} {m.description}{needs} ({m.frames} frames at {m.fps:g} fps)")
    character_names = {m.name for m in list_character_motions()}
    for preset in presets:
        key = "whole body" if preset.loops else "intro"
        # a whole-body preset that shares a character motion's name (nod) is reached with --body only
        how = (f" [--body only: --motion {preset.name} is the character's]"
               if preset.name in character_names else "")
        groups[key].append(f"{preset.name:<12} {preset.description}{how} "
                           f"({preset.frames} frames at {preset.fps:g} fps)")
    groups["effects"].append("--effect KIND adds one to any character motion: tears, zzz, hearts, sparkles, sweat, "
                             "anger, motion_lines, fire")
    for key, title in GROUP_TITLES:
        print(f"{title}:")
        for line in groups[key]:
            print(f"  {line}")


def _preset_or_none(name: str):
    from sticker_studio.core.motion.presets import get_preset

    try:
        return get_preset(name)
    except InvalidInputError:
        return None


def unknown_motion_message(name: str) -> str:
    from sticker_studio.core.motion.presets import PRESETS
    from sticker_studio.core.puppet.motions import list_character_motions

    return (f"unknown motion {name!r}; character motions: {', '.join(m.name for m in list_character_motions())}; "
            f"whole-body presets: {', '.join(PRESETS)} (see --list-motions)")


def run_character(args: argparse.Namespace, motion: str) -> int:
    """A character motion: rig (or --rig), move the parts, fit the result to the output size."""
    from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
    from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
    from sticker_studio.core.puppet.rig import load_rig, load_rig_for
    from sticker_studio.engine.rig.auto import auto_rig

    if args.body is not None:
        from sticker_studio.core.motion.presets import get_preset

        get_preset(args.body)
    from sticker_studio.core.visibility import ensure_visible

    source = read_input(args.image)
    if args.rig is not None:  # the drawing at the size `rig` rigged it at, whatever --size asks for
        source = shrink_to_rig(source, load_rig(args.rig))
    else:
        source = shrink_for_output(source, args.size)
    sticker = ensure_alpha(source, args.background)
    ensure_visible(sticker, "the cut-out", ("the input itself is transparent",
                                            "the background removal took the subject: try another --background"))
    rgba = sticker.frames[0]
    if args.output.suffix.lower() == ".tgs":  # before rigging: nothing to rig for a file it cannot write
        raise InvalidInputError("character motions are raster animations; write .webm, .webp, .png or .gif "
                                "(a .tgs takes a whole-body preset: --motion bounce)")
    if args.rig is not None:
        rig = load_rig_for(args.rig, rgba, args.image, " here")
        rigged = ""
    else:
        rig = auto_rig(rgba)
        rigged = (f"rigged automatically: {rig.plan.value}, parts: {', '.join(rig.part_names()) or 'none'}, "
                  f"face: {', '.join(rig.face) or 'none found'}")
    mot = find_character_motion(motion)
    params = CharacterParams(amplitude=float(args.amplitude), easing=args.easing or "ease-in-out", side=args.side)
    options = AnimateOptions(frames=args.frames, fps=args.fps, speed=float(args.speed), body=args.body,
                             pixel_art=args.pixel_art, extra_effects=tuple(args.effect))
    result = animate_character(rgba, rig, motion, params, options)  # a missing part: one line, nothing before it
    if rigged:
        print(rigged, file=sys.stderr)
    ensure_visible(result, "the animation")
    if mot is not None and mot.fallback and _uses_fallback(mot.name, rig):
        print(f"note: {mot.fallback}", file=sys.stderr)
    # a square canvas (the presets' size: --size, else the drawing's longer side up to 512; pixel art its
    # largest whole multiple), cropped to where the motion goes, the drawing at --subject-size like the presets
    from sticker_studio.core.puppet.framing import frame_character, rest_box_of

    art = bool(result.metadata.get("pixel_art"))
    longer = max(rgba.shape[:2])
    side = args.size or (longer * max(1, DEFAULT_OUTPUT_SIDE // longer) if art else min(DEFAULT_OUTPUT_SIDE, longer))
    fraction = 0.8 if args.subject_size is None else (1.0 if args.subject_size == 0 else args.subject_size)
    pad = result.metadata.get("canvas_padding") or (0, 0)
    rest = rest_box_of(rgba, (int(pad[0]), int(pad[1])))  # type: ignore[index]
    result = frame_character(result, rest, max(16, side), fraction)
    path = write_output(result, args.output)
    body = f" + body {args.body}" if args.body else ""
    print(f"wrote {path} ({result.frame_count} frames, {result.width}x{result.height}, "
          f"{result.total_duration_ms} ms, motion {motion}{body})")
    return 0


def _uses_fallback(name: str, rig) -> bool:
    if name in ("nod", "head-shake", "head-tilt"):
        return not (rig.has_part("head") and "neck" in rig.joints)
    if name == "sleepy":
        return not rig.face
    return False


def write_tgs_output(sticker: Sticker, motion: str, args: argparse.Namespace) -> int:
    """The drawing traced once, the motion written as Lottie transforms (formats/tgs)."""
    from sticker_studio.core.motion.presets import get_preset
    from sticker_studio.formats.tgs.export import write_tgs
    from sticker_studio.formats.tgs.motion import MotionSettings, drawing_to_tgs

    if sticker.frame_count > 1:
        raise InvalidInputError("a .tgs is traced from a still drawing; give a still image (PNG, WebP, JPEG)")
    if args.size is not None and args.size != 512:
        raise InvalidInputError("a Telegram .tgs is always 512x512; leave out --size")
    if args.pixel_art:
        raise InvalidInputError("pixel art is not traced to vectors; export it as a video sticker (.webm)")
    preset = get_preset(motion)
    settings = MotionSettings(
        motion=preset.name, frames=args.frames, fps=args.fps, amplitude=args.amplitude, speed=args.speed,
        easing=args.easing or "ease-in-out", subject_size=args.subject_size)
    result = drawing_to_tgs(sticker.frames[0], settings, name=args.output.stem[:64])
    path = write_tgs(result, args.output)
    notes = f"; {'; '.join(result.notes)}" if result.notes else ""
    print(f"wrote {path} ({result.byte_size:,} B, {result.paths} paths, {result.keyframes} keyframes,"
          f" {result.frames} frames at 60 fps, {result.duration_ms} ms, motion {preset.name}{notes})")
    return 0


def read_input(path: Path) -> Sticker:
    """Any file the readers accept, at least 16 px a side (a tiny one: one line, exit 2)."""
    from sticker_studio.core.drawing_size import check_drawing_size
    from sticker_studio.formats.readers import read_sticker

    sticker = read_sticker(path)
    check_drawing_size(sticker, path.name)
    return sticker


def shrink_for_output(sticker: Sticker, output_side: int | None) -> Sticker:
    """Scale a drawing much larger than the output down to twice the output side.

    Motion rendering resamples once from this copy, so 2x keeps it crisp, while
    background removal (matting or colour key) on a 6000 px photo of a drawing would
    otherwise take a minute for pixels that never reach the sticker.
    """
    return shrink_to_side(sticker, 2 * (output_side or DEFAULT_OUTPUT_SIDE))


def shrink_to_rig(sticker: Sticker, rig: Rig) -> Sticker:
    """The drawing scaled down the way ``sticker-studio rig`` scaled it before rigging, so a rig made
    from this file fits it at any ``--size`` (a rig for another drawing is still refused by its size)."""
    return shrink_to_side(sticker, max(rig.width, rig.height))


def shrink_to_side(sticker: Sticker, limit: int) -> Sticker:
    """``sticker`` scaled down so its longer side is at most ``limit`` (never up)."""
    from sticker_studio.core.imageops import resize_rgba

    longer = max(sticker.width, sticker.height)
    if longer <= limit:
        return sticker
    scale = limit / longer
    w, h = max(1, round(sticker.width * scale)), max(1, round(sticker.height * scale))
    frames = [resize_rgba(f, w, h) for f in sticker.frames]
    return Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))


def ensure_alpha(sticker: Sticker, background: Background | str | None,
                 causes: tuple[str, ...] | None = None) -> Sticker:
    """Cut the subject out when the input has no useful alpha, by the one chooser the app uses too
    (:func:`~sticker_studio.engine.matting.drawing_cut.cut_drawing`); say how on stderr. ``None``:
    pixel art keyed, line art for a sketch on paper, else the model when the bundled head takes the
    layout prior, else the colour key; the model asked for by name must be there. A blank cut-out
    raises ``BlankOutputError`` with ``causes``."""
    from sticker_studio.engine.matting.cutout import MattingHeadCache
    from sticker_studio.engine.matting.drawing_cut import cut_drawing

    method = None if background is None else Background.parse(background)
    heads = None
    if method in (None, Background.MODEL):
        installed = method is Background.MODEL or matting_model_installed()  # not installed: no torch import
        heads = MattingHeadCache(_load_head) if installed else MattingHeadCache.of(None)
    try:
        cut = cut_drawing(sticker, method, heads, causes=causes or CUT_CAUSES)
    except ModelError as error:
        raise ModelError(f"{error}; use --background colour-key") from error
    if cut.pixel_art:
        print("no alpha channel: pixel art on a flat background: made that colour transparent, hard edges "
              "kept (--background model to use the model)", file=sys.stderr)
    elif cut.background is Background.MODEL:
        print("no alpha channel: removed the background with the bundled matting model", file=sys.stderr)
    elif cut.background is Background.COLOUR_KEY:
        print("no alpha channel: removed a flat background with the colour key", file=sys.stderr)
    elif cut.background is Background.LINE_ART:
        found = "a sketch on paper: " if cut.chosen else ""
        hint = " (line art; --background model to use the model)" if cut.chosen else " (line art)"
        print(f"no alpha channel: {found}made the paper transparent, closed shapes filled{hint}", file=sys.stderr)
    return cut.sticker


#: why a cut-out came out blank, as the CLI says it
CUT_CAUSES = ("the background removal took the subject with the paper: the subject is the colour of the paper "
              "— try --background none, or another --background (model, colour-key, line-art)",
              "the input itself is transparent")


def _load_head() -> object:
    from sticker_studio.engine.matting.matte import load_matting_head

    return load_matting_head()


def matting_model_installed() -> bool:
    """Whether the default matting head is on disk, checked without importing torch."""
    try:
        from sticker_studio.engine.store.hub import resolve_model
        from sticker_studio.engine.store.manifest import ModelManifest

        manifest = ModelManifest.load()
        resolve_model(manifest.default_id("matting"), manifest=manifest, download=False)
    except (ImportError, OSError, ValueError, StickerStudioError):
        return False
    return True


def write_output(sticker: Sticker, path: Path) -> Path:
    """Write with the formats package (format from the extension, atomic); pixel art as lossless WebP,
    so its palette and hard edges survive (APNG is lossless already)."""
    from sticker_studio.formats.writers import format_for_path, write_sticker

    if sticker.metadata.get("pixel_art") and format_for_path(path) == "webp":
        return write_sticker(sticker, path, lossless=True)
    return write_sticker(sticker, path)
