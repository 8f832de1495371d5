"""Export a whole pack for messengers as one operation: check, write, validate, swap.

``export_pack(pack, targets, out)`` gives every target its folder ``out/<target>/``
with every sticker fitted to the target's file rule, plus what that messenger's
importer needs (tray icon, thumbnail, main/tab image, index file; see
:mod:`pack_rules`). The order of work makes it all-or-nothing:

1. pack rules (sticker count, static/animated mixing) are checked for every target
   before anything is encoded;
2. each target is built in a temp sibling folder ``out/.<target>.tmp-*``; every
   sticker is fitted, written and validated by reading it back; one failing sticker
   is reported by name and the others are still checked;
3. only when *every* target is valid is each temp folder swapped in place of
   ``out/<target>`` (rename the old one aside, rename the new one in, delete the old),
   so a deleted sticker's stale file never survives. If anything failed, the temp
   folders are removed and nothing under ``out`` changed (:class:`PackExportError`).

Nothing the tool did not write is deleted: an existing ``out/<target>`` is replaced
only if its marker file (:data:`MARKER_FILE`) lists every file in it; a symlink there
is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.core.atomic import output_error
from sticker_studio.core.errors import InvalidInputError, OutputError, StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.fit_pool import DEFAULT_CACHE, CachedFit, FitCache, FitJob, fit_all
from sticker_studio.formats.handoff import HandoffSticker, write_handoff
from sticker_studio.formats.pack_rules import PackImage, PackRule, get_pack_rule
from sticker_studio.formats.targets import ExportTarget, get_target
from sticker_studio.formats.validate import validate_file

#: Written last into every target folder: the files this tool wrote there.
MARKER_FILE = ".sticker-studio-export.json"



@dataclass(frozen=True)
class PackItem:
    """One sticker as the exporter sees it: a name, its emoji and the frames."""

    name: str
    emojis: tuple[str, ...]
    sticker: Sticker
    #: the drawing a motion sticker was animated from (for vector targets; None: not kept or not needed)
    source: np.ndarray | None = None


@dataclass
class StickerResult:
    """One sticker file of one target."""

    name: str
    file: str = ""
    byte_size: int = 0
    quality: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class TargetPackReport:
    """What one target's folder holds (or would have held) and what is wrong with it."""

    target: str
    folder: Path
    animated: bool = True
    stickers: list[StickerResult] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # pack-level and "sticker name: reason"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and all(not s.problems for s in self.stickers)

    def all_problems(self) -> list[str]:
        return list(self.problems) + [f"{s.name}: {p}" for s in self.stickers for p in s.problems]


@dataclass
class PackExportReport:
    """Every target's report; ``written`` once the folders were swapped in."""

    targets: dict[str, TargetPackReport]
    written: bool = False
    seconds: float = 0.0
    fit_seconds: float = 0.0  # fitting every sticker (cache + pool); the rest is writing and validating

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.targets.values())


class PackExportError(StickerStudioError):
    """At least one target's pack is invalid; nothing was written. ``report`` says why."""

    def __init__(self, report: PackExportReport):
        self.report = report
        parts = []
        for name, r in report.targets.items():
            problems = r.all_problems()
            if problems:
                more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
                parts.append(f"{name}: " + "; ".join(problems[:3]) + more)
        super().__init__("the pack was not exported (nothing written): " + " | ".join(parts))


# --------------------------------------------------------------------------- names
def safe_stem(name: str, fallback: str) -> str:
    """A file-name-safe version of a sticker name (letters, digits, _ and -)."""
    stem = re.sub(r"[^\w\-]+", "_", name, flags=re.UNICODE).strip("_.") or fallback
    return stem[:40]


def pack_identifier(title: str) -> str:
    """WhatsApp's pack identifier: letters, digits, '_', '-' and '.' only.

    A title with letters outside ASCII (日本の猫) keeps what ASCII it has and gets a short digest of
    the whole title, so two such packs never share an identifier (WhatsApp would merge them).
    """
    ascii_part = re.sub(r"[^A-Za-z0-9_.-]+", "_", title).strip("_.")
    if title.isascii():
        return (ascii_part or "sticker_pack")[:100]
    digest = hashlib.blake2b(title.encode("utf-8"), digest_size=4).hexdigest()
    return f"{(ascii_part or 'sticker_pack')[:90]}_{digest}"


def sticker_file_names(items: Sequence[PackItem], target: ExportTarget) -> list[str]:
    """Pack-order file names: ``01_name.ext`` (LINE wants bare ``01.png``)."""
    out = []
    for i, item in enumerate(items, start=1):
        if target.name == "line":
            out.append(f"{i:02d}{target.extension}")
        else:
            out.append(f"{i:02d}_{safe_stem(item.name, 'sticker')}{target.extension}")
    return out


