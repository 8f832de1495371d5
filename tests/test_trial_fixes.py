"""What a new user hit first (the `trial` run): a drawing on paper added to a pack with --motion
came out as a white rectangle, and a rig made by `rig` was refused by `animate --size`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.cli import main
from sticker_studio.core.pack.pack import StickerPack


def _blob_on_paper(path: Path, side: int = 200) -> Path:
    """A green blob with a face on white paper, no alpha (an RGB PNG)."""
    im = Image.new("RGB", (side, side), "white")
    d = ImageDraw.Draw(im)
    d.ellipse((side // 6, side // 5, side - side // 6, side - side // 8), fill=(120, 220, 140),
              outline=(30, 80, 40), width=max(2, side // 50))
    d.ellipse((side * 0.37, side * 0.43, side * 0.42, side * 0.5), fill="black")
    d.ellipse((side * 0.58, side * 0.43, side * 0.63, side * 0.5), fill="black")
    im.save(path)
    return path


def _corner_alpha(sticker_frames: list[np.ndarray]) -> int:
    return max(int(f[:4, :4, 3].max()) for f in sticker_frames)


@pytest.mark.parametrize("motion", ["bounce", "blink"])
def test_pack_add_motion_cuts_a_drawing_on_paper_out(tmp_path: Path, motion: str, capsys) -> None:
    drawing = _blob_on_paper(tmp_path / "blob.png")
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "t"]) == 0
    assert main(["pack", "add", str(folder), str(drawing), "--motion", motion,
                 "--background", "colour-key"]) == 0
    pack = StickerPack.open(folder)
    sticker = pack.entries[0].sticker
    frames = sticker.frames
    # the paper is gone: the corners are transparent in every frame, the blob is still there
    assert _corner_alpha(frames) == 0
    assert all(int((f[..., 3] > 128).sum()) > 0.1 * f.shape[0] * f.shape[1] for f in frames)
    assert "colour key" in capsys.readouterr().err


def test_pack_add_background_none_keeps_the_paper(tmp_path: Path, capsys) -> None:
    """Without --motion a drawing on paper is cut out too (tests/test_cli_pack_cutout.py);
    --background none keeps its paper, as asked."""
    drawing = _blob_on_paper(tmp_path / "blob.png")
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "t"]) == 0
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(drawing), "--background", "none"]) == 0
    assert "cut out" not in capsys.readouterr().out
    frame = StickerPack.open(folder).entries[0].sticker.frames[0]
    assert frame[..., 3].min() == 255 and frame[:4, :4, :3].min() >= 250  # the white paper, as drawn


def test_pack_add_unknown_motion_names_character_motions_too(tmp_path: Path, capsys) -> None:
    drawing = _blob_on_paper(tmp_path / "blob.png")
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "t"]) == 0
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(drawing), "--motion", "waving"]) == 2
    err = capsys.readouterr().err
    assert "unknown motion 'waving'" in err and "wave" in err and "bounce" in err
    assert "background" not in err  # refused before any cutting out


def test_animate_with_a_rig_from_rig_at_a_smaller_size(tmp_path: Path, capsys) -> None:
    drawing = _blob_on_paper(tmp_path / "blob.png", side=400)
    rig = tmp_path / "rig.json"
    assert main(["rig", str(drawing), "-o", str(rig), "--background", "colour-key"]) == 0
    out = tmp_path / "out.png"
    # --size 64 shrinks the drawing to 128 for the motion; the rig was made at 400
    assert main(["animate", str(drawing), "--rig", str(rig), "--motion", "blink", "--size", "64",
                 "--background", "colour-key", "-o", str(out)]) == 0, capsys.readouterr().err
    with Image.open(out) as im:
        assert im.size == (64, 64)
        assert im.n_frames > 1


def test_animate_still_refuses_a_rig_of_another_drawing(tmp_path: Path, capsys) -> None:
    small = _blob_on_paper(tmp_path / "small.png", side=120)
    wide = Image.new("RGB", (300, 150), "white")
    ImageDraw.Draw(wide).ellipse((60, 20, 240, 130), fill=(200, 60, 60), outline="black", width=3)
    wide.save(tmp_path / "wide.png")
    rig = tmp_path / "rig.json"
    assert main(["rig", str(tmp_path / "wide.png"), "-o", str(rig), "--background", "colour-key"]) == 0
    capsys.readouterr()
    assert main(["animate", str(small), "--rig", str(rig), "--motion", "blink", "--background", "colour-key",
                 "-o", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "is a rig for a 300x150 drawing" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("prompt, motion", [
    ("眠い猫", "sleepy"), ("哭泣的熊猫", "cry"), ("生气的狗", "angry"), ("泣いている犬", "cry"),
    ("un gato llorando", "cry"), ("un gato enamorado", "love"), ("eine weinende Katze", "cry"),
    ("ein müder Hund", "sleepy"), ("une grenouille triste", "cry"),
    ("跳舞的猫", "dance"),  # a motion word the table had: unchanged
    ("eine Katze", None), ("一只猫", None),
])
def test_feelings_in_other_languages_pick_the_character_motion(prompt: str, motion: str | None) -> None:
    from sticker_studio.engine.generate.art_retrieval import ArtIndex
    from sticker_studio.engine.generate.character_motion import character_request

    request = character_request(ArtIndex.load(None).read(prompt))
    assert (request.motion if request is not None else None) == motion


def _sprite(scale: int = 1) -> np.ndarray:
    """A 24x24 opaque sprite on white: skin head with black eyes, red shirt, arms, blue legs; a
    white pixel inside the shirt (a button) that is not background."""
    rgb = np.full((24, 24, 3), 255, np.uint8)
    rgb[3:11, 8:16] = (230, 190, 150)
    rgb[6, 10] = rgb[6, 13] = (0, 0, 0)
    rgb[11:19, 7:17] = (200, 40, 40)
    rgb[12:16, 4:7] = rgb[12:16, 17:20] = (230, 190, 150)
    rgb[19:23, 8:11] = rgb[19:23, 13:16] = (40, 40, 160)
    rgb[14, 11] = (255, 255, 255)
    rgba = np.dstack([rgb, np.full((24, 24), 255, np.uint8)])
    return rgba.repeat(scale, axis=0).repeat(scale, axis=1)


@pytest.mark.parametrize("scale", [1, 5])
def test_pixel_art_on_paper_is_keyed_exactly(scale: int) -> None:
    from sticker_studio.core.pixelart import key_flat_background

    sprite = _sprite(scale)
    keyed = key_flat_background([sprite])
    assert keyed is not None
    out = keyed[0]
    assert out.shape == sprite.shape
    assert set(np.unique(out[..., 3]).tolist()) == {0, 255}
    drawn = (sprite[..., :3] != 255).any(axis=2)
    assert (out[..., 3][drawn] == 255).all()  # arms, eyes, legs: every drawn pixel kept as drawn
    assert (out[..., :3][drawn] == sprite[..., :3][drawn]).all()
    assert out[14 * scale, 11 * scale, 3] == 255  # the white button inside the shirt is no background
    assert out[0, 0, 3] == 0 and out[20 * scale, 12 * scale, 3] == 0  # the paper, the gap between the legs


def test_a_border_that_is_not_flat_is_left_to_the_background_remover() -> None:
    from sticker_studio.core.pixelart import key_flat_background

    sprite = _sprite()
    sprite[0, :, :3] = np.arange(24, dtype=np.uint8)[:, None] * 10  # a gradient along the top
    sprite[:, 0, :3] = 7
    assert key_flat_background([sprite]) is None
    assert key_flat_background([np.full((8, 8, 4), 255, np.uint8)]) is None  # only paper: nothing left


def test_animate_keeps_a_sprite_on_white_crisp(tmp_path: Path, capsys) -> None:
    src = tmp_path / "sprite.png"
    Image.fromarray(_sprite()[..., :3]).save(src)
    out = tmp_path / "out.png"
    assert main(["animate", str(src), "--motion", "bounce", "--size", "96", "-o", str(out)]) == 0
    assert "pixel art" in capsys.readouterr().err
    palette = {tuple(c) for c in _sprite()[..., :4].reshape(-1, 4).tolist()}
    with Image.open(out) as im:
        for i in range(im.n_frames):
            im.seek(i)
            frame = np.array(im.convert("RGBA"))
            assert set(np.unique(frame[..., 3]).tolist()) <= {0, 255}
            visible = {tuple(c) for c in frame[frame[..., 3] > 0].reshape(-1, 4).tolist()}
            assert visible and visible <= palette  # no blended colours


def test_demo_says_a_command_that_opens_a_pack_in_a_folder_with_spaces() -> None:
    import shlex

    from sticker_studio.cli.cmd_demo import open_command

    command = open_command(Path("my demo") / "pack")
    assert shlex.split(command) == ["sticker-studio", "gui", "my demo/pack"]
    assert open_command(Path("plain/pack")) == "sticker-studio gui plain/pack"


def test_animate_refuses_an_output_extension_before_cutting_out(tmp_path: Path, capsys) -> None:
    drawing = _blob_on_paper(tmp_path / "blob.png")
    for motion in ("bounce", "blink"):
        assert main(["animate", str(drawing), "--motion", motion, "-o", str(tmp_path / "out.jpg")]) == 2
        err = capsys.readouterr().err
        assert "cannot write '.jpg'" in err and "no alpha channel" not in err and "Traceback" not in err


def test_matte_keys_a_sprite_on_white_exactly(tmp_path: Path, capsys) -> None:
    src = tmp_path / "sprite.png"
    Image.fromarray(_sprite(3)[..., :3]).save(src)
    out = tmp_path / "out.png"
    assert main(["matte", str(src), "-o", str(out)]) == 0
    assert "pixel art" in capsys.readouterr().err
    with Image.open(out) as im:
        frame = np.array(im.convert("RGBA"))
    sprite = _sprite(3)
    drawn = (sprite[..., :3] != 255).any(axis=2)
    assert set(np.unique(frame[..., 3]).tolist()) == {0, 255}
    assert (frame[..., 3][drawn] == 255).all() and frame[0, 0, 3] == 0


@pytest.mark.parametrize("prompt, left_out", [
    ("a penguin clapping", ()), ("a cat wagging its tail", ()), ("猫和狗在跳舞", ()),
    ("a dog dancing in the park", ("park",)), ("a dog named Rex clapping in the park", ("park", "the name Rex")),
])
def test_the_words_of_the_character_motion_are_not_left_out(prompt: str, left_out: tuple[str, ...]) -> None:
    from sticker_studio.engine.generate.two_stage import pick_scene

    assert pick_scene(prompt, size=64).ignored == left_out


@pytest.mark.parametrize("prompt, label", [("🐱", "cat face"), ("a 🐶 waving", "dog face"),
                                           ("🐈\u200d⬛ dancing", "black cat"), ("❤️", "red heart")])
def test_a_prompt_typed_as_emoji_reads_as_the_subject(prompt: str, label: str) -> None:
    from sticker_studio.engine.generate.two_stage import pick_scene

    assert pick_scene(prompt, size=64).main.label == label


def test_emoji_spelling_leaves_other_text_alone() -> None:
    from sticker_studio.engine.generate.art_retrieval import ArtIndex

    index = ArtIndex.load(None)
    for prompt in ("a cat waving", "眠い猫", "eine weinende Katze", "café © 2026"):
        assert index.spell_out_emoji(prompt) == prompt
