"""Precomputed automatic rigs of the bundled art library: the rig of a drawing whose pixels are known.

Text -> sticker renders library art (:mod:`sticker_studio.engine.generate.two_stage`) and rigs it
automatically (:func:`~sticker_studio.engine.rig.auto.auto_rig`: the rig network + geometry, about
0.15-0.2 s of CPU a drawing). The library is bundled and fixed, so the rig of every entry as text ->
sticker draws it by default (512 px, the default art style, seed 0: no mirror, no shade) is computed
once, at build time, and shipped in ``resources/art/rig_cache.bin`` (~0.8 MiB for ~1650 rigs).

* **Key**: a drawing's rig is looked up by a hash of its pixels (shape + RGBA bytes), so a
  recoloured, mirrored or resized drawing, or a render that differs by one pixel (another resvg),
  simply misses and is rigged as before. What is served is exactly what ``auto_rig`` returned when
  the cache was built: numbers stored as their shortest exact repr and of the same type (a numpy
  float64 stays one: it changes how a float32 image is computed), the part map as its bytes.
* **Self-invalidating**: the file records a version key, the sha256 of the rig code (the source of
  :data:`RIG_SOURCES`: the automatic rig's geometry, the rig value, the rig network and its decoding),
  of the default rig model's files (their sha256 in the model manifest) and of the versions of
  numpy, scipy and Pillow. When any of them changes, the key differs and the whole file is ignored
  (every rig is computed again) until it is rebuilt. A frozen app without the sources of those
  modules cannot check the key and uses no cache.
* **Rebuild** (after a change to the automatic rig or a new rig model)::

      python -m sticker_studio.training.data.build_rig_cache

``tests/test_rig_cache.py`` checks that cached rigs equal freshly computed ones and that a stale
key is ignored; its ``test_shipped_rig_cache_is_current`` fails, naming this command, when the
shipped file no longer matches the code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import lzma
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio import paths
from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig

CACHE_SCHEMA = "sticker-studio/rig-cache/2"
CACHE_FILE = "rig_cache.bin"
REBUILD_COMMAND = "python -m sticker_studio.training.data.build_rig_cache"
#: The modules whose code decides an automatic rig (their source is hashed into the version key).
#: A new module on the rig's path belongs here too.
RIG_SOURCES: tuple[str, ...] = (
    "sticker_studio.core.puppet.autorig",
    "sticker_studio.core.puppet.drawn_eyes",
    "sticker_studio.core.puppet.on_subject",
    "sticker_studio.core.puppet.part_joints",
    "sticker_studio.core.puppet.rig",
    "sticker_studio.core.puppet.stick_figure",
    "sticker_studio.engine.rig.auto",
    "sticker_studio.engine.rig.contract",
    "sticker_studio.engine.rig.numpy_net",
    "sticker_studio.engine.rig.predict",
    "sticker_studio.engine.rig.preprocess",
)

#: a part map's label bytes (its box) are packed as raw LZMA2 (~1 KiB a map)
_PARTS_FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}]

_lock = threading.Lock()
_state: dict[str, Any] = {}


def cache_path() -> Path:
    """The shipped cache: ``resources/art/rig_cache.bin``."""
    return paths.resources_dir() / "art" / CACHE_FILE


def pixel_key(rgba: np.ndarray) -> str:
    """The hash a drawing is looked up by: its shape and RGBA bytes (32 hex digits)."""
    arr = np.ascontiguousarray(rgba)
    digest = hashlib.blake2b(str((arr.shape, arr.dtype.str)).encode(), digest_size=16)
    digest.update(arr.data)
    return digest.hexdigest()


def _module_source(name: str) -> bytes | None:
    spec = importlib.util.find_spec(name)
    loader = getattr(spec, "loader", None) if spec is not None else None
    try:
        text = loader.get_source(name) if loader is not None and hasattr(loader, "get_source") else None
    except (ImportError, OSError):
        text = None
    return None if text is None else text.replace("\r\n", "\n").encode("utf-8")


def _code_digest() -> str | None:
    """sha256 of the rig modules' source (None when a source cannot be read: a frozen app)."""
    digest = hashlib.sha256(CACHE_SCHEMA.encode())
    for name in RIG_SOURCES:
        source = _module_source(name)
        if source is None:
            return None
        digest.update(name.encode() + b"\0" + hashlib.sha256(source).digest())
    return digest.hexdigest()