# --------------------------------------------------------------------------- rules
def pack_is_animated(items: Sequence[PackItem]) -> bool:
    return any(item.sticker.frame_count > 1 for item in items)


def file_target_for(rule: PackRule, items: Sequence[PackItem]) -> ExportTarget:
    """The per-file rule stickers of this pack meet for ``rule``'s target."""
    if not rule.mixed and rule.static_file is not None and not pack_is_animated(items):
        return rule.static_file
    return get_target(rule.target)


def check_pack_rules(items: Sequence[PackItem], target: str) -> list[str]:
    """Pack-level problems (count, emoji) for ``target``; empty when the pack may be exported."""
    rule = get_pack_rule(target)
    problems = []
    count = rule.count_problem(len(items))
    if count:
        problems.append(count)
    for item in items:
        if not item.emojis:
            problems.append(f"{item.name}: needs at least one emoji")
    return problems


# --------------------------------------------------------------------------- images
def still_png(frame: np.ndarray, spec: PackImage) -> bytes:
    """``frame`` fitted onto ``spec``'s canvas as a PNG within its byte limit."""
    canvas = fit_into_canvas(frame, spec.width, spec.height)
    image = Image.fromarray(canvas, "RGBA")
    for colors in (None, 256, 128, 64, 32, 16):
        buf = io.BytesIO()
        im = image if colors is None else image.quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
        im.save(buf, format="PNG", optimize=True)
        if buf.tell() <= spec.max_bytes:
            return buf.getvalue()
    raise InvalidInputError(f"the {spec.role} does not fit {spec.max_bytes:,} B")


def cover_frame(items: Sequence[PackItem], cover_index: int) -> np.ndarray:
    """The first frame of the cover sticker (the tray/thumbnail/main image source)."""
    index = cover_index if 0 <= cover_index < len(items) else 0
    return items[index].sticker.frames[0]


# --------------------------------------------------------------------------- index files
def index_document(rule: PackRule, items: Sequence[PackItem], files: Sequence[str], *, title: str,
                   publisher: str, animated: bool, cover_index: int) -> dict[str, object] | None:
    """The JSON the target's importer reads (None for targets without one)."""
    if rule.target == "whatsapp":
        # The shape of WhatsApp's sticker sample app (Android/app/src/main/assets/contents.json).
        return {
            "android_play_store_link": "",
            "ios_app_store_link": "",
            "sticker_packs": [{
                "identifier": pack_identifier(title),
                "name": title,
                "publisher": publisher or "Sticker Studio",
                "tray_image_file": "tray.png",
                "image_data_version": "1",
                "avoid_cache": False,
                "publisher_email": "",
                "publisher_website": "",
                "privacy_policy_website": "",
                "license_agreement_website": "",
                "animated_sticker_pack": animated,
                "stickers": [{"image_file": f, "emojis": list(i.emojis[:rule.max_emojis])}
                             for f, i in zip(files, items, strict=False)],
            }],
        }
    if rule.target in ("telegram", "telegram-emoji", "telegram-tgs"):
        # Fields of the Bot API's createNewStickerSet / InputSticker.
        kind = "animated" if rule.target == "telegram-tgs" else "video"
        return {
            "title": title,
            "sticker_type": "custom_emoji" if rule.target == "telegram-emoji" else "regular",
            "sticker_format": kind,
            "thumbnail": "thumbnail.png",
            "stickers": [{"sticker": f, "format": kind, "emoji_list": list(i.emojis[:rule.max_emojis])}
                         for f, i in zip(files, items, strict=False)],
        }
    if rule.target == "signal":
        # Signal's pack manifest: title, author, cover, one emoji per sticker.
        cover = cover_index if 0 <= cover_index < len(items) else 0
        return {
            "title": title,
            "author": publisher,
            "cover": {"file": files[cover], "emoji": items[cover].emojis[0]},
            "stickers": [{"file": f, "emoji": i.emojis[0]} for f, i in zip(files, items, strict=False)],
        }
    return None


