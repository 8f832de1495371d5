"""The matting head for inference without diffusers (engine/models/matting_net.py): the same weights and
outputs as the diffusers MattingHead, refusals for folders that do not hold this network, and a CLI ``matte``
that never imports diffusers (it pulls in torch._dynamo: seconds of every run)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.models.matting_head import MattingHead
from sticker_studio.engine.models.matting_net import MattingNet, StandaloneMattingNet, load_matting_net

BUNDLED = Path(__file__).resolve().parents[1] / "resources" / "models" / "matting-head"
LIMIT = 2_000_000_000


def test_same_parameters_and_outputs_as_the_diffusers_head() -> None:
    head = MattingHead.from_pretrained(str(BUNDLED)).eval()
    net = load_matting_net(BUNDLED, max_parameters=LIMIT)
    assert isinstance(net, StandaloneMattingNet) and isinstance(head, MattingNet)
    assert net.config.internal_size == head.config.internal_size and net.stride == head.stride
    assert net.dtype == torch.float32 and not net.training
    hs, ns = head.state_dict(), net.state_dict()
    assert hs.keys() == ns.keys() and all(torch.equal(hs[k], ns[k]) for k in hs)
    torch.manual_seed(0)
    frames, prior = torch.rand(1, 3, 3, 72, 56), torch.rand(1, 8, 3, 72, 56)
    with torch.no_grad():
        a, b = head(frames, prior=prior), net(frames, prior=prior)
    assert torch.equal(a.alpha, b.alpha) and torch.equal(a.foreground, b.foreground)
    assert torch.equal(b[0], b.alpha) and torch.equal(b["foreground"], b.foreground)


def test_folders_that_do_not_hold_this_network_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(BUNDLED, bad)
    config = json.loads((bad / "config.json").read_text())
    (bad / "config.json").write_text(json.dumps({**config, "stem_channels": 16}))
    with pytest.raises(ModelError, match="do not match"):
        load_matting_net(bad, max_parameters=LIMIT)  # weights of another size: never partly random
    (bad / "config.json").write_text(json.dumps({**config, "encoder_channels": [10**5, 2 * 10**5]}))
    with pytest.raises(ModelError, match="refusing"):
        load_matting_net(bad, max_parameters=LIMIT)
    (bad / "config.json").write_text(json.dumps({**config, "wings": 2}))
    with pytest.raises(ModelError, match="does not describe"):
        load_matting_net(bad, max_parameters=LIMIT)
    (bad / "config.json").write_text(json.dumps(config))
    (bad / "diffusion_pytorch_model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelError, match="cannot load"):
        load_matting_net(bad, max_parameters=LIMIT)


def test_cli_matte_does_not_import_diffusers(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    src = tmp_path / "drawing.png"
    im = Image.new("RGB", (512, 512), "white")  # drawn large and scaled down: soft edges, not pixel art
    ImageDraw.Draw(im).ellipse((100, 100, 412, 412), fill=(200, 60, 60), outline="black", width=12)
    im.resize((192, 192), Image.Resampling.LANCZOS).save(src)
    out = tmp_path / "cut.png"
    code = ("import sys; from sticker_studio.cli import main; rc = main(['matte', sys.argv[1], '-o', sys.argv[2]]); "
            "print('DIFFUSERS' if 'diffusers' in sys.modules else 'NO-DIFFUSERS'); sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code, str(src), str(out)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert "NO-DIFFUSERS" in run.stdout and "matting model" in run.stdout
    alpha = Image.open(out).getchannel("A")
    assert alpha.getpixel((96, 96)) == 255 and alpha.getpixel((3, 3)) == 0
