"""Telegram publishing against a stand-in Bot API server on 127.0.0.1 (nothing leaves the machine)."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.cli import main
from sticker_studio.core.errors import CancelledError
from sticker_studio.core.progress import CancelToken
from sticker_studio.formats.publish import credentials, telegram
from sticker_studio.formats.publish.base import PublishError
from sticker_studio.formats.publish.telegram import (
    TelegramTarget,
    TelegramUploader,
    plan_from_export,
    short_name,
)
from telegram_standin import BOT_USERNAME, StandinBotApi

TOKEN = "123456:AAFakeTokenForTheStandinServer_x"
USER = 42
EMOJI = ["😀", "😢", "👋", "😴", "😍", "😠", "💃"]


def fake_export(folder: Path, count: int = 5) -> Path:
    """A Telegram export folder as `pack export` writes it (tiny WebM-looking files, a real thumbnail)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(count)
    stickers = []
    for i in range(count):
        name = f"{i + 1:02d}_s{i}.webm"
        (folder / name).write_bytes(b"\x1a\x45\xdf\xa3" + rng.bytes(300))
        emojis = [EMOJI[i % len(EMOJI)]] + (["✨"] if i % 2 else [])
        stickers.append({"sticker": name, "format": "video", "emoji_list": emojis})
    Image.new("RGBA", (100, 100), (200, 30, 30, 255)).save(folder / "thumbnail.png")
    doc = {"title": "Stand-in Pack", "sticker_type": "regular", "sticker_format": "video",
           "thumbnail": "thumbnail.png", "stickers": stickers}
    (folder / "telegram.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return folder


def digests(folder: Path) -> list[str]:
    doc = json.loads((folder / "telegram.json").read_text(encoding="utf-8"))
    return [hashlib.sha256((folder / s["sticker"]).read_bytes()).hexdigest() for s in doc["stickers"]]


def uploader(server: StandinBotApi, sleeps: list[float] | None = None, user: int = USER,
             token: str = TOKEN) -> TelegramUploader:
    return TelegramUploader(token, TelegramTarget(user), api_url=server.url,
                            sleep=(sleeps.append if sleeps is not None else lambda _s: None), timeout_s=10)


@pytest.fixture(autouse=True)
def _small_first_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """createNewStickerSet takes the first 2 stickers, so the tests see addStickerToSet too."""
    monkeypatch.setattr(telegram, "MAX_INITIAL_STICKERS", 2)
    monkeypatch.delenv(credentials.TOKEN_ENV, raising=False)


def test_create_add_thumbnail_and_link_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = fake_export(tmp_path / "telegram")
    with StandinBotApi(TOKEN) as server:
        code = main(["pack", "publish", str(tmp_path), "--telegram", "--user-id", str(USER),
                     "--api-url", server.url, "--bot-token", TOKEN, "--name", "cats"])
    out, err = capsys.readouterr()
    assert code == 0, err
    name = f"cats_by_{BOT_USERNAME}"
    assert out.strip().splitlines()[-1] == f"https://t.me/addstickers/{name}"
    assert server.violations == []
    assert server.methods() == ["getMe", "getStickerSet", "createNewStickerSet", *["addStickerToSet"] * 3,
                                "setStickerSetThumbnail"]
    created = server.calls[2]
    assert created.fields["title"] == "Stand-in Pack" and created.fields["user_id"] == str(USER)
    assert [s["emoji_list"] for s in json.loads(created.fields["stickers"])] == [["😀"], ["😢", "✨"]]
    assert all(json.loads(c.fields["sticker"])["format"] == "video" for c in server.calls[3:6])
    pack = server.sets[name]
    assert [s["sha256"] for s in pack.stickers] == digests(export)  # every file, in pack order
    assert [s["emoji"] for s in pack.stickers] == EMOJI[:5]
    assert pack.thumbnail == (export / "thumbnail.png").read_bytes()
    assert TOKEN not in out + err


def test_a_429_in_the_middle_is_waited_out_with_a_countdown(tmp_path: Path) -> None:
    export = fake_export(tmp_path / "telegram")
    sleeps: list[float] = []
    countdown: list[int] = []
    with StandinBotApi(TOKEN) as server:
        server.inject("addStickerToSet", 2, "429", retry_after=3)
        report = uploader(server, sleeps).publish(plan_from_export(export),
                                                  on_wait=lambda left, _why: countdown.append(left))
    assert server.violations == []
    assert report.waits == [3] and countdown == [3, 2, 1, 0] and sum(sleeps) == 3
    assert [c.answered for c in server.calls if c.method == "addStickerToSet"] == ["ok", "429", "ok", "ok"]
    assert [s["sha256"] for s in server.sets[report.name].stickers] == digests(export)  # no duplicate
    assert report.created and report.added == 5 and report.thumbnail_set


def test_cancel_during_a_wait_stops_and_a_rerun_finishes(tmp_path: Path) -> None:
    export = fake_export(tmp_path / "telegram")
    waited: list[int] = []
    with StandinBotApi(TOKEN) as server:
        server.inject("addStickerToSet", 1, "429", retry_after=30)
        with pytest.raises(CancelledError):
            uploader(server).publish(plan_from_export(export), on_wait=lambda left, _why: waited.append(left),
                                     cancel=CancelToken(also=lambda: len(waited) >= 2))
        assert len(server.sets[f"Stand_in_Pack_by_{BOT_USERNAME}"].stickers) == 2
        report = uploader(server).publish(plan_from_export(export))
    assert report.already_there == 2 and report.added == 3
    assert [s["sha256"] for s in server.sets[report.name].stickers] == digests(export)


def test_resume_after_a_killed_run_adds_only_what_is_missing_in_order(tmp_path: Path) -> None:
    export = fake_export(tmp_path / "telegram", count=7)
    with StandinBotApi(TOKEN) as server:
        server.inject("addStickerToSet", 3, "drop")  # the server added sticker 5; the client never heard
        with pytest.raises(PublishError, match="run it again"):
            uploader(server).publish(plan_from_export(export))
        name = f"Stand_in_Pack_by_{BOT_USERNAME}"
        assert len(server.sets[name].stickers) == 5
        first_run = len(server.calls)
        report = uploader(server).publish(plan_from_export(export))
        rerun = server.calls[first_run:]
        again = uploader(server).publish(plan_from_export(export))  # a third run has nothing to do
    assert server.violations == []
    assert [c.method for c in rerun] == ["getMe", "getStickerSet", "addStickerToSet", "addStickerToSet",
                                         "setStickerSetThumbnail"]
    assert [s["sha256"] for s in server.sets[name].stickers] == digests(export)  # no duplicates, order kept
    assert (report.already_there, report.added, report.created) == (5, 2, False)
    assert (again.already_there, again.added) == (7, 0)


def test_bad_token_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_export(tmp_path / "telegram")
    wrong = "999999:BBWrongTokenWrongTokenWrongToken"
    with StandinBotApi(TOKEN) as server:
        code = main(["pack", "publish", str(tmp_path), "--telegram", "--user-id", str(USER),
                     "--api-url", server.url, "--bot-token", wrong])
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) <= 2 and "refused the bot token" in err
    assert wrong not in err and "Traceback" not in err
    assert server.methods() == ["getMe"] and server.sets == {}


