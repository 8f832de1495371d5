"""Render the hand-labelled real-art rig set (``tests/data/rig_real``) from OpenMoji.

The art is OpenMoji (https://openmoji.org, CC BY-SA 4.0), taken from the ``openmoji``
npm package (``npm pack openmoji``; the licence is the package's ``LICENSE.txt``). The
project trains on Fluent Emoji and Noto Emoji, never on this set: it is an evaluation
set only. Each character is rendered at 512x512 RGBA with the project's SVG renderer
(resvg) and written as an optimised PNG; ``ATTRIBUTION.md`` lists every file with its
emoji, code points and OpenMoji author.

Run: ``python scripts/build_rig_real.py PATH/TO/openmoji/package``. Existing PNGs are
overwritten; ``labels.json`` is never touched (label with ``scripts/label_rig.py``).
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

from PIL import Image

from sticker_studio.core.atomic import atomic_write_bytes, atomic_write_text
from sticker_studio.formats.svg_render import render_svg

SIZE = 512
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "rig_real"

# (file stem, OpenMoji hexcode)
ITEMS: list[tuple[str, str]] = [
    # people, full body
    ("person_standing", "1F9CD"),
    ("person_walking", "1F6B6"),
    ("person_running", "1F3C3"),
    ("woman_dancing", "1F483"),
    ("man_dancing", "1F57A"),
    ("person_cartwheeling", "1F938"),
    ("person_lotus", "1F9D8"),
    ("person_kneeling", "1F9CE"),
    ("superhero", "1F9B8"),
    ("zombie", "1F9DF"),
    ("vampire", "1F9DB"),
    # animals
    ("cat", "1F408"),
    ("dog", "1F415"),
    ("monkey", "1F412"),
    ("mouse", "1F401"),
    ("rabbit", "1F407"),
    ("fox", "1F98A"),
    ("bear", "1F43B"),
    ("tiger", "1F405"),
    ("horse", "1F40E"),
    ("cow", "1F404"),
    ("pig", "1F416"),
    ("kangaroo", "1F998"),
    ("penguin", "1F427"),
    ("poodle", "1F429"),
    ("raccoon", "1F99D"),
    ("cat_face", "1F431"),
    ("rabbit_face", "1F430"),
    ("mouse_face", "1F42D"),
    # creatures
    ("robot", "1F916"),
    ("ghost", "1F47B"),
    ("alien", "1F47D"),
    ("alien_monster", "1F47E"),
    ("unicorn", "1F984"),
    ("t_rex", "1F996"),
    ("sauropod", "1F995"),
    # face blobs
    ("grinning_face", "1F600"),
    ("smiling_face", "1F60A"),
    ("winking_face", "1F609"),
    ("sleeping_face", "1F634"),
    ("crying_face", "1F622"),
    ("pouting_face", "1F621"),
    ("open_mouth_face", "1F62E"),
    ("pile_of_poo", "1F4A9"),
    # objects
    ("snowman", "26C4"),
    ("jack_o_lantern", "1F383"),
    ("teddy_bear", "1F9F8"),
    ("red_apple", "1F34E"),
]


def png_bytes(rgba: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "PNG", optimize=True)  # type: ignore[arg-type]
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the unpacked openmoji npm package folder")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="file stems to render (default: all)")
    args = parser.parse_args()
    meta = {e["hexcode"]: e for e in json.loads((args.package / "data" / "openmoji.json").read_text("utf-8"))}
    version = json.loads((args.package / "package.json").read_text("utf-8"))["version"]
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for stem, hexcode in ITEMS:
        entry = meta[hexcode]
        if not args.only or stem in args.only:
            svg = (args.package / "color" / "svg" / f"{hexcode}.svg").read_text("utf-8")
            atomic_write_bytes(args.out / f"{stem}.png", png_bytes(render_svg(svg, SIZE)))
        rows.append(f"| {stem}.png | {entry['emoji']} {entry['annotation']} | {hexcode} | {entry['openmoji_author']} |")
    licence = (args.package / "LICENSE.txt").read_text("utf-8")
    atomic_write_text(args.out / "LICENSE.txt", licence)
    text = (
        "# Attribution\n\n"
        f"The images in this folder are renders (512x512 RGBA, resvg) of OpenMoji {version} emoji,\n"
        "\"OpenMoji – the open-source emoji and icon project\", https://openmoji.org,\n"
        "by the OpenMoji authors named below, licensed under CC BY-SA 4.0\n"
        "(https://creativecommons.org/licenses/by-sa/4.0/, full text in LICENSE.txt).\n"
        "Changes: rasterised from the SVG at 512x512; nothing else.\n"
        "These renders and labels.json are shared under the same licence (CC BY-SA 4.0).\n"
        "They are an evaluation set for the automatic rig: never train on them.\n\n"
        "| file | emoji | code points | OpenMoji author |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    )
    atomic_write_text(args.out / "ATTRIBUTION.md", text)
    print(f"{len(ITEMS)} items -> {args.out}")


if __name__ == "__main__":
    main()
