"""Build ``resources/art/locales.json.xz``: emoji names and keywords in other languages.

    npm pack emojibase-data@17.0.0 && tar xzf emojibase-data-17.0.0.tgz
    python -m sticker_studio.training.data.build_art_locales --emojibase package -o resources/art

emojibase-data's per-locale ``data.json`` carries each emoji's CLDR annotation (name and
keywords, Unicode licence) for that language. For every entry of the bundled art index
(``index.json.xz``) this keeps its label and tags in each of :data:`LOCALES`, so a prompt
in that language is matched by :mod:`sticker_studio.core.text.prompt_match`. Lower-cased;
entries the locale does not annotate are left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sticker_studio.core.text.art_library import INDEX_FILE, read_xz_json, write_xz_json
from sticker_studio.training.data.emoji_meta import normalize_codepoints, read_package_license

LOCALES_FILE = "locales.json.xz"
LOCALES_SCHEMA = "sticker-studio/art-locales/1"
#: The languages bundled (emojibase-data locale folders); ~80-100 KB each compressed.
LOCALES: tuple[str, ...] = ("fr", "es", "de", "it", "pt", "nl", "zh", "zh-hant", "ja", "ko", "ru", "pl")


def build(emojibase: Path, out: Path, locales: tuple[str, ...] = LOCALES) -> dict[str, Any]:
    keys = {str(e["key"]) for e in read_xz_json(out / INDEX_FILE)["entries"]}
    table: dict[str, dict[str, list[str]]] = {}
    for locale in locales:
        data = json.loads((emojibase / locale / "data.json").read_text(encoding="utf-8"))
        rows: dict[str, list[str]] = {}
        for item in data:
            key = normalize_codepoints(item["hexcode"])
            if key in keys and item.get("label"):
                words = [str(item["label"]).lower()]
                words += [str(t).lower() for t in item.get("tags") or () if str(t).lower() not in words]
                rows[key] = words
        table[locale] = rows
    info = json.loads((emojibase / "package.json").read_text(encoding="utf-8"))
    write_xz_json(out / LOCALES_FILE, {
        "schema": LOCALES_SCHEMA,
        "source": f"{info['name']}@{info['version']} ({read_package_license(emojibase)}); "
                  "annotations from Unicode CLDR (Unicode License v3)",
        "locales": table,
    })
    return {locale: len(rows) for locale, rows in table.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--emojibase", type=Path, required=True, help="extracted emojibase-data package")
    parser.add_argument("-o", "--output", type=Path, default=Path("resources/art"))
    parser.add_argument("--locales", default=",".join(LOCALES), help="comma-separated emojibase locales")
    args = parser.parse_args(argv)
    print(build(args.emojibase, args.output, tuple(s for s in args.locales.split(",") if s)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
