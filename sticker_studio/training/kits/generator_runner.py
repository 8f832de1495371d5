"""Train the generator from an offline kit on the GPU: what the kit's ``train.sh`` runs.

The kit's format (packing and loading) is :mod:`sticker_studio.training.kits.generator_kit`;
this runner sits above both it and :mod:`sticker_studio.training.generator.train`, so the two
no longer import each other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.kits.generator_kit import MINILM_CONFIG, read_kit


def train_from_kit(kit: str | Path, out: str | Path, *, minutes: float, model_config: str = "bundled-cpu",
                   extra: dict[str, Any] | None = None, device: str = "auto"):
    """Train for ``minutes`` of wall-clock from the kit into ``out`` and export ``out/export``."""
    from sticker_studio.training.generator.train import GeneratorTrainConfig, train_generator

    info = read_kit(kit)
    fields = {"steps": 100_000, "batch_size": 32, "lr": 5e-4, "warmup_steps": 200, "ema_decay": 0.999,
              "checkpoint_every": 2000, "task_weights": {"i2v": 0.4, "loop": 0.25, "interp": 0.15,
                                                          "continue": 0.15, "t2v": 0.05},
              "augment_prob": 0.8, "low_noise_share": 0.3, **(extra or {})}
    known = set(GeneratorTrainConfig.__dataclass_fields__)
    unknown = sorted(set(fields) - known)
    if unknown:
        raise InvalidInputError(f"unknown training fields: {', '.join(unknown)}")
    cfg = GeneratorTrainConfig(
        data=[],
        out=str(out),
        model_config=model_config,
        max_minutes=float(minutes),
        device=device,
        kit=str(kit),
        text_encoder=dict(info.get("text_encoder") or MINILM_CONFIG),
        export=str(Path(out) / "export"),
        progress=False,
        **fields,
    )
    return train_generator(cfg)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sticker_studio.training.kits.generator_runner",
                                     description="train the generator from an offline kit")
    sub = parser.add_subparsers(dest="cmd", required=True)
    train = sub.add_parser("train")
    train.add_argument("kit", type=Path)
    train.add_argument("--minutes", type=float, required=True)
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--config", default="bundled-cpu")
    train.add_argument("--extra", default="{}", help="JSON of GeneratorTrainConfig fields")
    train.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    result = train_from_kit(args.kit, args.out, minutes=args.minutes, model_config=args.config,
                            extra=json.loads(args.extra), device=args.device)
    print(json.dumps({k: str(v) for k, v in asdict(result).items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