def _model_digest() -> str | None:
    """The default rig model's id and file sha256s (from the manifest), or None when none is installed."""
    from sticker_studio.engine.rig.predict import RIG_TASK, rig_model_installed
    from sticker_studio.engine.store.manifest import ModelManifest

    if not rig_model_installed():
        return None
    manifest = ModelManifest.load()
    entry = manifest.get(manifest.default_id(RIG_TASK))
    files = sorted(f"{f.path}:{f.sha256}" for f in entry.files)
    return hashlib.sha256("\n".join([entry.id, *files]).encode()).hexdigest()


#: the libraries whose arithmetic the rig goes through (their versions are part of the key)
RIG_LIBRARIES: tuple[str, ...] = ("numpy", "scipy", "pillow")


def library_versions() -> str:
    """The installed versions of :data:`RIG_LIBRARIES`, as the key and the file's header write them."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in RIG_LIBRARIES:
        try:
            found.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            found.append(f"{name}==?")
    return ",".join(found)


def version_key() -> str | None:
    """The key a cache must carry to be used: rig code, rig model and the numeric libraries' versions
    (None: no cache can be trusted)."""
    with _lock:
        if "code" not in _state:
            _state["code"] = _code_digest()
            _state["libraries"] = library_versions()
        code, libraries = _state["code"], _state["libraries"]
    if code is None:
        return None
    model = _model_digest()
    if model is None:
        return None
    return hashlib.sha256(f"{code}\n{model}\n{libraries}".encode()).hexdigest()


# --------------------------------------------------------------------------- (de)serialising a rig
def _put(value: Any) -> Any:
    """A joint or face number as JSON: Python numbers as they are (floats round-trip through their repr),
    a numpy scalar as ``[dtype, value]`` so it reads back as that type (a float32 image times a numpy
    float64 is computed in float64, times a Python float in float32: the type changes the pixels)."""
    if isinstance(value, np.generic):
        return [value.dtype.str, value.item()]
    if isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"a rig value of type {type(value).__name__} cannot be cached")


def _get(value: Any) -> Any:
    if isinstance(value, list):
        return np.dtype(str(value[0])).type(value[1])
    if isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"a cached rig value {value!r} is not a number")


def rig_to_record(rig: Rig) -> tuple[dict[str, Any], bytes]:
    """A rig as a JSON-able record that reads back exactly (the same numbers of the same types), and its
    part map's label bytes (its box) packed as raw LZMA2 (``b""`` when it has none)."""
    record: dict[str, Any] = {
        "w": rig.width, "h": rig.height, "plan": rig.plan.value, "source": rig.source,
        "joints": [[n, _put(j.x), _put(j.y), _put(j.confidence)] for n, j in rig.joints.items()],
        "face": [[n, _put(e.cx), _put(e.cy), _put(e.rx), _put(e.ry)] for n, e in rig.face.items()],
        "parts": None,
    }
    packed = b""
    if rig.parts is not None:
        parts = np.ascontiguousarray(rig.parts, np.uint8)
        rows, cols = np.flatnonzero(parts.any(1)), np.flatnonzero(parts.any(0))
        box = [0, 0, 0, 0] if rows.size == 0 else [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]
        packed = lzma.compress(parts[box[1]:box[3], box[0]:box[2]].tobytes(), format=lzma.FORMAT_RAW,
                               filters=_PARTS_FILTERS)
        record["parts"] = {"box": box, "at": [0, len(packed)]}
    return record, packed


def rig_from_record(record: dict[str, Any], blobs: bytes | memoryview = b"") -> Rig:
    """The rig :func:`rig_to_record` wrote (validated); ``blobs`` holds its packed part map at ``parts.at``."""
    w, h = int(record["w"]), int(record["h"])
    parts = None
    if record.get("parts") is not None:
        x0, y0, x1, y1 = (int(v) for v in record["parts"]["box"])
        at, length = (int(v) for v in record["parts"]["at"])
        labels = lzma.decompress(bytes(blobs[at:at + length]), format=lzma.FORMAT_RAW, filters=_PARTS_FILTERS)
        parts = np.zeros((h, w), np.uint8)
        parts[y0:y1, x0:x1] = np.frombuffer(labels, np.uint8).reshape(y1 - y0, x1 - x0)
    rig = Rig(w, h, {str(n): Joint(_get(x), _get(y), _get(c)) for n, x, y, c in record["joints"]},
              {str(n): Ellipse(_get(cx), _get(cy), _get(rx), _get(ry)) for n, cx, cy, rx, ry in record["face"]},
              BodyPlan(record["plan"]), parts, str(record["source"]))
    rig.validate()
    return rig


