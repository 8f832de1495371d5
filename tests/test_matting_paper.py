"""Matting on cream-paper JPEGs and pale parts without an outline (issue 24): JPEG edges read from the
luminance, and pale fills that meet the paper with a drawn edge. Small synthetic drawings, no network."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from sticker_studio.core.matte.jpeg_edges import jpeg_trace, luma_weighted, sharpen_edges
from sticker_studio.core.matte.layout_prior import layout_prior

CREAM = np.array([246.0, 239.0, 222.0])
PALE_BLUE = (204, 214, 221)  # a skull's or an alien's grey-blue: ~50 RGB units from the cream
INK = (41, 47, 51)


def _jpeg(rgb: np.ndarray, quality: int = 75) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    with Image.open(buf) as im:
        return np.asarray(im.convert("RGB"), np.uint8)


def _cream(size: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(CREAM + rng.normal(0, 1.5, size=(size, size, 1)), 0, 255)


def _pale_head(size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A pale grey-blue head (anti-aliased, no outline) with two dark eyes on cream paper, and its
    true alpha: (H, W, 3) uint8 before JPEG, (H, W) float."""
    yy, xx = (np.mgrid[0:size * 4, 0:size * 4] + 0.5) / 4.0  # 4× supersampled, like a renderer
    c = size / 2
    head = (np.hypot(yy - c, (xx - c) * 1.15) < size * 0.36).astype(np.float32)
    alpha = head.reshape(size, 4, size, 4).mean(axis=(1, 3))
    colour = np.empty((size, size, 3), np.float32)
    colour[:] = PALE_BLUE
    eyes = (np.hypot(yy - c * 0.9, np.abs(xx - c) - size * 0.12) < size * 0.05).astype(np.float32)
    eye = eyes.reshape(size, 4, size, 4).mean(axis=(1, 3))[..., None]
    colour = colour * (1 - eye) + np.array(INK, np.float32) * eye
    a = alpha[..., None]
    rgb = colour * a + _cream(size) * (1 - a)
    return (np.clip(rgb, 0, 255) + 0.5).astype(np.uint8), alpha


def test_jpeg_trace_finds_a_cream_jpeg_and_not_the_same_drawing_as_png() -> None:
    png, _ = _pale_head()
    assert not jpeg_trace(png).compressed
    assert jpeg_trace(_jpeg(png)).compressed
    yy, xx = np.mgrid[0:256, 0:256]
    disc = np.full((256, 256, 3), 255, np.uint8)
    disc[np.hypot(yy - 128, xx - 128) < 80] = (230, 60, 40)  # a red disc on white
    png_trace = jpeg_trace(disc)
    assert png_trace.seams > 1.25 and not png_trace.compressed  # seams alone would say JPEG: its colour is sharp
    assert jpeg_trace(_jpeg(disc)).compressed


def test_luma_weighted_guide_keeps_the_luminance_and_shrinks_the_colour() -> None:
    rgb = np.array([[[246, 239, 222], [204, 214, 221]]], np.uint8)
    g = luma_weighted(rgb).astype(np.float32)
    y = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    assert np.allclose(g[..., 0], y, atol=1.0)
    # the colour difference between the two is far smaller in the guide than in RGB
    assert np.abs(g[0, 0, 1:] - g[0, 1, 1:]).max() < 0.35 * np.abs(rgb[0, 0].astype(int) - rgb[0, 1]).max()


def test_sharpen_edges_stretches_partial_alpha_about_a_half() -> None:
    a = np.array([0.0, 0.1, 0.3, 0.5, 0.8, 0.95, 1.0], np.float32)
    out = sharpen_edges(a, 1.4)
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert out[1] < 0.1 and out[2] < 0.3 and out[4] > 0.8 and out[5] == 1.0
    assert np.all(np.diff(out) >= 0)


