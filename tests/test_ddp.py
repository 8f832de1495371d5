"""Two CPU processes (gloo) train the tiny generator under torchrun and end identical."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from test_training import make_tiny_dataset

WORKER = '''
import os, sys
from pathlib import Path
import torch
torch.set_num_threads(1)
from sticker_studio.training.generator.train import GeneratorTrainConfig, train_generator
data, out = sys.argv[1], sys.argv[2]
cfg = GeneratorTrainConfig(data=[data], out=out, model_config="tiny", steps=2, batch_size=1, warmup_steps=1,
                           checkpoint_every=0, log_every=1, progress=False, cache_dir=out + "-cache")
result = train_generator(cfg)
Path(out, f"weights-rank{os.environ['RANK']}.sha256").write_text(result.weights_sha256)
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_ranks_end_with_identical_weights(tmp_path: Path) -> None:
    data = make_tiny_dataset(tmp_path / "data", n=6)
    # build the clip cache once so the two ranks do not race to write it
    from sticker_studio.training.data.clips import ClipConfig, ClipDataset

    ClipDataset([data], config=ClipConfig(size=16), cache_dir=str(tmp_path / "run-cache"))
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--nnodes", "1",
           "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), str(script), str(data),
           str(tmp_path / "run")]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    h0 = (tmp_path / "run" / "weights-rank0.sha256").read_text()
    h1 = (tmp_path / "run" / "weights-rank1.sha256").read_text()
    assert len(h0) == 64 and h0 == h1
    # rank 0 alone wrote the run files
    assert (tmp_path / "run" / "run_config.json").is_file()
    assert '"world_size": 2' in (tmp_path / "run" / "run_config.json").read_text()
