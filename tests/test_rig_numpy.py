"""The rig network in numpy (engine/rig/numpy_net.py) agrees with the torch RigNet, and the automatic
rig no longer imports torch or diffusers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.rig.contract import FACE, JOINTS
from sticker_studio.engine.rig.numpy_net import NumpyRigNet, RigNetConfig, load_numpy_rig_net, resize_bilinear
from sticker_studio.engine.rig.predict import RigBackend, predict_rig

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "resources" / "models" / "rig-net"
REAL = ROOT / "tests" / "data" / "rig_real"
HEAVY = ("torch", "diffusers", "transformers")


def _torch_net(name: str, seed: int):  # a random RigNet whose BatchNorms are not the identity
    torch = pytest.importorskip("torch")
    from sticker_studio.engine.rig.net import make_rig_net

    torch.manual_seed(seed)
    net = make_rig_net(name).eval()
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.3, 0.3)
    return net


def _as_numpy(net) -> NumpyRigNet:
    state = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    return NumpyRigNet(RigNetConfig.from_dict(dict(net.config)), state)


def _torch_outputs(net, x: np.ndarray) -> list[np.ndarray]:
    import torch

    with torch.inference_mode():
        out = net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    return [t.numpy() for t in (out.heatmaps, out.face_size, out.parts, out.body_plan)]


def _numpy_outputs(net: NumpyRigNet, x: np.ndarray) -> list[np.ndarray]:
    out = net(x)
    return [out.heatmaps, out.face_size, out.parts, out.body_plan]


@pytest.mark.parametrize("name", ["tiny", "bundled", "large"])
def test_every_named_config_matches_torch(name: str) -> None:
    """Random weights with non-trivial BatchNorm statistics: every head agrees to 1e-4 (tiny has
    three decoder steps and the S/2 skip, large the default channels)."""
    net = _torch_net(name, seed=3)
    size = int(net.config.input_size)
    x = np.random.default_rng(0).random((2, size, size, 4), np.float32)
    for got, want in zip(_numpy_outputs(_as_numpy(net), x), _torch_outputs(net, x), strict=True):
        assert got.shape == want.shape
        assert np.abs(got - want).max() < 1e-4 * max(1.0, float(np.abs(want).max()))
    assert _as_numpy(net).stride == net.stride


@pytest.mark.parametrize(("src", "dst"), [((8, 8), (16, 16)), ((5, 7), (13, 3)), ((4, 4), (4, 9)), ((9, 6), (2, 17))])
def test_bilinear_resize_is_torchs(src: tuple[int, int], dst: tuple[int, int]) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).normal(size=(2, *src, 3)).astype(np.float32)
    want = torch.nn.functional.interpolate(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), size=dst,
                                           mode="bilinear", align_corners=False).numpy().transpose(0, 2, 3, 1)
    assert np.abs(resize_bilinear(x, *dst) - want).max() < 1e-5


def _real_drawings(count: int) -> list[tuple[str, np.ndarray]]:
    from PIL import Image

    files = sorted(REAL.glob("*.png"))
    if not files:
        pytest.skip("no hand-labelled rig set in this checkout")
    step = max(1, len(files) // count)
    return [(p.name, np.asarray(Image.open(p).convert("RGBA"))) for p in files[::step][:count]]


def _bundled() -> tuple[NumpyRigNet, object]:
    if not (BUNDLED / "config.json").is_file():
        pytest.skip("no bundled rig-net in this checkout")
    from sticker_studio.engine.rig.predict import load_rig_net

    pytest.importorskip("torch")
    return load_numpy_rig_net(BUNDLED), load_rig_net(str(BUNDLED), RigBackend.TORCH)


def test_the_shipped_weights_give_torchs_logits_on_real_drawings() -> None:
    from sticker_studio.engine.rig.preprocess import frame_subject

    numpy_net, torch_net = _bundled()
    images = [frame_subject(rgba, numpy_net.config.input_size)[0] for _, rgba in _real_drawings(12)]
    x = np.stack(images)
    for got, want in zip(_numpy_outputs(numpy_net, x), _torch_outputs(torch_net, x), strict=True):
        assert np.abs(got - want).max() < 1e-4


@pytest.mark.parametrize("mirror", [False, True])
def test_predict_rig_decodes_the_same_rig_with_either_backend(mirror: bool) -> None:
    numpy_net, torch_net = _bundled()
    for name, rgba in _real_drawings(8):
        a = predict_rig(rgba, net=numpy_net, mirror=mirror)
        b = predict_rig(rgba, net=torch_net, mirror=mirror)
        for joint in JOINTS:
            assert a.joints[joint] == pytest.approx(b.joints[joint], abs=1e-3), (name, joint)
        for feature in FACE:
            assert a.face[feature].ellipse == pytest.approx(b.face[feature].ellipse, abs=1e-3), (name, feature)
            assert a.face[feature].confidence == pytest.approx(b.face[feature].confidence, abs=1e-4)
        assert a.body_plan == b.body_plan
        assert a.body_plan_scores == pytest.approx(b.body_plan_scores, abs=1e-4)
        # a part arg-max may flip only where two logits tie to ~1e-5
        assert (a.parts != b.parts).mean() < 1e-3, name
        assert a.parts.any(), name


def test_the_default_backend_is_numpy_and_cached() -> None:
    from sticker_studio.engine.rig.predict import load_rig_net, rig_model_installed

    if not rig_model_installed():
        pytest.skip("no rig-net in the manifest")
    net = load_rig_net(backend=RigBackend.NUMPY)
    assert isinstance(net, NumpyRigNet) and load_rig_net(backend=RigBackend.NUMPY) is net
    _, rgba = _real_drawings(1)[0]
    assert predict_rig(rgba).joints == predict_rig(rgba, net=net).joints


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path: Path) -> None:
    net = _torch_net("tiny", seed=0)
    state = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    config = dict(net.config)
    with pytest.raises(ModelError, match="do not match"):
        NumpyRigNet(RigNetConfig.from_dict({**config, "stem_channels": 12}), state)
    with pytest.raises(ModelError, match="lack"):
        NumpyRigNet(RigNetConfig.from_dict(config), {k: v for k, v in state.items() if "part_head" not in k})
    with pytest.raises(ModelError, match="not use"):
        NumpyRigNet(RigNetConfig.from_dict(config), {**state, "extra.weight": np.zeros(3, np.float32)})
    with pytest.raises(ModelError, match="lacks expand"):
        RigNetConfig.from_dict({k: v for k, v in config.items() if k != "expand"})
    with pytest.raises(ModelError, match="not a RigNet"):
        RigNetConfig.from_dict({**config, "_class_name": "MattingHead"})
    (tmp_path / "config.json").write_text('{"_class_name": "RigNet"}', "utf-8")
    with pytest.raises(ModelError):
        load_numpy_rig_net(tmp_path)


def test_the_automatic_rig_and_generate_import_no_torch(tmp_path: Path) -> None:
    """``generate``'s character path (library art → auto_rig → puppet → WebP) in a fresh
    interpreter: torch, diffusers and transformers stay out of ``sys.modules``."""
    from sticker_studio.engine.rig.predict import rig_model_installed

    if not rig_model_installed():
        pytest.skip("no rig-net in the manifest: the learned rig is not run")
    out = tmp_path / "bear.webp"
    code = (
        "import sys\n"
        "import sticker_studio.engine.rig.predict\n"
        f"assert not [m for m in {HEAVY!r} if m in sys.modules], 'import'\n"
        "from sticker_studio.engine.rig.auto import auto_rig\n"
        "from sticker_studio.engine.rig.predict import RigBackend, load_rig_net\n"
        "from sticker_studio.engine.rig.numpy_net import NumpyRigNet\n"
        "import numpy as np\n"
        "from PIL import Image\n"
        f"rig = auto_rig(np.asarray(Image.open({str(REAL / 'bear.png')!r}).convert('RGBA')))\n"
        "assert rig.joints\n"
        "assert isinstance(load_rig_net(backend=RigBackend.NUMPY), NumpyRigNet)\n"
        "from sticker_studio.cli import main\n"
        f"assert main(['generate', 'a teddy bear waving hello', '--size', '256', '-o', {str(out)!r}]) == 0\n"
        f"print('heavy:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "heavy:", done.stdout
    assert "arm wave" in done.stdout and out.stat().st_size > 0


def test_text_to_sticker_reuses_the_rig_of_the_same_art() -> None:
    """The second sticker of the same library art (the app's next sticker, another motion) reuses the
    cached automatic rig and render plan, and the frames are exactly those of an uncached run."""
    from sticker_studio.core.text.prompt_match import read_prompt
    from sticker_studio.engine.generate import character_motion as cm
    from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage

    cm._PREPARED.clear()
    first = generate_two_stage("a teddy bear waving hello", MotionOptions(seed=0), size=192)
    assert first.motion.motion == "wave" and len(cm._PREPARED) == 1
    (rig, plan), = cm._PREPARED.values()
    again = generate_two_stage("a teddy bear waving hello", MotionOptions(seed=0), size=192)
    assert all(np.array_equal(a, b) for a, b in zip(first.sticker.frames, again.sticker.frames, strict=True))
    rgba = first.subject.rgba
    request = cm.character_request(read_prompt("a sleepy teddy bear"), "teddy bear")
    assert request is not None and request.motion == "sleepy"
    cached = cm.animate_character_subject(rgba, request, label="teddy bear")
    assert len(cm._PREPARED) == 1 and cm.rigged(rgba)[1] is plan and rig.joints
    cm._PREPARED.clear()
    fresh = cm.animate_character_subject(rgba, request, label="teddy bear")
    assert cached.sticker is not None and fresh.sticker is not None
    assert all(np.array_equal(a, b) for a, b in zip(cached.sticker.frames, fresh.sticker.frames, strict=True))
