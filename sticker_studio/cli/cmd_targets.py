"""`sticker-studio targets [--sources] [--json]`: the messenger rule table."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("targets", help="list messenger targets and their rules")
    parser.add_argument("--sources", action="store_true", help="also print where each rule comes from")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def _limit(value: object, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from sticker_studio.formats.targets import TARGETS, VECTOR_TARGETS

    if args.json:
        rows = []
        for target in [*TARGETS.values(), *VECTOR_TARGETS.values()]:
            row = dataclasses.asdict(target)
            row["canvas"]["description"] = target.canvas.describe()
            row["rules"] = list(target.rules)
            rows.append(row)
        print(json.dumps(rows, indent=2))
        return 0
    header = ("target", "container", "canvas", "max bytes", "max ms", "max fps", "frames", "plays")
    table: list[tuple[str, ...]] = [header]
    for t in [*TARGETS.values(), *VECTOR_TARGETS.values()]:
        frames = f"{t.min_frames or 1}-{t.max_frames or 'any'}"
        plays = "any" if t.allowed_plays is None else ",".join("forever" if p == 0 else str(p) for p in t.allowed_plays)
        if t.max_play_time_ms:
            plays += f" (x loop <= {t.max_play_time_ms} ms)"
        table.append((t.name, f"{t.container} ({t.extension})", t.canvas.describe(), f"{t.max_bytes:,}",
                     _limit(t.max_duration_ms), _limit(t.max_fps), frames, plays))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(header))]
    for line in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip())
    if args.sources:
        for t in [*TARGETS.values(), *VECTOR_TARGETS.values()]:
            print(f"\n{t.name}: {t.title}. {t.notes}")
            for source in t.sources:
                print(f"  - {source}")
    return 0