# --------------------------------------------------------------------------- the file
@dataclass(frozen=True)
class RigCacheHeader:
    """The cache file's first line."""

    schema: str
    key: str
    entries: int
    size: int
    style: str
    text_bytes: int     #: the zlib-compressed records that follow the header line
    #: the numpy/scipy/Pillow versions it was built with (part of ``key``; written out so a machine with
    #: other versions can tell "built elsewhere" from "the rig changed"; "" in files without it)
    libraries: str = ""


@dataclass(frozen=True)
class _Loaded:
    text: str           #: one line per rig: pixel key, tab, record JSON
    blobs: bytes        #: the packed part maps the records point into


def write_cache(path: Path, key: str, rigs: dict[str, Rig], *, size: int, style: str) -> Path:
    """Write ``rigs`` (pixel key -> rig) with version ``key``.

    The file: a JSON header line; the records (one line per rig: pixel key, a tab, the record's JSON),
    zlib-compressed (a few ms to read); the part maps' packed labels, which the records point into.
    """
    from sticker_studio.core.atomic import atomic_write_bytes

    lines, blobs, offset = [], [], 0
    for pk in sorted(rigs):
        record, packed = rig_to_record(rigs[pk])
        if record["parts"] is not None:
            record["parts"]["at"] = [offset, len(packed)]
            blobs.append(packed)
            offset += len(packed)
        lines.append(f"{pk}\t{json.dumps(record, separators=(',', ':'))}")
    text = zlib.compress(("\n" + "\n".join(lines) + "\n").encode("utf-8"), 9)
    header = {"schema": CACHE_SCHEMA, "key": key, "entries": len(rigs), "size": size, "style": style,
              "text_bytes": len(text), "libraries": library_versions()}
    return atomic_write_bytes(path, json.dumps(header, separators=(",", ":")).encode() + b"\n" + text
                              + b"".join(blobs))


def _split(data: bytes) -> tuple[RigCacheHeader, bytes] | None:
    """The header and what follows it, or None when ``data`` is not a rig cache of this schema."""
    end = data.find(b"\n")
    if end <= 0:
        return None
    try:
        raw = json.loads(data[:end])
        header = RigCacheHeader(str(raw["schema"]), str(raw["key"]), int(raw["entries"]), int(raw["size"]),
                                str(raw["style"]), int(raw["text_bytes"]), str(raw.get("libraries", "")))
    except (ValueError, KeyError, TypeError):
        return None
    return (header, data[end + 1:]) if header.schema == CACHE_SCHEMA else None


def read_header(path: Path) -> RigCacheHeader | None:
    """The header of a cache file (None when it is missing or not a rig cache)."""
    try:
        with open(path, "rb") as fh:
            first = fh.readline(4096)
    except OSError:
        return None
    found = _split(first)
    return None if found is None else found[0]


def _loaded(path: Path) -> _Loaded | None:
    """The cache when its key matches this code and rig model (read once per file), else None."""
    with _lock:
        if path in _state.get("files", {}):
            cached: _Loaded | None = _state["files"][path]
            return cached
    usable = None
    try:
        found = _split(path.read_bytes())
        if found is not None and found[0].key == version_key():
            header, rest = found
            usable = _Loaded(zlib.decompress(rest[:header.text_bytes]).decode("utf-8"), rest[header.text_bytes:])
    except (OSError, zlib.error, UnicodeDecodeError):
        usable = None
    with _lock:
        _state.setdefault("files", {})[path] = usable
    return usable


def cached_rig(rgba: np.ndarray, path: Path | None = None) -> Rig | None:
    """The shipped rig of this exact drawing, or None (not in the cache, or the cache is stale or missing)."""
    loaded = _loaded(path or cache_path())
    if loaded is None:
        return None
    pk = pixel_key(rgba)
    at = loaded.text.find("\n" + pk + "\t")
    if at < 0:
        return None
    start = at + len(pk) + 2
    rig = rig_from_record(json.loads(loaded.text[start:loaded.text.index("\n", start)]), loaded.blobs)
    return rig if (rig.width, rig.height) == (rgba.shape[1], rgba.shape[0]) else None


def auto_rig_cached(rgba: np.ndarray) -> Rig:
    """:func:`~sticker_studio.engine.rig.auto.auto_rig` with the shipped cache in front of it."""
    rig = cached_rig(rgba)
    if rig is not None:
        return rig
    from sticker_studio.engine.rig.auto import auto_rig

    return auto_rig(rgba)


def clear_cache() -> None:
    """Forget the loaded file and the code hash (tests; after rebuilding the file in this process)."""
    with _lock:
        _state.clear()
