"""Build ``resources/art/rig_cache.bin``: the automatic rig of every art library entry as text -> sticker draws it.

Run after any change to the automatic rig (``engine/rig``, ``core/puppet/autorig.py``,
``core/puppet/rig.py``) or a new rig model; the shipped cache is ignored until then
(:mod:`sticker_studio.engine.rig.rig_cache`)::

    python -m sticker_studio.training.data.build_rig_cache            # every entry, one process
    python -m sticker_studio.training.data.build_rig_cache --jobs 2   # two processes

Each entry is rendered from its SVG at 512 px in the default art style (what ``generate`` draws
for seed 0 without a colour word) and rigged by ``auto_rig``: about 0.2 s of CPU an entry,
~6 minutes of CPU for the ~1650 entries (with writing the packed part maps).
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sticker_studio.core.puppet.rig import Rig

DEFAULT_SIZE = 512


def render_library_entry(index: int, size: int, style: str) -> np.ndarray:
    """Entry ``index`` of the bundled library rendered as two_stage renders it (seed 0, no recolour)."""
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.svg_render import render_svg

    library = ArtLibrary.load()
    entry = library.entries[index]
    return render_svg(library.svg(entry, style), size)


def _rig_one(job: tuple[int, int, str]) -> tuple[str, Rig] | None:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.engine.rig.auto import auto_rig
    from sticker_studio.engine.rig.rig_cache import pixel_key

    index, size, style = job
    rgba = render_library_entry(index, size, style)
    if not (rgba[..., 3] > 0).any():
        return None
    try:
        return pixel_key(rgba), auto_rig(rgba)
    except InvalidInputError:  # a drawing the rig cannot read: not cached (rigged, and refused, at run time)
        return None


def build(out: Path, *, size: int = DEFAULT_SIZE, style: str | None = None, jobs: int = 1,
          limit: int | None = None) -> tuple[int, int]:
    """Rig every library entry (the first ``limit``) and write the cache; returns (rigs, bytes)."""
    from sticker_studio.core.text.art_library import DEFAULT_STYLE, ArtLibrary
    from sticker_studio.engine.rig.rig_cache import version_key, write_cache

    style = style or DEFAULT_STYLE
    key = version_key()
    if key is None:
        raise SystemExit("build_rig_cache: no rig model is installed (or the rig code cannot be read); "
                         "nothing to cache")
    count = len(ArtLibrary.load().entries)
    if limit is not None:
        count = min(count, limit)
    work = [(i, size, style) for i in range(count)]
    rigs: dict[str, Rig] = {}
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_rig_one, work, chunksize=8))
    else:
        results = []
        for n, job in enumerate(work, 1):
            results.append(_rig_one(job))
            if n % 100 == 0:
                print(f"  {n}/{count} rigged ({time.perf_counter() - t0:.0f} s)", flush=True)
    for made in results:
        if made is not None:
            rigs[made[0]] = made[1]
    write_cache(out, key, rigs, size=size, style=style)
    return len(rigs), out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    from sticker_studio.engine.rig.rig_cache import cache_path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="output (default resources/art/rig_cache.bin)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N entries (a quick try)")
    args = parser.parse_args(argv)
    out = args.out or cache_path()
    t0 = time.perf_counter()
    n, size = build(out, jobs=max(1, args.jobs), limit=args.limit)
    print(f"wrote {out}: {n} rigs, {size / 1024:.0f} KiB, in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
