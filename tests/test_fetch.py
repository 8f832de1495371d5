"""The real-data fetcher, offline: fake npm tarballs with tiny animated WebPs, built end to end."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.cli import main
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.data.dataset import load_clip, read_index, read_meta
from sticker_studio.training.data.emoji_meta import EmojiCatalog, base_codepoints, normalize_codepoints
from sticker_studio.training.data.fetch import (
    ANIM_SOURCE,
    STILL_SOURCE,
    FetchConfig,
    build_datasets,
    describe,
    find_tarball,
    safe_extract,
    subsample,
)

SIDE = 48


def _square_clip(n: int, *, dy: int = 0, grow: int = 0, color=(220, 60, 40)) -> list[Image.Image]:
    frames = []
    for i in range(n):
        a = np.zeros((SIDE, SIDE, 4), np.uint8)
        phase = np.sin(2 * np.pi * i / n)
        r = 8 + int(round(grow * abs(phase)))
        cy = SIDE // 2 + int(round(dy * phase))
        a[max(0, cy - r):cy + r, SIDE // 2 - r:SIDE // 2 + r] = (*color, 255)
        frames.append(Image.fromarray(a, "RGBA"))
    return frames


def _webp(frames: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    if len(frames) == 1:
        frames[0].save(buf, format="WEBP", lossless=True)
    else:
        frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=42, loop=0, lossless=True)
    return buf.getvalue()


def _tarball(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.fixture(scope="module")
def tarballs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("npm")
    pkg = _json({"name": "@lobehub/fluent-emoji-anim-1", "version": "1.0.0", "license": "MIT"})
    _tarball(root / "lobehub-fluent-emoji-anim-1-1.0.0.tgz", {
        "package/package.json": pkg,
        "package/assets/1f44b.webp": _webp(_square_clip(12, dy=10)),
        "package/assets/1f44b-1f3fd.webp": _webp(_square_clip(12, dy=10, color=(160, 110, 80))),
        "package/assets/1f600.webp": _webp(_square_clip(14, grow=6, color=(250, 200, 40))),
        "package/assets/2b50.webp": _webp(_square_clip(1)),
    })
    pkg2 = _json({"name": "@lobehub/fluent-emoji-anim-2", "version": "1.0.0", "license": "MIT"})
    _tarball(root / "lobehub-fluent-emoji-anim-2-1.0.0.tgz", {
        "package/package.json": pkg2,
        "package/assets/1f431.webp": _webp(_square_clip(10, dy=2, color=(200, 150, 90))),
        "package/assets/0023-fe0f-20e3.webp": _webp(_square_clip(1, color=(80, 80, 200))),
        "package/assets/23-fe0f-20e3.webp": _webp(_square_clip(1, color=(80, 80, 200))),  # same emoji again
        "package/assets/README.webp": b"not an emoji file name",
    })
    emojibase = [
        {
            "label": "waving hand",
            "hexcode": "1F44B",
            "tags": ["hello", "wave", "hand"],
            "emoji": "\U0001f44b",
            "skins": [
                {"label": "waving hand: medium skin tone", "hexcode": "1F44B-1F3FD", "emoji": "\U0001f44b\U0001f3fd"}
            ],
        },
        {"label": "grinning face", "hexcode": "1F600", "tags": ["face", "grin"], "emoji": "\U0001f600"},
        {"label": "cat", "hexcode": "1F431", "tags": ["pet"], "emoji": "\U0001f431"},
        {"label": "star", "hexcode": "2B50", "tags": ["star"], "emoji": "\u2b50"},
    ]
    _tarball(root / "emojibase-data-17.0.0.tgz", {
        "package/package.json": _json({"name": "emojibase-data", "version": "17.0.0", "license": "MIT"}),
        "package/en/data.json": _json(emojibase),
    })
    datasource = [
        {"unified": "1F44B", "category": "People & Body", "subcategory": "hand-fingers-open",
         "skin_variations": {"1F3FD": {"unified": "1F44B-1F3FD"}}},
        {"unified": "1F600", "category": "Smileys & Emotion", "subcategory": "face-smiling"},
        {"unified": "1F431", "category": "Animals & Nature", "subcategory": "animal-mammal"},
    ]
    _tarball(root / "emoji-datasource-16.0.0.tgz", {
        "package/package.json": _json({"name": "emoji-datasource", "version": "16.0.0", "license": "MIT"}),
        "package/emoji.json": _json(datasource),
    })
    return root


@pytest.fixture(scope="module")
def built(tarballs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[FetchConfig, dict]:
    out = tmp_path_factory.mktemp("built")
    cfg = FetchConfig(out=out / "anim", stills_out=out / "stills", cache=out / "cache", size=32, stills_size=40,
                      workers=1, from_tarballs=tarballs, progress=False)
    reports = build_datasets(cfg, log=lambda _msg: None)
    return cfg, reports


def test_records_round_trip_and_match_their_clips(built: tuple[FetchConfig, dict]) -> None:
    cfg, reports = built
    records = read_index(cfg.out)
    assert sorted(r.id for r in records) == ["fluent-1f431", "fluent-1f44b", "fluent-1f44b-1f3fd", "fluent-1f600"]
    assert reports["animated"].written == 4 and not reports["animated"].failed
    for record in records:
        clip = load_clip(cfg.out, record)
        assert clip.frame_count == record.frame_count
        assert clip.size == (32, 32) == (record.width, record.height)
        assert record.source == ANIM_SOURCE and record.license == "MIT"
        # 24 fps source resampled towards 12 fps by formats' timing rule (count form).
        assert record.frame_count < record.extra["source_frames"]
        assert record.fps == pytest.approx(1000.0 * clip.frame_count / clip.total_duration_ms, rel=1e-3)
        assert record.fps == pytest.approx(12.0, rel=0.25)
        assert clip.has_transparency()
    meta = read_meta(cfg.out)
    names = {s["name"]: s for s in meta.sources}
    assert names["@lobehub/fluent-emoji-anim-1"]["license"] == "MIT"
    assert "states none" in names["@lobehub/fluent-emoji-anim-1"]["note"]


def test_keyframes_are_stored_for_every_k_in_temporal_order(built: tuple[FetchConfig, dict]) -> None:
    cfg, _ = built
    for record in read_index(cfg.out):
        keyframes = record.extra["keyframes"]
        assert sorted(keyframes, key=int) == ["3", "4", "5", "6", "7", "8"]
        for k, idx in keyframes.items():
            assert idx == sorted(set(idx)), idx
            assert idx[0] == 0 and idx[-1] < record.frame_count
            assert 1 <= len(idx) <= int(k)


def test_captions_and_subjects(built: tuple[FetchConfig, dict]) -> None:
    cfg, _ = built
    by_id = {r.id: r for r in read_index(cfg.out)}
    for record in by_id.values():
        domain, description = record.caption.split("\t")
        assert (domain, description) == (record.domain, record.description)
        assert "\n" not in record.caption and description.strip()
        assert record.trigger_words and all(w == w.strip() and w for w in record.trigger_words)
    wave, tone = by_id["fluent-1f44b"], by_id["fluent-1f44b-1f3fd"]
    assert wave.domain == "people & body"
    assert wave.subject == tone.subject == "waving hand"
    assert tone.description.startswith("waving hand with medium skin tone")
    assert wave.split == tone.split
    # The bouncing square is labelled with a vertical motion word.
    assert wave.motion == "bounce" and "bouncing" in wave.description
    assert by_id["fluent-1f600"].motion == "pulse"


def test_stills_go_to_their_own_folder(built: tuple[FetchConfig, dict]) -> None:
    cfg, _ = built
    assert cfg.stills_out is not None
    stills = read_index(cfg.stills_out)
    assert sorted(r.id for r in stills) == ["fluent-still-23-20e3", "fluent-still-2b50"]
    for record in stills:
        assert record.frame_count == 1 and record.motion is None and record.source == STILL_SOURCE
        assert load_clip(cfg.stills_out, record).size == (40, 40)
    keycap = next(r for r in stills if r.id == "fluent-still-23-20e3")
    assert keycap.domain == "emoji" and "keycap" in keycap.description  # Unicode-name fallback


def test_rerun_resumes_without_rebuilding(built: tuple[FetchConfig, dict]) -> None:
    cfg, _ = built
    before = (cfg.out / "index.jsonl").read_text()
    reports = build_datasets(cfg, log=lambda _msg: None)
    assert reports["animated"].written == 0 and reports["animated"].skipped == 4
    assert (cfg.out / "index.jsonl").read_text() == before


def test_split_is_disjoint_by_base_emoji() -> None:
    catalog = EmojiCatalog()
    from sticker_studio.training.data.dataset import split_for_subject

    names = [f"{cp:x}" + (f"-{tone:x}" if tone else "") for cp in range(0x1F400, 0x1F500)
             for tone in (0, 0x1F3FB, 0x1F3FF)]
    splits: dict[str, set[str]] = {}
    for name in names:
        info = catalog.lookup(name)
        splits.setdefault(info.base_key, set()).add(split_for_subject(info.base_label))
    assert all(len(s) == 1 for s in splits.values())
    found = {next(iter(s)) for s in splits.values()}
    assert found == {"train", "val", "test"}


def test_codepoint_normal_form() -> None:
    assert normalize_codepoints("0023-fe0f-20e3") == "23-20e3" == normalize_codepoints("23-20E3")
    assert base_codepoints("1f469-1f3fd-200d-1f393") == "1f469-200d-1f393"
    assert normalize_codepoints("1f3f4-e0067_e0062_e007f") == "1f3f4-e0067-e0062-e007f"
    with pytest.raises(InvalidInputError):
        normalize_codepoints("not-hex!")
    # Subdivision flags are named without the closing CANCEL TAG that the metadata has.
    wales = EmojiCatalog().lookup("1f3f4-e0067_e0062_e0077_e006c_e0073")
    assert wales.key.endswith("-e007f") and wales.label == "waving black flag"


def test_describe_without_metadata_falls_back_to_unicode_names() -> None:
    info = EmojiCatalog().lookup("1f600")
    domain, description, triggers = describe(info, "bouncing")
    assert domain == "emoji" and description == "grinning face bouncing"
    assert triggers == ["grinning", "face"]


def test_subsample_keeps_the_duration() -> None:
    frames = [np.zeros((2, 2, 4), np.uint8)] * 13
    kept, ms = subsample(frames, [42] * 13, 12.0)
    assert len(kept) == 7 and sum(ms) == 13 * 42


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink", "device"])
def test_unsafe_tar_members_are_refused(tmp_path: Path, kind: str) -> None:
    tarball = tmp_path / "evil-1.0.0.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        good = tarfile.TarInfo("package/package.json")
        good.size = 2
        tar.addfile(good, io.BytesIO(b"{}"))
        bad = tarfile.TarInfo({"dotdot": "package/../../escaped.txt", "absolute": "/tmp/escaped.txt",
                               "symlink": "package/link", "device": "package/dev"}[kind])
        if kind == "symlink":
            bad.type, bad.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(bad)
        elif kind == "device":
            bad.type = tarfile.CHRTYPE
            tar.addfile(bad)
        else:
            bad.size = 1
            tar.addfile(bad, io.BytesIO(b"x"))
    dest = tmp_path / "out" / "pkg"
    with pytest.raises(InvalidInputError, match="unsafe tar member"):
        safe_extract(tarball, dest)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "out" / "escaped.txt").exists()
    assert not (dest / "package" / "package.json").exists()  # checked before anything is written


def test_find_tarball_does_not_confuse_package_numbers(tmp_path: Path) -> None:
    for name in ("lobehub-fluent-emoji-anim-1-1.0.0.tgz", "lobehub-fluent-emoji-anim-1-1.2.0.tgz",
                 "lobehub-fluent-emoji-anim-10-1.0.0.tgz"):
        (tmp_path / name).write_bytes(b"")
    assert find_tarball(tmp_path, "@lobehub/fluent-emoji-anim-1").name == "lobehub-fluent-emoji-anim-1-1.2.0.tgz"
    assert find_tarball(tmp_path, "@lobehub/fluent-emoji-anim-2") is None


def test_cli_fetch_offline_and_info(tarballs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "anim"
    code = main(["data", "fetch", "--from-tarballs", str(tarballs), "--out", str(out), "--no-stills",
                 "--cache", str(tmp_path / "cache"), "--size", "24", "--max-clips", "2", "--workers", "1", "--quiet"])
    assert code == 0
    assert len(read_index(out)) == 2
    capsys.readouterr()
    assert main(["data", "info", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "fluent-anim: 2 clips" in printed and "frames:" in printed and "MIT" in printed


def test_cli_reports_a_folder_without_tarballs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["data", "fetch", "--from-tarballs", str(tmp_path), "--out", str(tmp_path / "o"),
                 "--cache", str(tmp_path / "c"), "--quiet"])
    assert code == 2
    assert "no @lobehub/fluent-emoji-anim-N tarball" in capsys.readouterr().err
