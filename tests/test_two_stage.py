"""Two-stage text -> sticker: prompt words, recolour, retrieval, motion source choice, the CLI default."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.recolour import dominant_colour, needs_recolour, recolour
from sticker_studio.core.text.art_library import (
    INDEX_FILE,
    INDEX_SCHEMA,
    ArtLibrary,
    icon_svg,
    write_xz_json,
)
from sticker_studio.core.text.prompt_words import DEFAULT_MOTION, parse_prompt
from sticker_studio.engine.generate.motion_choice import (
    ADHERENCE_FILE,
    ADHERENCE_SCHEMA,
    choose_motion_source,
    read_motion_adherence,
)
from sticker_studio.formats.svg_render import render_svg
from sticker_studio.paths import resources_dir


# ------------------------------------------------------------------ prompt words
@pytest.mark.parametrize("prompt, subject, colour, motion", [
    ("a red heart beating", "heart", "red", "heartbeat"),
    ("ghost floating", "ghost", None, "float"),
    ("a cat riding a bicycle", "cat", None, DEFAULT_MOTION),
    ("A Blue Cat waving", "cat", "blue", "sway"),
    ("a golden star spinning round and round", "star", "gold", "spin"),
    ("dancing green dragon", "dragon", "green", "wobble"),
    ("a pink dog with a hat nodding", "dog", "pink", "nod"),
    ("a grey elephant shaking", "elephant", "grey", "shake"),
    ("no entry", "no entry", None, DEFAULT_MOTION),   # "no" is not a head shake here
    ("a fly", "fly", None, DEFAULT_MOTION),            # nor "fly" a motion
    ("a rock that can fly", "rock", None, "float"),
    ("a rocket jumping up and down", "rocket", None, "jump"),
])
def test_parse_prompt(prompt: str, subject: str, colour: str | None, motion: str) -> None:
    parts = parse_prompt(prompt)
    assert (parts.subject, parts.colour, parts.motion) == (subject, colour, motion)


def test_without_motion_drops_only_motion_words() -> None:
    parts = parse_prompt("a red heart beating")
    assert parts.without_motion == "a red heart" and parts.motion_word == "beating"
    assert not parse_prompt("a cat").motion_named


# ------------------------------------------------------------------ recolour
def _disc(fill: tuple[int, int, int], side: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side]
    r = np.hypot(yy - side / 2, xx - side / 2)
    img = np.zeros((side, side, 4), np.uint8)
    img[r < 28] = (20, 20, 20, 255)             # outline
    img[r < 24] = (*fill, 255)                  # body
    img[(r < 24) & (yy > side / 2 + 8)] = (int(fill[0] * 0.7), int(fill[1] * 0.7), int(fill[2] * 0.7), 255)  # shade
    img[(r < 5)] = (250, 250, 250, 255)          # a white highlight
    return img


def test_recolour_moves_the_dominant_family_and_keeps_outline_shading_and_alpha() -> None:
    img = _disc((243, 150, 60))                  # orange
    dom = dominant_colour(img)
    assert dom.name == "orange" and needs_recolour(dom, "blue") and not needs_recolour(dom, "gold")
    out = recolour(img, "blue", dom)
    assert np.array_equal(out[..., 3], img[..., 3])
    assert dominant_colour(out).name == "blue"
    assert tuple(out[32, 32 - 26, :3]) == (20, 20, 20)      # outline untouched
    assert tuple(out[32, 32, :3]) == (250, 250, 250)        # highlight untouched
    body, shade = out[20, 32, :3].astype(int), out[50, 32, :3].astype(int)
    assert body[2] > body[0] and shade.sum() < body.sum()   # blue, and the shade stays darker


def test_recolour_tints_an_achromatic_subject_and_greys_a_coloured_one() -> None:
    ghost = _disc((235, 235, 240))
    assert dominant_colour(ghost).hue is None
    green = recolour(ghost, "green")
    assert dominant_colour(green).name == "green"
    grey = recolour(_disc((220, 40, 40)), "grey")
    assert dominant_colour(grey).name in ("grey", "white")


# ------------------------------------------------------------------ motion source
def test_bundled_adherence_file_says_presets_win_today() -> None:
    folder = resources_dir() / "models" / "dfgn-sticker-64"
    adherence = read_motion_adherence(folder)
    assert adherence is not None and adherence.overall is not None and adherence.overall.adherence == 0.25
    for motion in ("wave", "bounce", "heartbeat", "float", "pulse", "spin"):
        choice = choose_motion_source(motion, adherence)
        assert choice.source == "preset" and "adherence" in choice.reason


def test_adherence_schema_and_choice(tmp_path: Path) -> None:
    (tmp_path / ADHERENCE_FILE).write_text(json.dumps({
        "schema": ADHERENCE_SCHEMA, "model": "m", "overall": {"adherence": 0.5, "trials": 40},
        "motions": {"wave": 0.92, "spin": {"adherence": 1.0, "trials": 2}},
    }))
    adherence = read_motion_adherence(tmp_path)
    assert choose_motion_source("wave", adherence).source == "model"
    assert choose_motion_source("spin", adherence).source == "preset"     # too few trials
    assert choose_motion_source("bounce", adherence).source == "preset"   # overall figure
    assert choose_motion_source("wave", adherence, "preset").source == "preset"
    assert choose_motion_source("wave", None).source == "preset"
    assert read_motion_adherence(tmp_path / "nothing") is None


# ------------------------------------------------------------------ art library + retrieval
def test_icon_svg_follows_aliases_and_renders_crisply() -> None:
    icons = {"prefix": "t", "width": 16, "height": 16,
             "icons": {"arrow": {"body": '<path fill="#f00" d="M0 0h8v16H0z"/>'}},
             "aliases": {"arrow-right": {"parent": "arrow", "hFlip": True}}}
    left = render_svg(icon_svg(icons, "arrow"), 64)
    right = render_svg(icon_svg(icons, "arrow-right"), 64)
    assert left.shape == (64, 64, 4) and left[32, 10, 3] == 255 and left[32, 54, 3] == 0
    assert right[32, 54, 3] == 255 and right[32, 10, 3] == 0
    assert set(np.unique(left[..., 3])) <= {0, 255}  # axis-aligned edges: no blur


def test_bundled_library_is_consistent() -> None:
    lib = ArtLibrary.load()
    assert len(lib.entries) > 1500
    heart = lib.find("red heart")
    assert heart is not None and set(heart.icons) == {"fluent-emoji-flat", "noto"}
    for style in heart.icons:
        rgba = render_svg(lib.svg(heart, style), 96)
        assert dominant_colour(rgba).name == "red"
    assert "Apache-2.0" in lib.info["sources"]["noto"] and "MIT" in lib.info["sources"]["fluent-emoji-flat"]
    assert (lib.folder / "NOTICE.md").is_file()


@pytest.fixture(scope="module")
def tiny_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six subjects, including the two the issue's probe got wrong (bicycle, coffin)."""
    from sticker_studio.training.data.build_art_library import write_embeddings

    folder = tmp_path_factory.mktemp("art")
    subjects = [("cat", ["cat", "pet"], "#f3ad61"), ("bicycle", ["bicycle", "bike", "ride"], "#888888"),
                ("ghost", ["ghost", "halloween", "spooky"], "#eeeeee"), ("coffin", ["death", "vampire"], "#553322"),
                ("red heart", ["heart", "love"], "#e02030"), ("rocket", ["space", "launch"], "#cccccc")]
    body = '<circle cx="8" cy="8" r="7" fill="{}"/>'
    icons = {"prefix": "fluent-emoji-flat", "width": 16, "height": 16, "aliases": {},
             "icons": {label.replace(" ", "-"): {"body": body.format(c)} for label, _, c in subjects}}
    write_xz_json(folder / "fluent-emoji-flat.json.xz", icons)
    entries = [{"key": f"{i:x}", "emoji": "?", "label": label, "tags": tags, "group": "",
                "icons": {"fluent-emoji-flat": label.replace(" ", "-")}} for i, (label, tags, _) in enumerate(subjects)]
    write_xz_json(folder / INDEX_FILE, {"schema": INDEX_SCHEMA, "sources": {}, "entries": entries})
    write_embeddings(folder, entries)
    return folder