# --------------------------------------------------------------------------- folders
def check_replaceable(folder: Path) -> None:
    """Raise unless ``folder`` is absent or a folder this tool wrote (per its marker)."""
    if folder.is_symlink():
        raise InvalidInputError(f"{folder} is a symbolic link; the export will not write through it")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise InvalidInputError(f"{folder} exists and is not a folder; move it or choose another -o")
    marker = folder / MARKER_FILE
    try:
        listed = set(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
    except (OSError, ValueError, AttributeError):
        raise InvalidInputError(
            f"{folder} exists and was not written by sticker-studio; move it or choose another -o") from None
    foreign = sorted(p.name for p in folder.iterdir() if p.name != MARKER_FILE and p.name not in listed)
    if foreign:
        raise InvalidInputError(
            f"{folder} holds {foreign[0]!r}, which sticker-studio did not write; move it out first")


def swap_in(tmp: Path, folder: Path) -> None:
    """Replace ``folder`` with ``tmp`` (rename aside, rename in, delete the old one)."""
    old: Path | None = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{secrets.token_hex(4)}")
        folder.rename(old)
    try:
        tmp.rename(folder)
    except OSError:
        if old is not None:
            old.rename(folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- the operation
def export_pack(
    items: Sequence[PackItem],
    targets: Sequence[str],
    out_dir: str | Path,
    *,
    title: str,
    publisher: str = "",
    cover_index: int = 0,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    workers: int | None = None,
    cache: FitCache | None = DEFAULT_CACHE,
) -> PackExportReport:
    """Write ``out_dir/<target>/`` for every target, or nothing (see the module docstring).

    Every sticker is fitted to every target first, on every core and through the fit
    cache (:mod:`fit_pool`: a sticker "Check sizes" fitted is not fitted again);
    ``workers=1`` fits serially in this process, ``cache=None`` always fits anew.

    Raises :class:`PackExportError` (with the full report) when any target's pack is
    invalid, :class:`InvalidInputError` when an output folder cannot be replaced safely.
    """
    start = time.perf_counter()
    if not items:
        raise InvalidInputError("the pack has no stickers to export")
    names = list(dict.fromkeys(get_target(t).name for t in targets))
    if not names:
        raise InvalidInputError("choose at least one target")
    out = Path(out_dir)
    if out.is_symlink():
        raise InvalidInputError(f"{out} is a symbolic link; choose a real folder for the export")
    _check_out_folder(out)
    for name in names:
        check_replaceable(out / name)
    report = PackExportReport({n: TargetPackReport(n, out / n) for n in names})
    for name in names:  # 1. pack rules first: nothing is encoded for a pack that cannot be valid
        report.targets[name].problems += check_pack_rules(items, name)
    if not report.ok:
        report.seconds = time.perf_counter() - start
        raise PackExportError(report)

    t0 = time.perf_counter()
    fits = fit_pack(items, names, progress=progress, cancel=cancel, workers=workers, cache=cache)
    report.fit_seconds = time.perf_counter() - t0
    created_out = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(out, error) from None
    temps: dict[str, Path] = {}
    try:
        for name in names:
            tmp = out / f".{name}.tmp-{secrets.token_hex(4)}"
            tmp.mkdir()
            temps[name] = tmp
            t0 = time.perf_counter()
            for _ in _build_target(report.targets[name], tmp, items, fits[name], title=title,
                                   publisher=publisher, cover_index=cover_index, cancel=cancel):
                pass
            report.targets[name].seconds = time.perf_counter() - t0
        if not report.ok:
            raise PackExportError(report)
        for name in names:  # 3. every target valid: swap each folder in
            swap_in(temps.pop(name), out / name)
        report.written = True
    except OutputError:
        raise
    except OSError as error:  # disk full, read-only, a file where a folder goes: one line, nothing left behind
        raise output_error(out, error) from None
    finally:
        for tmp in temps.values():
            shutil.rmtree(tmp, ignore_errors=True)
        if created_out and not report.written:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: it was made by this call
    report.seconds = time.perf_counter() - start
    return report


def fit_pack(items: Sequence[PackItem], targets: Sequence[str], *, progress: ProgressCallback | None = None,
             cancel: CancelToken | None = None, workers: int | None = None, cache: FitCache | None = DEFAULT_CACHE,
             stats: dict[str, object] | None = None) -> dict[str, list[CachedFit | StickerStudioError]]:
    """Every sticker fitted to every target's file rule (cache, then a process pool); by target name.

    This is what "Check sizes" runs; an export right after finds every fit in the cache.
    """
    names = list(dict.fromkeys(get_target(t).name for t in targets))
    jobs = [FitJob(item.sticker, file_target_for(get_pack_rule(name), items)) for name in names for item in items]
    results = fit_all(jobs, workers=workers, cache=cache, progress=progress, cancel=cancel, stats=stats)
    n = len(items)
    return {name: results[k * n:(k + 1) * n] for k, name in enumerate(names)}


def _build_target(report: TargetPackReport, tmp: Path, items: Sequence[PackItem],
                  fits: Sequence[CachedFit | StickerStudioError], *, title: str,
                  publisher: str, cover_index: int, cancel: CancelToken | None) -> Iterator[None]:
    rule = get_pack_rule(report.target)
    target = file_target_for(rule, items)
    report.animated = target.max_frames != 1
    files = sticker_file_names(items, target)
    for item, file_name, fit in zip(items, files, fits, strict=False):
        if cancel is not None and cancel():
            from sticker_studio.core.errors import CancelledError

            raise CancelledError("export cancelled; nothing was written")
        result = StickerResult(item.name, file_name)
        report.stickers.append(result)
        if target.container == "tgs":  # vector: traced from the drawing, the motion as transforms
            _build_tgs(item, tmp / file_name, result, target)
            yield
            continue
        try:  # a still meets an animated target's rule as a still-looking animation (fit)
            if isinstance(fit, StickerStudioError):
                raise fit
            path = tmp / file_name
            path.write_bytes(fit.data)
            result.byte_size, result.quality = fit.byte_size, fit.quality
            result.problems += [f"{v.rule}: {v.message}" for v in validate_file(path, target)]
        except StickerStudioError as error:
            result.problems.append(str(error))
        yield
    cover = cover_frame(items, cover_index)
    for spec in rule.images:
        try:
            (tmp / spec.file_name).write_bytes(still_png(cover, spec))
            report.extra_files.append(spec.file_name)
        except StickerStudioError as error:
            report.problems.append(f"{spec.role}: {error}")
    doc = index_document(rule, items, files, title=title, publisher=publisher, animated=report.animated,
                         cover_index=cover_index)
    if doc is not None and rule.index_file:
        (tmp / rule.index_file).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        report.extra_files.append(rule.index_file)
    if report.ok:  # hand-off files are built from the files above, so only when they are all valid
        stickers = [HandoffSticker(s.file, i.emojis[:rule.max_emojis])
                    for s, i in zip(report.stickers, items, strict=False)]
        try:
            report.extra_files += write_handoff(rule.target, tmp, stickers, title=title, author=publisher)
        except StickerStudioError as error:
            report.problems.append(f"hand-off file: {error}")
    written = [s.file for s in report.stickers] + report.extra_files
    (tmp / MARKER_FILE).write_text(json.dumps({"files": written}, indent=1) + "\n", encoding="utf-8")


def _build_tgs(item: PackItem, path: Path, result: StickerResult, target: ExportTarget) -> None:
    from sticker_studio.formats.tgs.export import sticker_to_tgs

    try:
        tgs = sticker_to_tgs(item.sticker, source=item.source, max_bytes=target.max_bytes,
                             name=safe_stem(item.name, "sticker"))
        path.write_bytes(tgs.data)
        result.byte_size = tgs.byte_size
        result.quality = f"{tgs.paths} paths, {tgs.keyframes} keyframes"
        result.problems += [f"{v.rule}: {v.message}" for v in validate_file(path, target)]
    except StickerStudioError as error:
        result.problems.append(str(error))


def items_from_pack(pack: object, with_sources: bool = False) -> list[PackItem]:
    """PackItems from a :class:`~sticker_studio.core.pack.pack.StickerPack` (or its entries).

    ``with_sources`` also loads the drawing each motion sticker was animated from (vector targets).
    """
    entries = getattr(pack, "entries", pack)
    folder = getattr(pack, "folder", None)
    items = []
    for e in entries:  # type: ignore[attr-defined]
        source = None
        if with_sources:
            from sticker_studio.formats.tgs.export import motion_source

            source = motion_source(e.sticker, folder, e.id)
        items.append(PackItem(e.name, tuple(e.emojis), e.sticker, source))
    return items


def _check_out_folder(out: Path) -> None:
    """Refuse, before any fitting, an export folder that cannot be one (a file, under a file)."""
    for path in (out, *out.parents):
        if path.exists():
            if not path.is_dir():
                raise OutputError(f"cannot export into {out}: {path} is a file, not a folder; choose another -o")
            return


def export_sticker_pack(pack: object, targets: Sequence[str], out_dir: str | Path, *,
                        progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                        workers: int | None = None) -> PackExportReport:
    """:func:`export_pack` for a :class:`~sticker_studio.core.pack.pack.StickerPack` (title, author, tray icon)."""
    from sticker_studio.core.pack.pack import StickerPack

    if not isinstance(pack, StickerPack):
        raise InvalidInputError("export_sticker_pack needs a StickerPack")
    folder = Path(out_dir).resolve()
    if folder == pack.folder.resolve() or pack.folder.resolve() in folder.parents:
        raise InvalidInputError(f"export into a folder outside the pack folder {pack.folder}, not {out_dir}")
    tray = pack.tray_entry
    cover = pack.index_of(tray.id) if tray is not None else 0
    vector = any(get_target(t).container == "tgs" for t in targets)
    return export_pack(items_from_pack(pack, with_sources=vector), targets, out_dir, title=pack.title,
                       publisher=pack.author, cover_index=cover, progress=progress, cancel=cancel,
                       workers=workers)
