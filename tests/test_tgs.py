"""Telegram .tgs export (formats/tgs): rules, budget, hostile files, rlottie render vs the raster, CLI, pack."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.cli import main
from sticker_studio.core.errors import BudgetError
from sticker_studio.core.motion.presets import animate
from sticker_studio.formats.tgs import lottie
from sticker_studio.formats.tgs.export import validate_tgs_bytes
from sticker_studio.formats.tgs.motion import MotionSettings, drawing_to_tgs, plan_tgs, pose_channels, subject_samples
from sticker_studio.formats.tgs.rules import forbidden_features, off_canvas
from sticker_studio.formats.tgs.trace import DETAIL_LADDER, parse_path_data, trace_rgba

#: One quality rung (x2, a 6-colour palette for the 4-colour test face) keeps the tests fast;
#: the full search is exercised by the benchmark.
FAST = (dataclasses.replace(DETAIL_LADDER[3], palette=6),)
#: PSNR (dB) of rlottie's frames against the raster twin from core.motion.animate: measured
#: 36-39 dB on library art for affine presets (bench tgs), 34-37 on this flat test drawing.
PSNR_BAR = 30.0


def flat_drawing(side: int = 320) -> np.ndarray:
    """A flat cartoon face: an orange disc, two dark eyes, a red mouth, on transparency (anti-aliased)."""
    img = Image.new("RGBA", (side * 4, side * 4), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = side * 4 / 160
    d.ellipse((10 * s, 14 * s, 150 * s, 150 * s), fill=(250, 170, 40, 255))
    d.ellipse((45 * s, 50 * s, 65 * s, 75 * s), fill=(60, 30, 40, 255))
    d.ellipse((95 * s, 50 * s, 115 * s, 75 * s), fill=(60, 30, 40, 255))
    d.rectangle((50 * s, 100 * s, 110 * s, 118 * s), fill=(200, 30, 60, 255))
    small = img.convert("RGBa").resize((side, side), Image.Resampling.BOX).convert("RGBA")
    return np.asarray(small).copy()


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def doc_of(data: bytes) -> dict:
    return json.loads(gzip.decompress(data))


def tgs_bytes(doc: dict) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


@pytest.fixture
def fast_ladder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI and pack paths search one rung (the full search is what bench tgs measures)."""
    from sticker_studio.formats.tgs import motion

    monkeypatch.setattr(motion, "DETAIL_LADDER", FAST)


@pytest.fixture(scope="module")
def bounce() -> tuple[np.ndarray, object]:
    drawing = flat_drawing()
    return drawing, drawing_to_tgs(drawing, MotionSettings("bounce"), ladder=FAST)


# ----------------------------------------------------------------------------- the writer
def test_bounce_tgs_passes_telegram_rules(bounce) -> None:
    _, result = bounce
    assert validate_tgs_bytes(result.data) == []
    doc = doc_of(result.data)
    assert (doc["tgs"], doc["fr"], doc["w"], doc["h"], doc["ip"]) == (1, 60, 512, 512, 0)
    assert doc["op"] == 60 and result.duration_ms == 1000  # bounce: 16 frames at 16 fps = 1 s
    assert len(result.data) <= 64_000 and result.byte_size == len(result.data)
    (layer,) = doc["layers"]
    assert layer["ty"] == 4 and all(g["ty"] == "gr" for g in layer["shapes"])
    kinds = {item["ty"] for g in layer["shapes"] for item in g["it"]}
    assert kinds == {"sh", "fl", "tr"}
    assert list(forbidden_features(doc)) == []
    ks = layer["ks"]
    assert ks["p"]["a"] == 1 and ks["s"]["a"] == 1  # the hop and the squash are keyframed
    assert len(ks["p"]["k"]) < doc["op"]  # thinned, not one key per frame
    assert off_canvas(doc) is None
    colours = {tuple(round(c * 255) for c in item["c"]["k"][:3]) for g in layer["shapes"] for item in g["it"]
               if item["ty"] == "fl"}
    assert any(abs(r - 250) < 12 and abs(g - 170) < 12 and b < 70 for r, g, b in colours)  # the orange face


def test_layer_transform_reproduces_the_pose_channels_on_every_frame(bounce) -> None:
    drawing, result = bounce
    plan = plan_tgs(drawing, MotionSettings("bounce"))
    channels = pose_channels(plan, subject_samples(drawing, plan.geom))
    shown = lottie.layer_transform(channels).shown
    assert np.abs(shown.position - channels.position).max() <= 0.06
    assert np.abs(shown.scale - channels.scale).max() <= 0.06
    # the subject really moves: the hop lifts it by tens of pixels
    assert channels.position[:, 1].max() - channels.position[:, 1].min() > 20


def test_transparent_background_is_not_traced() -> None:
    paths = trace_rgba(flat_drawing(), FAST[0])
    assert paths and all(p.color != (0, 0, 0) for p in paths)
    pts = np.concatenate([s.control_points() for p in paths for s in p.subpaths])
    assert pts.min() > 10 and pts.max() < 310  # only the disc (20..300), never the square canvas