@pytest.mark.parametrize(("case", "expected"), [
    ("not-started", "has not started the bot"),
    ("name-taken", "choose another --name"),
    ("too-many", "at most 120"),
    ("set-full", "is full"),
    ("bad-name", "not a valid sticker set name"),
])
def test_user_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
                                        expected: str) -> None:
    export = fake_export(tmp_path / "telegram", count=121 if case == "too-many" else 5)
    user = 99 if case == "not-started" else USER
    with StandinBotApi(TOKEN, max_stickers=3 if case == "set-full" else 120) as server:
        if case == "name-taken":  # someone's set with other stickers under that name
            other = fake_export(tmp_path / "other", count=3)
            uploader(server).publish(plan_from_export(other))
            server.sets[f"Stand_in_Pack_by_{BOT_USERNAME}"].stickers[0]["emoji"] = "🐸"
        args = ["pack", "publish", str(export), "--telegram", "--user-id", str(user), "--api-url", server.url,
                "--bot-token", TOKEN]
        if case == "bad-name":
            args += ["--name", "9 lives!"]
        code = main(args)
    _, err = capsys.readouterr()
    assert code == 2 and expected in err and "Traceback" not in err, err
    assert server.violations == []
    if case == "too-many":
        assert server.calls == []  # refused before any request


def test_token_comes_from_the_flag_the_environment_or_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    stored: dict[tuple[str, str], str] = {}
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return stored.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            stored[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            stored.pop((service, username))

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with pytest.raises(PublishError, match="no Telegram bot token"):
            credentials.find_telegram_token(None)
        credentials.keyring_set(TOKEN)
        assert stored == {(credentials.KEYRING_SERVICE, credentials.TELEGRAM_KEY): TOKEN}
        assert credentials.find_telegram_token(None).source == "the keyring"
        monkeypatch.setenv(credentials.TOKEN_ENV, "1:env")
        assert credentials.find_telegram_token(None) == credentials.Token("1:env", credentials.TOKEN_ENV)
        assert credentials.find_telegram_token(" 2:flag ").value == "2:flag"
        assert credentials.keyring_delete() and credentials.keyring_get() is None
    finally:
        keyring.set_keyring(previous)


def test_short_names() -> None:
    assert short_name("Stand-in Pack!", "MyBot") == "Stand_in_Pack_by_MyBot"
    assert short_name("Café 2", "MyBot") == "Cafe_2_by_MyBot"
    assert short_name("2 cats", "MyBot") == "pack_2_cats_by_MyBot"
    assert short_name("x", "MyBot", "cats_by_MyBot") == "cats_by_MyBot"
    assert len(short_name("a" * 100, "MyBot")) == 64
    for bad in ("a__b", "_x", "naïve"):
        with pytest.raises(PublishError):
            short_name("x", "MyBot", bad)


def test_publishing_a_pack_folder_exports_it_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fixtures_formats import moving_disc
    from sticker_studio.core.pack.pack import StickerPack

    folder = tmp_path / "pack"
    with StickerPack.create(folder, "Discs", "Ana") as pack:
        for i in range(3):
            pack.add(moving_disc(4, 32, fps=8), name=f"disc {i}", emojis=[EMOJI[i]])
        pack.save()
    temps = set(Path(tempfile.gettempdir()).glob("sticker-studio-publish-*"))
    with StandinBotApi(TOKEN) as server:
        code = main(["pack", "publish", str(folder), "--telegram", "--user-id", str(USER),
                     "--api-url", server.url, "--bot-token", TOKEN])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert server.violations == []
    stickers = server.sets[f"Discs_by_{BOT_USERNAME}"].stickers
    assert [s["emoji"] for s in stickers] == EMOJI[:3] and {s["format"] for s in stickers} == {"video"}
    assert out.strip().endswith(f"https://t.me/addstickers/Discs_by_{BOT_USERNAME}")
    assert set(Path(tempfile.gettempdir()).glob("sticker-studio-publish-*")) == temps  # the temp export is gone