@pytest.mark.parametrize("prompt, best", [
    ("a cat riding a bicycle", "cat"), ("ghost floating", "ghost"), ("a red heart beating", "red heart"),
    ("a bike", "bicycle"), ("spaceship launching", "rocket"), ("a kitten", "cat"),
])
def test_retrieval_prefers_the_subject_noun(tiny_library: Path, prompt: str, best: str) -> None:
    from sticker_studio.engine.generate.art_retrieval import ArtIndex

    found = ArtIndex.load(tiny_library).search(prompt, k=3)
    assert found[0].entry.label == best, [(c.entry.label, round(c.score, 3)) for c in found]
    assert found[0].score > found[1].score


def test_pick_subject_recolours_on_a_contradicting_colour(tiny_library: Path) -> None:
    from sticker_studio.engine.generate.two_stage import pick_scene, pick_subject

    blue = pick_subject("a blue cat waving", library_folder=tiny_library, size=64, count=3)
    assert blue.label == "cat" and blue.recoloured == "blue" and dominant_colour(blue.rgba).name == "blue"
    red = pick_subject("a red heart beating", library_folder=tiny_library, size=64, count=3)
    assert red.label == "red heart" and red.recoloured is None
    other = pick_subject("a cat riding a bicycle", candidate=1, library_folder=tiny_library, size=64, count=3)
    assert other.label != "cat"  # the next candidate for the main subject
    scene = pick_scene("a cat riding a bicycle", library_folder=tiny_library, size=64, count=3)
    assert (scene.main.label, scene.second and scene.second.label) == ("cat", "bicycle")


# ------------------------------------------------------------------ CLI default path, end to end
def test_cli_generate_default_is_two_stage_and_deterministic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sticker_studio.cli import main
    from sticker_studio.formats.readers import read_sticker

    outs = [tmp_path / "a.webp", tmp_path / "b.webp"]
    for out in outs:
        assert main(["generate", "a purple heart beating", "--size", "128", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "made a purple heart, beating" in text and "motion preset" not in text  # artists' words
    assert outs[0].read_bytes() == outs[1].read_bytes()
    sticker = read_sticker(outs[0])
    assert sticker.width == 128 and sticker.frame_count > 4
    alpha = np.stack([f[..., 3] for f in sticker.frames])
    assert alpha.min() == 0 and alpha.max() == 255           # a cut-out on transparency
    assert main(["generate", "a purple heart beating", "--size", "64", "-o", str(tmp_path / "v.webp"), "-v"]) == 0
    text = capsys.readouterr().out
    assert "subject:" in text and "purple heart" in text and "motion: heartbeat by motion preset" in text
    assert main(["generate", "a green cat", "--candidates", "-o", str(tmp_path / "c.webp")]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].startswith("* 0") and "cat" in listing[0] and len(listing) > 3
    assert not (tmp_path / "c.webp").exists()


def test_cli_two_stage_refuses_an_empty_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    assert main(["generate", "", "-o", str(tmp_path / "x.webp")]) == 2
    assert "say what the sticker shows" in capsys.readouterr().err
