"""The one cut-out (issue 21): :func:`sticker_studio.engine.matting.cutout.cut_out` with a
:class:`Background`, its decisions as data, and ``animate``/``matte`` going through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from sticker_studio.cli import main
from sticker_studio.core.errors import InvalidInputError, ModelNotFoundError
from sticker_studio.core.matte.background import remove_background_colorkey
from sticker_studio.core.matte.lineart import lineart_alpha
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, cut_out


def ring(side: int = 96) -> np.ndarray:
    """A dark ring with a white hole, and a white disc inside a dark body, on white paper."""
    image = Image.new("RGB", (side, side), "white")
    d = ImageDraw.Draw(image)
    d.ellipse((6, 20, 46, 60), fill=(30, 30, 30))      # the ring ...
    d.ellipse((18, 32, 34, 48), fill="white")          # ... and its hole
    d.ellipse((50, 20, 90, 60), fill=(200, 90, 40))    # a body ...
    d.ellipse((62, 32, 78, 48), fill="white")          # ... with a white belly
    rgb = np.asarray(image)
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


def no_head() -> MattingHeadCache:
    return MattingHeadCache.of(None)


def test_background_spellings() -> None:
    assert [b.value for b in Background] == ["model", "colour-key", "line-art", "none"]
    for old, new in (("colorkey", Background.COLOUR_KEY), ("lineart", Background.LINE_ART),
                     ("matting", Background.MODEL), ("keep", Background.NONE), ("colour-key", Background.COLOUR_KEY)):
        assert Background.parse(old) is new
    with pytest.raises(InvalidInputError, match="colour-key"):
        Background.parse("magic")


def test_colour_key_cut_out_gives_the_colour_keys_alpha_and_the_votes_decisions() -> None:
    frame = ring()
    cut = cut_out(Sticker([frame], [100]), Background.COLOUR_KEY, no_head())
    assert cut.background is Background.COLOUR_KEY
    assert np.array_equal(cut.sticker.frames[0], remove_background_colorkey(frame))  # same alpha as ever
    assert cut.regions is not None and cut.kept and set(cut.kept) == set(cut.votes)
    hole, belly = cut.region_at(26, 40), cut.region_at(70, 40)
    assert hole and belly and hole != belly
    # each decision is what the alpha shows (the colour key floods from the border: enclosed white stays)
    for track, x in ((hole, 26), (belly, 70)):
        assert cut.kept[track] == bool(cut.sticker.frames[0][40, x, 3] > 127)
    flipped = cut_out(Sticker([frame], [100]), Background.COLOUR_KEY, no_head(), flips={hole: not cut.kept[hole]})
    assert flipped.kept[hole] is (not cut.kept[hole]) and flipped.kept[belly] == cut.kept[belly]
    assert bool(flipped.sticker.frames[0][40, 26, 3] > 127) is (not cut.kept[hole])
    assert flipped.flips == {hole: not cut.kept[hole]}
    assert (hole in flipped.removed()) is cut.kept[hole]


def test_model_without_a_head_falls_back_or_refuses() -> None:
    sticker = Sticker([ring()], [100])
    assert cut_out(sticker, Background.MODEL, no_head()).background is Background.COLOUR_KEY
    with pytest.raises(ModelNotFoundError):
        cut_out(sticker, Background.MODEL, no_head(), fallback=False)


def test_line_art_none_and_inputs_with_alpha() -> None:
    frame = ring()
    art = cut_out(Sticker([frame], [100]), Background.LINE_ART, no_head())
    assert art.background is Background.LINE_ART and art.regions is not None  # closed shapes are regions
    ink = lineart_alpha(frame[..., :3])
    kept = np.isin(art.regions, [t for t, k in art.kept.items() if k])
    a, a_ink = art.sticker.frames[0][..., 3].astype(int), ink[..., 3].astype(int)
    outside = ~ndimage.binary_dilation(kept, iterations=4)  # away from the kept closed shapes:
    assert (a[outside & (a_ink == 0)] == 0).all()           # the paper is gone as in plain line art,
    assert (a[outside] >= a_ink[outside]).all()             # and solid ink is at least as opaque
    assert a[kept].min() == 255                             # closed shapes (the ring's hole) are filled
    assert cut_out(Sticker([frame], [100]), Background.NONE).sticker.frames[0] is frame
    cut = remove_background_colorkey(frame)
    assert cut_out(Sticker([cut], [100]), Background.COLOUR_KEY, no_head()).sticker.frames[0] is cut  # has alpha
    again = cut_out(Sticker([cut], [100]), Background.COLOUR_KEY, no_head(), only_without_alpha=False,
                    regions=False)
    assert again.background is Background.COLOUR_KEY  # matte: flattened on white and cut again


def test_a_cut_out_that_leaves_nothing_keeps_the_image_unless_asked() -> None:
    flat = np.full((32, 32, 4), 255, np.uint8)
    assert cut_out(Sticker([flat], [100]), Background.COLOUR_KEY, no_head()).background is None
    empty = cut_out(Sticker([flat], [100]), Background.COLOUR_KEY, no_head(), keep_if_empty=False, regions=False)
    assert empty.background is Background.COLOUR_KEY and empty.sticker.frames[0][..., 3].max() == 0


@pytest.mark.parametrize("spelling", [["--background", "colour-key"], ["--colorkey"], ["--mode", "colorkey"]])
def test_matte_cli_goes_through_the_cut_out(tmp_path: Path, spelling: list[str], capsys) -> None:
    src = tmp_path / "ring.png"
    Image.fromarray(ring()[..., :3]).save(src)
    out = tmp_path / "out.png"
    assert main(["matte", str(src), "-o", str(out), *spelling]) == 0
    assert "colour key" in capsys.readouterr().out
    written = np.asarray(Image.open(out).convert("RGBA"))
    assert np.array_equal(written[..., 3], remove_background_colorkey(ring())[..., 3])


def test_animate_cli_background_spellings(tmp_path: Path, capsys) -> None:
    src = tmp_path / "ring.png"
    Image.fromarray(ring()[..., :3]).save(src)
    for spelling, said in (("colour-key", "colour key"), ("colorkey", "colour key"), ("line-art", "line art")):
        assert main(["animate", str(src), "-m", "nod", "--frames", "2", "--background", spelling,
                     "-o", str(tmp_path / f"{spelling}.png")]) == 0
        assert said in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # argparse: one line, exit 2
        main(["animate", str(src), "-m", "nod", "--frames", "2", "--background", "magic",
              "-o", str(tmp_path / "x.png")])
    assert exit_.value.code == 2 and "colour-key" in capsys.readouterr().err
