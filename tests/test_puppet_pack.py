"""Character motions in packs (`pack add --motion wave`), their stored drawing/rig/motion, and framing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.puppet import propose_rig, save_rig
from sticker_studio.core.puppet.framing import frame_character, rest_box_of
from sticker_studio.core.puppet.stored import (
    CharacterSettings,
    character_sticker,
    is_character_sticker,
    remake_character_sticker,
    rig_from_metadata,
    rig_to_metadata,
)
from sticker_studio.core.sticker import Sticker


def _figure(side: int = 160) -> np.ndarray:
    """A plain humanoid (head with eyes and a mouth, body, arms out, legs), as tests/test_puppet.py draws it."""
    im = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    k = side / 192
    skin, shirt, out = (240, 190, 120, 255), (60, 120, 220, 255), (40, 30, 30, 255)
    d.line([(96 * k, 150 * k), (76 * k, 184 * k)], fill=(50, 50, 80, 255), width=int(14 * k))
    d.line([(96 * k, 150 * k), (116 * k, 184 * k)], fill=(50, 50, 80, 255), width=int(14 * k))
    d.line([(80 * k, 96 * k), (30 * k, 130 * k)], fill=skin, width=int(12 * k))
    d.line([(112 * k, 96 * k), (162 * k, 130 * k)], fill=skin, width=int(12 * k))
    d.ellipse([70 * k, 84 * k, 122 * k, 160 * k], fill=shirt, outline=out, width=2)
    d.ellipse([62 * k, 12 * k, 130 * k, 84 * k], fill=skin, outline=out, width=2)
    d.ellipse([78 * k, 38 * k, 88 * k, 50 * k], fill=(20, 20, 20, 255))
    d.ellipse([104 * k, 38 * k, 114 * k, 50 * k], fill=(20, 20, 20, 255))
    d.ellipse([86 * k, 62 * k, 106 * k, 72 * k], fill=(150, 40, 50, 255))
    return np.asarray(im).copy()


def _blob(side: int = 128) -> np.ndarray:
    im = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([10, 10, side - 10, side - 10], fill=(250, 200, 40, 255), outline=(120, 80, 0, 255), width=3)
    d.ellipse([40, 45, 52, 60], fill=(30, 30, 30, 255))
    d.ellipse([76, 45, 88, 60], fill=(30, 30, 30, 255))
    d.ellipse([48, 80, 80, 92], fill=(140, 30, 40, 255))
    return np.asarray(im).copy()


def _box(frame: np.ndarray, level: int = 0) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(frame[..., 3] > level)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


@pytest.fixture()
def drawn(tmp_path: Path) -> tuple[Path, Path, np.ndarray]:
    fig = _figure()
    src = tmp_path / "fig.png"
    Image.fromarray(fig).save(src)
    rig_path = save_rig(propose_rig(fig), tmp_path / "fig.rig.json")
    return src, rig_path, fig


def test_pack_add_character_motion_keeps_drawing_rig_and_motion(tmp_path: Path, drawn, capsys) -> None:
    from sticker_studio.cli import main
    from sticker_studio.core.pack.pack import StickerPack

    src, rig_path, fig = drawn
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Figures"]) == 0
    assert main(["pack", "add", str(folder), str(src), "--motion", "wave", "--rig", str(rig_path)]) == 0
    assert "character motion wave" in capsys.readouterr().out
    pack = StickerPack.open(folder)
    (entry,) = list(pack)
    s = entry.sticker
    assert (s.width, s.height) == (512, 512) and s.frame_count > 4
    assert len({f.tobytes() for f in s.frames}) > 4  # it moves
    assert list(entry.emojis) == ["👋"]  # suggested from the motion: an arm wave
    meta = s.metadata
    assert meta["motion"] == "wave" and is_character_sticker(meta)
    assert meta["motion_args"]["character"] is True and meta["motion_args"]["subject_size"] == pack.subject_size
    # the drawing is kept beside the frames, the rig inline (its part map too)
    stored = json.loads((folder / "pack.json").read_text())["stickers"][0]["metadata"]
    assert (folder / "stickers" / entry.id / stored["motion_source"]).is_file()
    rig = rig_from_metadata(meta["rig"])
    assert rig.parts is not None and rig.has_part("arm_r")
    # ... and make the same sticker again
    from sticker_studio.formats.tgs.export import motion_source

    drawing = motion_source(s, folder, entry.id)
    assert drawing is not None and np.array_equal(drawing, fig)
    again = remake_character_sticker(meta, drawing)
    assert again.frame_count == s.frame_count
    assert all(np.array_equal(a, b) for a, b in zip(again.frames, s.frames, strict=True))
    # the subject's longer side at rest is the pack's subject size of the canvas, like the presets
    x0, y0, x1, y1 = _box(s.frames[0])
    assert abs(max(x1 - x0, y1 - y0) - pack.subject_size * 512) <= 3


def test_pack_character_sticker_refuses_tgs_with_one_line(tmp_path: Path, drawn, capsys) -> None:
    from sticker_studio.cli import main

    src, rig_path, _ = drawn
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Figures"]) == 0
    assert main(["pack", "add", str(folder), str(src), "--motion", "hop", "--rig", str(rig_path)]) == 0
    capsys.readouterr()
    code = main(["pack", "export", str(folder), "-t", "telegram-tgs", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "character motion 'hop'" in err and "telegram target" in err
    assert not (tmp_path / "out" / "telegram-tgs").exists()


def test_pack_add_missing_part_is_one_line_and_adds_nothing(tmp_path: Path, capsys) -> None:
    from sticker_studio.cli import main
    from sticker_studio.core.pack.pack import StickerPack

    blob = _blob()
    src = tmp_path / "blob.png"
    Image.fromarray(blob).save(src)
    rig_path = save_rig(propose_rig(blob), tmp_path / "blob.rig.json")
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Blobs"]) == 0
    capsys.readouterr()
    code = main(["pack", "add", str(folder), str(src), "--motion", "wave", "--rig", str(rig_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "needs an arm" in err[0]
    assert len(StickerPack.open(folder)) == 0
    # a blob still blinks
    assert main(["pack", "add", str(folder), str(src), "--motion", "blink", "--rig", str(rig_path)]) == 0
    assert len(StickerPack.open(folder)) == 1


def test_character_options_need_a_character_motion(tmp_path: Path, drawn, capsys) -> None:
    from sticker_studio.cli import main

    src, rig_path, _ = drawn
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Figures"]) == 0
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(src), "--motion", "bounce", "--rig", str(rig_path)]) == 2
    assert "only with a character --motion" in capsys.readouterr().err
    assert main(["pack", "add", str(folder), str(src), "--motion", "bounce"]) == 0  # the preset path is unchanged


def test_rig_survives_the_metadata_round_trip() -> None:
    fig = _figure()
    rig = propose_rig(fig)
    back = rig_from_metadata(json.loads(json.dumps(rig_to_metadata(rig))))
    assert back.plan == rig.plan and set(back.joints) == set(rig.joints) and set(back.face) == set(rig.face)
    assert back.parts is not None and rig.parts is not None and np.array_equal(back.parts, rig.parts)
    assert max(abs(back.joints[n].x - j.x) for n, j in rig.joints.items()) < 1e-3


def test_wide_drawing_fills_the_canvas_like_the_presets() -> None:
    """A wide drawing with wide transparent margins: the subject, not the canvas, sets the size."""
    fig = _figure(120)
    wide = np.zeros((400, 700, 4), np.uint8)
    wide[140:260, 290:410] = fig
    rig = propose_rig(wide)
    sticker = character_sticker(wide, rig, CharacterSettings(motion="hop", frames=8, size=256, subject_size=0.8))
    assert (sticker.width, sticker.height) == (256, 256)
    union = np.zeros((256, 256), bool)
    for f in sticker.frames:
        union |= f[..., 3] > 0
    ys, xs = np.nonzero(union)
    # the motion fits with the margin, centred
    assert xs.min() >= 4 and ys.min() >= 4 and xs.max() <= 251 and ys.max() <= 251
    assert abs((xs.min() + xs.max()) / 2 - 127.5) <= 2 and abs((ys.min() + ys.max()) / 2 - 127.5) <= 2
    x0, y0, x1, y1 = _box(sticker.frames[0], 127)
    rest = max(x1 - x0, y1 - y0)
    assert rest >= 0.5 * 256  # was ~ 120 / 700 of the canvas when the whole canvas was fitted
    assert rest <= 0.8 * 256 + 2 and sticker.metadata["subject_size"] == pytest.approx(rest / 256, abs=0.02)


def test_framing_crops_every_frame_alike() -> None:
    """A square moving one pixel a frame keeps its size and steps evenly after framing."""
    frames = []
    for k in range(4):
        f = np.zeros((100, 200, 4), np.uint8)
        f[40:60, 50 + 10 * k:70 + 10 * k] = (200, 40, 40, 255)
        frames.append(f)
    st = Sticker(frames, [100] * 4)
    out = frame_character(st, rest_box_of(frames[0]), side=128, subject_size=0.5)
    boxes = [_box(f, 127) for f in out.frames]  # resampling leaves faint fringes
    widths = {b[2] - b[0] for b in boxes}
    assert len(widths) == 1
    steps = [boxes[k + 1][0] - boxes[k][0] for k in range(3)]
    assert max(steps) - min(steps) <= 1 and min(steps) > 0


def test_pixel_art_character_sticker_scales_by_whole_multiples() -> None:
    small = _figure(48)
    small[..., 3] = np.where(small[..., 3] > 127, 255, 0).astype(np.uint8)
    small[small[..., 3] == 0] = 0
    rig = propose_rig(np.repeat(np.repeat(small, 4, 0), 4, 1))  # rig a larger copy, then scale it down
    from sticker_studio.core.puppet.rig import Ellipse, Joint, Rig

    rig = Rig(48, 48, {n: Joint(j.x / 4, j.y / 4, j.confidence) for n, j in rig.joints.items()},
              {n: Ellipse(e.cx / 4, e.cy / 4, e.rx / 4, e.ry / 4) for n, e in rig.face.items()}, rig.plan,
              None if rig.parts is None else rig.parts[::4, ::4].copy(), rig.source)
    sticker = character_sticker(small, rig, CharacterSettings(motion="hop", frames=6, size=256, pixel_art=True))
    scale = sticker.metadata["pixel_scale"]
    assert float(scale).is_integer() and scale >= 2
    for f in sticker.frames:
        assert set(np.unique(f[..., 3])) <= {0, 255}
    # the rest frame is the drawing, each pixel a whole block
    f0 = sticker.frames[0]
    ys, xs = np.nonzero(f0[..., 3])
    block = f0[ys.min():ys.min() + int(scale) * 8, xs.min():xs.min() + int(scale) * 8]
    k = int(scale)
    assert np.array_equal(block, np.repeat(np.repeat(block[::k, ::k], k, 0), k, 1))