def test_pale_head_on_cream_jpeg_gets_sharp_edges_and_no_halo(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A head's soft edge (blurred over ~3 px, as the matting head gives it) on a cream JPEG: with the
    JPEG path the edge lands on the drawing's (lower error on the edge band) and the paper beside it
    is clear."""
    import sticker_studio.engine.matting.matte as mm

    png, truth = _pale_head()
    rgb = _jpeg(png)[None]
    soft = ndimage.gaussian_filter(truth, 1.5)[None].astype(np.float32)  # the head's soft edge
    band = (ndimage.distance_transform_edt(truth < 0.5) <= 3) & (ndimage.distance_transform_edt(truth >= 0.5) <= 3)

    def run(jpeg: bool) -> np.ndarray:
        monkeypatch.setattr(mm, "JPEG_EDGES", jpeg)
        out = mm.matte_with_prior(rgb, None, base_alpha=soft).rgba[0, ..., 3]
        return out.astype(np.float32) / 255.0

    before, after = run(False), run(True)
    err_before = float(np.mean((before - truth)[band] ** 2))
    err_after = float(np.mean((after - truth)[band] ** 2))
    assert err_after < 0.7 * err_before
    paper = ndimage.distance_transform_edt(truth < 0.01) > 3
    assert float(after[paper].max()) < 0.05
    inside = ndimage.distance_transform_edt(truth > 0.99) > 3
    assert float(after[inside].min()) > 0.95
    # the pale face within the loose tolerance of the cream is a pale body (flat, round its eyes)
    pale = layout_prior(rgb[0]).pale_labels
    assert pale is not None and np.mean(pale[ndimage.distance_transform_edt(truth > 0.99) > 4] > 0) > 0.9


def _striped(size: int = 192, soft_stripe: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A dark body with a pale flat stripe (no outline) that meets the white paper, like a badger's;
    returns the frame, the stripe's mask and the body's. ``soft_stripe``: the stripe fades into the
    paper instead (a shadow's gradient)."""
    yy, xx = np.mgrid[0:size, 0:size] * (192.0 / size)  # drawn on a 192 grid, at any size
    img = np.full((size, size, 3), 255.0)
    body = (np.abs(yy - 96) < 40) & (np.abs(xx - 110) < 50)
    img[body] = INK
    stripe = (np.abs(yy - 96) < 9) & (xx >= 30) & (xx < 110)
    if soft_stripe:
        fade = np.clip((xx - 30) / 60.0, 0, 1)[..., None]
        img[stripe] = 255 * (1 - fade[stripe]) + np.array((225, 230, 234)) * fade[stripe]
    else:
        img[stripe] = (225, 230, 234)  # ~40 RGB units from white: inside the loose tolerance
    return (img + 0.5).astype(np.uint8), stripe, body


def test_pale_stripe_meeting_the_paper_with_a_drawn_edge_is_a_pale_body() -> None:
    img, stripe, _ = _striped()
    p = layout_prior(img)
    inner = ndimage.binary_erosion(stripe, iterations=3)
    assert (p.channels[..., 2] > 0.5)[inner].mean() > 0.9  # the loose flood took it
    assert p.pale_labels is not None and np.mean(p.pale_labels[inner] > 0) > 0.9
    # the same stripe on cream paper saved as JPEG (at 384²: a JPEG's blur is ~2 px at any size)
    img, stripe, _ = _striped(384)
    cream = _cream(384).astype(np.float32)
    on_cream = np.where((img == 255).all(axis=-1, keepdims=True), cream, img.astype(np.float32))
    pj = layout_prior(_jpeg((on_cream + 0.5).astype(np.uint8)))
    inner = ndimage.binary_erosion(stripe, iterations=4)
    assert pj.pale_labels is not None and np.mean(pj.pale_labels[inner] > 0) > 0.9


def test_a_stripe_fading_into_the_paper_is_no_pale_body() -> None:
    img, stripe, _ = _striped(soft_stripe=True)
    p = layout_prior(img)
    assert p.pale_labels is not None and not (p.pale_labels[stripe] > 0).any()


def _mottled_paper(size: int = 192, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mottle = ndimage.gaussian_filter(rng.normal(size=(size, size)), 8.0)
    mottle *= 5.0 / (np.abs(mottle).max() + 1e-9)
    grain = ndimage.gaussian_filter(rng.normal(size=(size, size)), 0.7) * 5.0
    return np.array([231.0, 229.0, 221.0]) + (mottle + grain)[..., None]


def test_a_heads_blob_on_textured_paper_is_capped_but_the_subjects_edge_is_not() -> None:
    from sticker_studio.core.matte.layout_prior import clip_layout_priors
    from sticker_studio.core.matte.lineart import paper_margin
    from sticker_studio.core.matte.paper_ceiling import cap_paper

    yy, xx = np.mgrid[0:192, 0:192]
    subject = np.hypot(yy - 110, xx - 96) < 40
    img = _mottled_paper()
    img[subject] = INK
    rgb = (np.clip(img, 0, 255) + 0.5).astype(np.uint8)[None]
    priors = clip_layout_priors(rgb)
    assert priors[0].grainy is not None  # the texture was found
    blob = np.hypot(yy - 40, xx - 40) < 14  # the head took a light patch of the paper for subject
    estimate = np.where(subject | blob, 1.0, 0.0).astype(np.float32)
    rim = ndimage.binary_dilation(subject) & ~subject
    estimate[rim] = 0.5  # the subject's soft edge, a pixel wide at 192²
    bg = priors[0].background.astype(np.float32)
    margin = paper_margin(rgb, bg)
    out = cap_paper(estimate[None], priors, rgb, bg, margin)[0]
    assert np.mean(out[blob] < 0.1) > 0.9, np.mean(out[blob] < 0.1)
    assert np.array_equal(out[rim], estimate[rim]) and float(out[subject].min()) == 1.0
    # on smooth paper nothing moves
    white = np.full((1, 192, 192, 3), 255, np.uint8)
    white[0][subject] = INK
    wp = clip_layout_priors(white)
    same = cap_paper(estimate[None], wp, white, wp[0].background.astype(np.float32))
    assert np.array_equal(same[0], estimate)


def test_a_soft_drop_shadows_fading_rim_is_no_pale_body() -> None:
    """A soft drop shadow under a dark body on white: its rim fades through the loose tolerance in a thin
    band that is nearly one colour along its length, but it has no inside: no drawn edge."""
    yy, xx = np.mgrid[0:256, 0:256]
    shade = np.zeros((256, 256), np.float32)
    shade[(((yy - 200) / 10.0) ** 2 + ((xx - 128) / 80.0) ** 2) < 1] = 0.35
    shade = ndimage.gaussian_filter(shade, 3.0)
    img = 255.0 * (1 - shade)[..., None] * np.ones(3)
    img[np.hypot(yy - 120, xx - 128) < 60] = (140, 70, 80)
    p = layout_prior((img + 0.5).astype(np.uint8))
    assert p.pale_labels is not None and not p.pale_labels.any()
