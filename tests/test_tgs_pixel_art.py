"""A pixel-art sprite as a .tgs keeps its one-pixel details (eyes) and square pixels."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.formats.tgs.export import validate_tgs_bytes
from sticker_studio.formats.tgs.motion import MotionSettings, drawing_to_tgs
from sticker_studio.formats.tgs.trace import DETAIL_LADDER


def sprite() -> np.ndarray:
    """A 32x32 red body with pale diagonal stripes and two one-pixel black eyes."""
    art = np.zeros((32, 32, 4), np.uint8)
    for y in range(6, 26):
        for x in range(8, 24):
            art[y, x] = (220, 40, 40, 255) if (x + y) % 7 else (255, 255, 255, 255)
    art[12, 12] = art[12, 19] = (0, 0, 0, 255)
    return art


def test_a_pixel_sprite_keeps_its_one_pixel_eyes() -> None:
    rlottie = pytest.importorskip("rlottie_python")
    import tempfile
    from pathlib import Path

    result = drawing_to_tgs(sprite(), MotionSettings("bounce"), ladder=DETAIL_LADDER[:2])
    assert not validate_tgs_bytes(result.data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.tgs"
        path.write_bytes(result.data)
        frame = np.asarray(rlottie.LottieAnimation.from_tgs(str(path)).render_pillow_frame(frame_num=0))
    opaque = frame[..., 3] > 200
    black = opaque & (frame[..., :3].max(axis=2) < 60)
    # each eye is one art pixel: about (512 * 0.8 / 20)^2 ~ 400 canvas pixels; both must be there
    assert black.sum() > 400, black.sum()
    ys, xs = np.nonzero(black)
    assert xs.max() - xs.min() > 100  # two eyes 7 art pixels apart, not one blob
    # the stripes stay white, not blended into pink with the red body
    white = opaque & (frame[..., :3].min(axis=2) > 235)
    assert white.sum() > 2000, white.sum()


def test_a_pack_exports_its_pixel_art_motion_sticker_as_tgs(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("vtracer")
    from PIL import Image

    from sticker_studio.cli import main

    Image.fromarray(sprite(), "RGBA").save(tmp_path / "sprite.png")
    pack = tmp_path / "pack"
    assert main(["pack", "create", str(pack), "--title", "Pixels"]) == 0
    assert main(["pack", "add", str(pack), str(tmp_path / "sprite.png"), "--motion", "spin", "--emoji", "👾"]) == 0
    code = main(["pack", "export", str(pack), "-t", "telegram-tgs", "-o", str(tmp_path / "out")])
    _, err = capsys.readouterr()
    assert code == 0, err
    data = (tmp_path / "out" / "telegram-tgs" / "01_sprite.tgs").read_bytes()
    assert validate_tgs_bytes(data) == []


def test_a_soft_glow_that_tracing_makes_solid_is_said() -> None:
    """Tracing keeps pixels at least half opaque, solid: a glow drawing is told so, a flat one is not."""
    from PIL import Image, ImageDraw, ImageFilter

    glow = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(glow).ellipse((30, 30, 170, 170), fill=(255, 255, 0, 170))
    glow = glow.filter(ImageFilter.GaussianBlur(18))
    ImageDraw.Draw(glow).ellipse((80, 80, 120, 120), fill=(255, 140, 0, 255))
    flat = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(flat).ellipse((30, 30, 170, 170), fill=(255, 140, 0, 255))
    said = drawing_to_tgs(np.asarray(glow), MotionSettings("bounce"), ladder=DETAIL_LADDER[1:2])
    quiet = drawing_to_tgs(np.asarray(flat), MotionSettings("bounce"), ladder=DETAIL_LADDER[1:2])
    assert any("semi-transparent" in n for n in said.notes), said.notes
    assert not any("semi-transparent" in n for n in quiet.notes), quiet.notes


def test_every_target_has_a_next_step() -> None:
    from sticker_studio.formats.handoff import next_step
    from sticker_studio.formats.targets import TARGETS

    assert all(next_step(t) for t in TARGETS), [t for t in TARGETS if not next_step(t)]
    assert ".tgs" in next_step("telegram-tgs")
