"""StickerPipeline on tiny random models (CPU): shapes, task masks, determinism, cancel, save/load."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine_fixtures import SAMPLE_SIZE, reference_drawing, tiny_pipeline
from sticker_studio.core.errors import CancelledError, InvalidInputError
from sticker_studio.core.progress import CancelToken
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.generate.pipeline import StickerPipeline, condition_image, place_reference
from sticker_studio.engine.generate.request import GenerationRequest
from sticker_studio.engine.generate.tasks import Task, condition_mask


@pytest.fixture(scope="module")
def pipe() -> StickerPipeline:
    return tiny_pipeline()


class Spy:
    """Wraps the unet, recording what each forward saw."""

    def __init__(self, unet) -> None:
        self.unet = unet
        self.calls: list[dict] = []

    def __getattr__(self, name):
        return getattr(self.unet, name)

    def __call__(self, sample, timestep, **kwargs):
        self.calls.append({"sample": sample.clone(), **{k: v for k, v in kwargs.items()}})
        return self.unet(sample, timestep, **kwargs)


def reference_sticker(n: int = 3, size: int = 24, width: int | None = None) -> Sticker:
    return Sticker.from_frames([reference_drawing(size, width, seed=i) for i in range(n)], fps=10)


@pytest.mark.parametrize("frames", [4, 24])
def test_output_shapes_for_4_to_24_frames(pipe: StickerPipeline, frames: int) -> None:
    out = pipe(GenerationRequest("a red heart", task="t2v", frames=frames, steps=1, size=32, seed=0, fps=12))
    assert out.frame_count == frames
    assert out.size == (32, 32)
    assert all(f.dtype == np.uint8 and f.shape == (32, 32, 4) for f in out.frames)
    assert out.durations_ms[0] in (83, 84)
    assert out.metadata["seed"] == 0 and out.metadata["task"] == "t2v"


@pytest.mark.parametrize("task", ["i2v", "interp", "continue", "loop"])
def test_each_task_gives_the_masked_frames_and_returns_them_unchanged(pipe: StickerPipeline, task: str) -> None:
    ref = reference_sticker(3)
    spy = Spy(pipe.unet)
    pipe.unet = spy
    try:
        out = pipe(GenerationRequest("a cat", image=ref, task=task, frames=6, steps=2, size=24, seed=1))
    finally:
        pipe.unet = spy.unet
    t = Task.parse(task)
    prefix = 3 if t is Task.CONTINUATION else None
    expected = condition_mask(t, 6, given_prefix=prefix)
    assert len(expected) == (7 if t is Task.LOOP else 6)
    seen_mask = spy.calls[0]["condition_mask"]
    assert seen_mask.shape == (3, len(expected))  # uncond, image, full passes batched
    assert seen_mask[0].sum() == 0  # the unconditional pass sees no frames
    assert seen_mask[2].tolist() == [float(m) for m in expected]
    cond = spy.calls[0]["condition"][2]  # [C, F, H, W]
    placement = place_reference(24, 24, SAMPLE_SIZE)
    for slot, given in enumerate(expected):
        if given:
            src = {Task.IMAGE_TO_ANIMATION: 0, Task.LOOP: 0, Task.INTERPOLATION: 0 if slot == 0 else 2,
                   Task.CONTINUATION: slot}[t]
            want = condition_image(ref.frames[src], placement, SAMPLE_SIZE).astype(np.float32) / 127.5 - 1
            got = cond[:, slot].permute(1, 2, 0).numpy()
            np.testing.assert_allclose(got, want, atol=1e-5)
        else:
            assert float(cond[:, slot].abs().max()) == 0.0
    # given frames come back unchanged (output size = the reference's size)
    assert out.frame_count == 6
    given_out = {Task.IMAGE_TO_ANIMATION: {0: 0}, Task.LOOP: {0: 0}, Task.INTERPOLATION: {0: 0, 5: 2},
                 Task.CONTINUATION: {0: 0, 1: 1, 2: 2}}[t]
    for slot, src in given_out.items():
        np.testing.assert_array_equal(out.frames[slot], ref.frames[src])


def test_wide_reference_keeps_its_aspect_and_motion_transfer_keeps_frame_zero(pipe: StickerPipeline) -> None:
    ref = reference_sticker(1, size=40, width=60)  # larger than the model's 16 px: motion transfer
    out = pipe(GenerationRequest("", image=ref, task="i2v", frames=4, steps=1, seed=2, size=60))
    assert out.size == (60, 40)
    np.testing.assert_array_equal(out.frames[0], ref.frames[0])
    assert "motion_transfer" in pipe.last_timings


def test_same_seed_same_output_and_other_seed_differs(pipe: StickerPipeline) -> None:
    def make(seed: int) -> np.ndarray:
        return pipe(GenerationRequest("a dog", task="t2v", frames=4, steps=2, size=16, seed=seed)).as_array()

    a, b, c = make(5), make(5), make(6)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dpm_scheduler_runs(pipe: StickerPipeline) -> None:
    out = pipe(GenerationRequest("a star", task="t2v", frames=4, steps=2, scheduler="dpm", size=16, seed=0))
    assert out.metadata["scheduler"] == "dpm" and out.frame_count == 4


def test_cancel_stops_within_one_step(pipe: StickerPipeline) -> None:
    cancel = CancelToken()
    spy = Spy(pipe.unet)
    pipe.unet = spy

    def progress(step: int, total: int) -> None:
        if step == 1:
            cancel.cancel()

    try:
        with pytest.raises(CancelledError):
            pipe(
                GenerationRequest("x", task="t2v", frames=4, steps=10, size=16, seed=0),
                progress=progress,
                cancel=cancel,
            )
    finally:
        pipe.unet = spy.unet
    assert 1 <= len(spy.calls) <= 2


def test_sequential_guidance_matches_batched(pipe: StickerPipeline) -> None:
    req = GenerationRequest("a cat", image=reference_sticker(1), task="i2v", frames=4, steps=2, size=16, seed=3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: a loaded machine's multi-threaded reductions differ run to run
    try:
        batched = pipe(req).as_array()
        pipe.batch_guidance = False
        sequential = pipe(req).as_array()
    finally:
        pipe.batch_guidance = True
        torch.set_num_threads(threads)
    assert np.abs(batched.astype(int) - sequential.astype(int)).max() <= 2


def test_save_load_round_trip_is_bit_exact(tmp_path) -> None:
    pipe = tiny_pipeline(with_head=True)
    folder = pipe.save_pretrained(tmp_path / "gen")
    loaded = StickerPipeline.from_pretrained(folder, device="cpu", matting=None)
    assert loaded.matting_head is not None  # saved inside the generator folder
    for (name, a), (_, b) in zip(pipe.unet.state_dict().items(), loaded.unet.state_dict().items(), strict=False):
        assert torch.equal(a, b), name
    req = GenerationRequest("a frog", task="t2v", frames=4, steps=2, size=16, seed=9)
    np.testing.assert_array_equal(pipe(req).as_array(), loaded(req).as_array())


def test_request_validation() -> None:
    with pytest.raises(InvalidInputError):
        GenerationRequest("x", task="i2v")  # no image
    with pytest.raises(InvalidInputError):
        GenerationRequest("x", frames=1)
    with pytest.raises(InvalidInputError):
        GenerationRequest("x", scheduler="euler")


def test_interpolation_needs_two_frames(pipe: StickerPipeline) -> None:
    with pytest.raises(InvalidInputError):
        pipe(GenerationRequest("x", image=reference_drawing(24), task="interp", frames=4, steps=1))


def _ellipse(side: int, cx: float, cy: float, angle: float) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float32)
    c, s = np.cos(angle), np.sin(angle)
    u, v = c * (xx - cx) + s * (yy - cy), -s * (xx - cx) + c * (yy - cy)
    alpha = ((u / (0.3 * side)) ** 2 + (v / (0.15 * side)) ** 2 < 1).astype(np.float32)
    rgb = np.stack([255.0 * (u > 0), np.full_like(u, 128), 255.0 * (v > 0)], -1)
    rgb = rgb * alpha[..., None] + 255 * (1 - alpha[..., None])
    return rgb.astype(np.uint8), alpha


def test_motion_transfer_moves_the_full_resolution_drawing() -> None:
    from sticker_studio.engine.generate.motion_transfer import transfer_motion

    low = [_ellipse(32, 16 + k, 16 - 0.5 * k, 0.12 * k) for k in range(4)]
    high = [_ellipse(128, (16 + k) * 4, (16 - 0.5 * k) * 4, 0.12 * k) for k in range(4)]
    ref = np.concatenate([high[0][0], (high[0][1] * 255).astype(np.uint8)[..., None]], -1)
    out = transfer_motion(ref, np.stack([f[0] for f in low]), np.stack([f[1] for f in low]))
    np.testing.assert_array_equal(out[0], ref)
    for k in range(1, 4):
        err = np.abs(out[k][..., 3] / 255.0 - high[k][1]).mean()
        still = np.abs(high[0][1] - high[k][1]).mean()
        assert err < 0.4 * still, (k, err, still)  # at least 2.5x better than no motion


def test_matte_sticker_with_head_and_colour_key() -> None:
    from engine_fixtures import tiny_matting_head
    from sticker_studio.engine.matting.matte import matte_sticker

    rgb, alpha = _ellipse(40, 20, 20, 0.0)
    frames = [np.concatenate([np.roll(rgb, k, axis=1), np.full((40, 40, 1), 255, np.uint8)], -1) for k in range(20)]
    sticker = Sticker.from_frames(frames, fps=12)
    out = matte_sticker(sticker, tiny_matting_head(), window=8)  # 20 frames: 3 overlapping windows
    assert out.frame_count == 20 and out.durations_ms == sticker.durations_ms
    keyed = matte_sticker(sticker, use_colorkey=True)
    assert keyed.frames[0][0, 0, 3] == 0 and keyed.frames[0][20, 20, 3] == 255


def test_no_text_rows_use_the_empty_caption_encoding_that_training_taught() -> None:
    """Training's caption dropout feeds the encoder's states of "" (clips.EMPTY_TEXT through the
    text cache); sampling's text-free and image-guidance rows must get exactly that, never the
    DFGN's untrained ``null_text_embedding`` (the old all-False-mask path)."""
    from sticker_studio.training.data.clips import EMPTY_TEXT, TextEmbeddingCache

    pipe = tiny_pipeline(with_head=False)
    choice = pipe.device_choice
    _, _, null_states, null_mask = pipe.encode_prompt("a cat waving", choice)
    cache = TextEmbeddingCache(pipe.text_encoder, torch.device("cpu"))
    trained_states, trained_mask = cache.get([EMPTY_TEXT])
    length = trained_states.shape[1]
    assert null_mask is not None and bool(null_mask.any())
    assert torch.equal(null_mask[:, :length], trained_mask) and not bool(null_mask[:, length:].any())
    torch.testing.assert_close(null_states[:, :length], trained_states, atol=2e-3, rtol=0)

    # the untrained null token has no influence on any guided sample
    ref = reference_sticker(1)
    requests = [GenerationRequest("a cat", image=ref, task="i2v", frames=4, steps=2, size=16, seed=3),
                GenerationRequest("a cat", task="t2v", frames=4, steps=2, size=16, seed=3),
                GenerationRequest("", image=ref, task="i2v", frames=4, steps=2, size=16, seed=3)]
    before = [pipe(r).as_array() for r in requests]
    with torch.no_grad():
        pipe.unet.null_text_embedding.mul_(0).add_(50.0)
    after = [pipe(r).as_array() for r in requests]
    for a, b in zip(before, after, strict=False):
        np.testing.assert_array_equal(a, b)