def test_path_parser_merges_the_closing_vertex() -> None:
    (sub,) = parse_path_data("M0 0 C10 0 10 10 0 10 L0 0 Z", 5, 1)
    assert sub.vertices == ((5.0, 1.0), (5.0, 11.0))
    assert sub.out_tangents[0] == (10.0, 0.0) and sub.in_tangents[1] == (10.0, 0.0)


def test_over_budget_is_refused_with_one_clear_error() -> None:
    with pytest.raises(BudgetError, match="too detailed.*limit is 300 B"):
        drawing_to_tgs(flat_drawing(), MotionSettings("pulse"), max_bytes=300, ladder=DETAIL_LADDER[-2:])


def test_loop_over_three_seconds_is_refused() -> None:
    with pytest.raises(BudgetError, match="at most 3000 ms"):
        drawing_to_tgs(flat_drawing(), MotionSettings("pulse", frames=64, fps=16), ladder=FAST)


def test_warp_presets_become_path_keyframes_or_an_affine_approximation() -> None:
    drawing = flat_drawing()
    result = drawing_to_tgs(drawing, MotionSettings("jelly"), ladder=FAST)
    assert validate_tgs_bytes(result.data) == []
    assert any("path keyframes" in n for n in result.notes)
    shapes = [i for g in doc_of(result.data)["layers"][0]["shapes"] for i in g["it"] if i["ty"] == "sh"]
    assert all(sh["ks"]["a"] == 1 for sh in shapes)  # every contour bends with the warp
    # when warped paths cannot fit the budget, the warp becomes the closest layer transform
    static_size = drawing_to_tgs(drawing, MotionSettings("wobble"), ladder=FAST).byte_size
    small = drawing_to_tgs(drawing, MotionSettings("jelly"), ladder=FAST, max_bytes=static_size + 1500)
    assert any("mesh warp approximated" in n for n in small.notes)
    assert doc_of(small.data)["layers"][0]["ks"]["r"]["a"] == 1  # the late sway of the top became a rock


# ----------------------------------------------------------------------------- hostile files
def _good_doc(bounce) -> dict:
    return doc_of(bounce[1].data)


@pytest.mark.parametrize("change, rule", [
    (lambda d: d.update(fr=30), "tgs.fps"),
    (lambda d: d.update(w=256), "size.canvas"),
    (lambda d: d.update(op=240), "duration.max"),
    (lambda d: d["layers"].append({"ty": 2, "ind": 9, "refId": "img", "ks": {}}) or d["assets"].append(
        {"id": "img", "w": 10, "h": 10, "p": "data:image/png;base64,AAAA", "u": ""}), "tgs.forbidden"),
    (lambda d: d["layers"][0]["ks"]["r"].update(x="wiggle(2, 30)"), "tgs.forbidden"),
    (lambda d: d["layers"][0].update(hasMask=True, masksProperties=[{"mode": "a"}]), "tgs.forbidden"),
    (lambda d: d["layers"][0]["shapes"].append({"ty": "rp", "c": {"a": 0, "k": 3}}), "tgs.forbidden"),
    (lambda d: d["layers"][0]["ks"].update(p={"a": 0, "k": [900, 256, 0]}), "tgs.on_canvas"),
    (lambda d: d.pop("tgs"), "tgs.json"),
])
def test_validator_names_each_broken_rule(bounce, change, rule: str) -> None:
    doc = _good_doc(bounce)
    change(doc)
    assert rule in {v.rule for v in validate_tgs_bytes(tgs_bytes(doc))}


def test_validator_refuses_non_gzip_bombs_and_oversize(bounce) -> None:
    assert [v.rule for v in validate_tgs_bytes(b"{\"layers\": []}")] == ["container.format"]
    bomb = gzip.compress(b"[" * 10 + b" " * (8 * 1024 * 1024))  # 8 MiB of JSON in a few KB
    assert len(bomb) < 64_000 and [v.rule for v in validate_tgs_bytes(bomb)] == ["tgs.json"]
    assert [v.rule for v in validate_tgs_bytes(b"\x1f\x8b\x08\x00garbage")] == ["container.format"]
    doc = _good_doc(bounce)
    doc["nm"] = np.random.default_rng(0).bytes(90_000).hex()  # incompressible padding
    assert "bytes.max" in {v.rule for v in validate_tgs_bytes(tgs_bytes(doc))}


def test_cli_validate_tgs(tmp_path: Path, capsys, bounce) -> None:
    good = tmp_path / "good.tgs"
    good.write_bytes(bounce[1].data)
    code, out, _ = run_cli(capsys, "validate", good, "--target", "telegram-tgs")
    assert code == 0 and "valid for telegram-tgs" in out
    bad = tmp_path / "bad.tgs"
    doc = _good_doc(bounce)
    doc["layers"].append({"ty": 5, "ind": 7, "ks": {}, "t": {"d": {"k": []}}})
    bad.write_bytes(tgs_bytes(doc))
    code, out, _ = run_cli(capsys, "validate", bad, "--target", "telegram-tgs")
    assert code == 1 and "tgs.forbidden" in out and "text layer" in out


