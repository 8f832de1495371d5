"""`pack add DIR drawing.png --motion wave`: a character motion (the puppet engine) as a pack sticker.

The drawing is rigged automatically (the learned rig and the geometry, like ``animate``)
or with ``--rig rig.json``, animated, framed at the pack's subject size on a 512 canvas,
and the sticker keeps the drawing, the rig and the motion in its metadata
(:mod:`sticker_studio.core.puppet.stored`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, background_type

#: The pack's stickers are this square (the preset path's size too).
PACK_SIDE = 512


def add_arguments(add: argparse.ArgumentParser) -> None:
    """The character-motion options of ``pack add``."""
    add.add_argument("--rig", type=Path, default=None, metavar="RIG",
                     help="with a character --motion: a rig JSON from `sticker-studio rig` (default: rigged "
                          "automatically)")
    add.add_argument("--body", default=None, metavar="PRESET",
                     help="with a character --motion: a whole-body preset (bounce, jelly...) stacked on it")
    add.add_argument("--effect", action="append", default=[], metavar="KIND",
                     help="with a character --motion: an effect drawn through the loop (tears, zzz, hearts, "
                          "sparkles...); repeatable")
    add.add_argument("--background", type=background_type, default=None, metavar="METHOD",
                     help="for a still drawing without alpha (on paper), animated or not: model, colour-key, "
                          "line-art or none to keep the paper (see animate --background; default: cut out "
                          "like animate)")


def drawing_for_motion(sticker: Sticker, background: Background | None) -> Sticker:
    """The still ``sticker`` that ``--motion`` animates, like ``animate`` takes it: at most twice the
    pack's side (the size ``sticker-studio rig`` rigs at) and cut out when it has no alpha, so a
    drawing on paper does not move as a white rectangle."""
    from sticker_studio.cli.cmd_animate import ensure_alpha, shrink_for_output
    from sticker_studio.core.visibility import ensure_visible

    if sticker.frame_count > 1:
        raise InvalidInputError("--motion animates a still drawing; FILE is already animated")
    cut = ensure_alpha(shrink_for_output(sticker, PACK_SIDE), background)
    ensure_visible(cut, "the cut-out", ("the input itself is transparent",
                                        "the background removal took the subject: try another --background"))
    return cut


def still_for_pack(sticker: Sticker, background: Background | None) -> tuple[Sticker, str]:
    """``sticker`` as ``pack add`` (without ``--motion``) keeps it, and what was done ("" when kept).

    A drawing without useful alpha (on paper), a still or an animation (a GIF on white), is cut out
    by the chooser ``animate`` and the app share
    (:func:`~sticker_studio.engine.matting.drawing_cut.cut_drawing`), so it is not exported as a
    white square; an image with transparency and ``--background none`` are kept as they are. A
    blank cut-out is an error."""
    from sticker_studio.cli.cmd_animate import ensure_alpha, shrink_for_output
    from sticker_studio.engine.matting.cutout import needs_cut_out
    from sticker_studio.engine.matting.drawing_cut import paper_name

    if background is Background.NONE or not needs_cut_out(sticker):
        return sticker, ""
    cut = ensure_alpha(shrink_for_output(sticker, PACK_SIDE), background)
    return cut, f"cut out from its {paper_name(sticker.frames[0])}"


def is_character_motion(name: str | None) -> bool:
    from sticker_studio.core.puppet.motions import find_character_motion

    return bool(name) and find_character_motion(str(name)) is not None


def character_pack_sticker(sticker: Sticker, args: argparse.Namespace, subject_size: float) -> Sticker:
    """The still ``sticker`` animated with the character motion ``args.motion`` for a pack."""
    from sticker_studio.core.imageops import resize_rgba
    from sticker_studio.core.puppet.motions import find_character_motion
    from sticker_studio.core.puppet.rig import load_rig_for
    from sticker_studio.core.puppet.stored import CharacterSettings, character_sticker

    if sticker.frame_count > 1:
        raise InvalidInputError("--motion animates a still drawing; FILE is already animated")
    motion = find_character_motion(args.motion)
    assert motion is not None
    if args.body is not None:
        from sticker_studio.core.motion.presets import get_preset

        get_preset(args.body)  # an unknown preset: one line before any rigging
    drawing = sticker.frames[0]
    if args.rig is not None:
        rig = load_rig_for(args.rig, drawing, args.file)
        rigged = ""
    else:
        longer = max(drawing.shape[:2])
        if longer > 2 * PACK_SIDE:  # the sticker is 512: rig and move a copy at twice that, not a 6000 px scan
            f = 2 * PACK_SIDE / longer
            drawing = resize_rgba(drawing, max(1, round(drawing.shape[1] * f)), max(1, round(drawing.shape[0] * f)))
        from sticker_studio.engine.rig.auto import auto_rig

        rig = auto_rig(drawing)
        rigged = (f"rigged automatically: {rig.plan.value}, parts: {', '.join(rig.part_names()) or 'none'}, "
                  f"face: {', '.join(rig.face) or 'none found'}")
    settings = CharacterSettings(motion=motion.name, body=args.body, effects=tuple(args.effect),
                                 size=PACK_SIDE, subject_size=subject_size, pixel_art=args.pixel_art)
    made = character_sticker(drawing, rig, settings)  # a missing part: one line naming it
    if rigged:
        print(rigged, file=sys.stderr)
    return made


def refuse_character_only_options(args: argparse.Namespace) -> None:
    """``--rig``, ``--body`` and ``--effect`` go with a character motion only."""
    used = [name for name, value in (("--rig", args.rig), ("--body", args.body), ("--effect", args.effect))
            if value]
    if used:
        raise InvalidInputError(f"{' and '.join(used)}: only with a character --motion (wave, blink, hop...); "
                                "see `sticker-studio animate --list-motions`")