def test_prompts_are_normalised_like_training_captions(pipe: StickerPipeline) -> None:
    from sticker_studio.engine.generate.prompts import natural_phrasings, normalise_prompt

    assert normalise_prompt("  A Cat   Waving! ") == "a cat waving"
    assert normalise_prompt("emoji\tcat waving") == "cat waving"
    assert natural_phrasings("travel & places\tcyclone spinning; dizzy, hurricane") == [
        "a cyclone spinning", "cyclone spinning", "a cyclone spinning, dizzy, hurricane"]
    a = pipe.encode_prompt("A cat waving!", pipe.device_choice)[0]
    b = pipe.encode_prompt(natural_phrasings("animals & nature\tcat waving")[0], pipe.device_choice)[0]
    assert torch.equal(a, b)


def test_output_type_returns_raw_samples_before_given_frames_are_pasted_back(pipe: StickerPipeline) -> None:
    side = pipe.sample_size
    ref = reference_sticker(1, size=side)
    request = GenerationRequest("a cat", image=ref, task="i2v", frames=4, steps=2, size=side, seed=3)
    raw = pipe(request, output_type="np")
    decoded = pipe(request, output_type="pt")
    latent = pipe(request, output_type="latent")
    assert raw.dtype == np.uint8 and raw.shape == (4, side, side, 3)
    assert decoded.shape == (1, 3, 4, side, side) and float(decoded.abs().max()) <= 1.0
    assert latent.shape[2] == 4
    expected = ((decoded[0].float().permute(1, 2, 3, 0).numpy() + 1.0) * 127.5 + 0.5).clip(0, 255).astype(np.uint8)
    np.testing.assert_array_equal(raw, expected)
    given = condition_image(ref.frames[0], place_reference(side, side, side), side)
    assert not np.array_equal(raw[0], given), "raw frame 0 is the model's, not the pasted reference"
    np.testing.assert_array_equal(pipe(request).frames[0], ref.frames[0])  # the sticker gets it back exactly
    with pytest.raises(InvalidInputError):
        pipe(request, output_type="pil")  # type: ignore[call-overload]