# ----------------------------------------------------------------------------- rendering
def test_rlottie_render_matches_the_raster_sticker(bounce) -> None:
    pytest.importorskip("rlottie_python")
    from sticker_studio.formats.tgs.render import frames_psnr, render_tgs

    drawing, result = bounce
    raster = animate(drawing, "bounce", **result.reference)
    picks = [0, 13, 27, 41, 55]
    rendered = render_tgs(result.data, picks)
    assert rendered[0].shape == (512, 512, 4)
    assert rendered[0][0, 0, 3] == 0 and rendered[0][256, 256, 3] == 255  # transparent around, solid subject
    psnr = frames_psnr(rendered, [raster.frames[i] for i in picks])
    assert psnr > PSNR_BAR, psnr
    # a wrong frame pairing scores worse: the comparison sees the motion
    shifted = frames_psnr(rendered, [raster.frames[(i + 15) % 60] for i in picks])
    assert shifted < psnr - 3


# ----------------------------------------------------------------------------- CLI and pack
def test_cli_animate_tgs_and_budget_error(tmp_path: Path, capsys, fast_ladder) -> None:
    src = tmp_path / "face.png"
    Image.fromarray(flat_drawing(120)).save(src)
    out = tmp_path / "face.tgs"
    code, text, err = run_cli(capsys, "animate", src, "--motion", "spin", "-o", out)
    assert code == 0, err
    assert "motion spin" in text and validate_tgs_bytes(out.read_bytes()) == []
    code, _, err = run_cli(capsys, "animate", src, "--motion", "spin", "--frames", "80", "-o", tmp_path / "x.tgs")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "3000 ms" in err
    assert not (tmp_path / "x.tgs").exists()


def test_export_animation_to_tgs_only_when_traceable(tmp_path: Path, capsys, fast_ladder) -> None:
    still = tmp_path / "still.png"
    Image.fromarray(flat_drawing(120)).save(still)
    code, text, err = run_cli(capsys, "export", still, "--target", "telegram-tgs", "-o", tmp_path / "still.tgs")
    assert code == 0, err
    assert validate_tgs_bytes((tmp_path / "still.tgs").read_bytes()) == []
    rng = np.random.default_rng(1)
    noise = [rng.integers(0, 255, (64, 64, 4), dtype=np.uint8) for _ in range(4)]
    frames = [np.concatenate([n[..., :3], np.full((64, 64, 1), 255, np.uint8)], -1) for n in noise]
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.writers import write_sticker

    write_sticker(Sticker(frames, [100] * 4), tmp_path / "noise.png")
    code, _, err = run_cli(capsys, "export", tmp_path / "noise.png", "--target", "telegram-tgs",
                           "-o", tmp_path / "noise.tgs")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "cannot be a vector .tgs" in err
    assert not (tmp_path / "noise.tgs").exists()


def test_pack_keeps_the_drawing_and_exports_tgs(tmp_path: Path, capsys, fast_ladder) -> None:
    from sticker_studio.core.pack.pack import StickerPack

    src = tmp_path / "face.png"
    Image.fromarray(flat_drawing(120)).save(src)
    pack_dir = tmp_path / "pack"
    assert run_cli(capsys, "pack", "create", pack_dir, "--title", "Faces")[0] == 0
    assert run_cli(capsys, "pack", "add", pack_dir, src, "--motion", "wobble", "--emoji", "😀")[0] == 0
    record = json.loads((pack_dir / "pack.json").read_text())["stickers"][0]
    meta = record["metadata"]
    assert meta["motion_args"]["motion"] == "wobble" and meta["motion_source"] not in record["frames"]
    assert (pack_dir / "stickers" / record["id"] / meta["motion_source"]).is_file()
    pack = StickerPack.open(pack_dir)  # reopening keeps the drawing's file (it is referenced)
    pack.close()
    assert (pack_dir / "stickers" / record["id"] / meta["motion_source"]).is_file()
    code, out, err = run_cli(capsys, "pack", "export", pack_dir, "-t", "telegram-tgs", "-o", tmp_path / "out")
    assert code == 0, err
    files = sorted(p.name for p in (tmp_path / "out" / "telegram-tgs").iterdir())
    assert files == [".sticker-studio-export.json", "01_face.tgs", "telegram.json", "thumbnail.png"]
    data = (tmp_path / "out" / "telegram-tgs" / "01_face.tgs").read_bytes()
    assert validate_tgs_bytes(data) == []
    assert doc_of(data)["layers"][0]["ks"]["r"]["a"] == 1  # wobble rocks: rotation keyframes
    index = json.loads((tmp_path / "out" / "telegram-tgs" / "telegram.json").read_text())
    assert index["stickers"][0]["format"] == "animated"
