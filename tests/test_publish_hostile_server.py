"""`pack publish --telegram` against servers that do not behave: not HTTP, cut short, huge, slow, odd JSON.

Each case is a raw socket server on 127.0.0.1 (it stops by itself) that answers getMe like
the Bot API and then misbehaves; the CLI must print one line, exit 2, never a traceback and
never the token.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from sticker_studio.cli import main
from sticker_studio.formats.publish import credentials, telegram

TOKEN = "123456:AAFakeTokenForTheHostileServer_x"
GET_ME = json.dumps({"ok": True, "result": {"id": 1, "is_bot": True, "username": "HostileBot"}}).encode()


def _http(status: str, body: bytes, length: int | None = None) -> bytes:
    size = len(body) if length is None else length
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n"
            "Connection: close\r\n\r\n").encode() + body


class RawServer:
    """Answers getMe properly and every other method with ``reply(conn)``; stops after ``lifetime_s``."""

    def __init__(self, reply: Callable[[socket.socket], None], lifetime_s: float = 20.0) -> None:
        self.reply = reply
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop_at = time.monotonic() + lifetime_s
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while time.monotonic() < self.stop_at:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(65536)
                header, _, body = head.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in header.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    body += conn.recv(65536)
                try:
                    if b"/getMe " in header:
                        conn.sendall(_http("200 OK", GET_ME))
                    else:
                        self.reply(conn)
                except OSError:
                    pass

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_at = 0
        self.thread.join(5)
        self.sock.close()


def _export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "01_a.webm").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(200))
    Image.new("RGBA", (100, 100), (200, 30, 30, 255)).save(folder / "thumbnail.png")
    doc = {"title": "Hostile", "sticker_type": "regular", "thumbnail": "thumbnail.png",
           "stickers": [{"sticker": "01_a.webm", "format": "video", "emoji_list": ["😀"]}]}
    (folder / "telegram.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


def _not_http(conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")


def _cut_short(conn: socket.socket) -> None:
    conn.sendall(_http("200 OK", b'{"ok": tr', length=5000))


def _text_error_code(conn: socket.socket) -> None:
    conn.sendall(_http("400 Bad Request", b'{"ok": false, "error_code": "oops", "description": "odd"}'))


def _nan_retry_after(conn: socket.socket) -> None:
    conn.sendall(_http("429 Too Many Requests", b'{"ok": false, "error_code": 429, "description": "Too Many'
                                                b' Requests", "parameters": {"retry_after": NaN}}'))


def _huge(conn: socket.socket) -> None:
    conn.sendall(_http("200 OK", b"", length=50_000_000))
    block = b" " * 65536
    for _ in range(50_000_000 // 65536):
        conn.sendall(block)


def _slow(conn: socket.socket) -> None:
    conn.sendall(_http("200 OK", b"", length=1_000_000))
    for _ in range(400):  # a byte every 20 ms: never a socket timeout, never done
        conn.sendall(b" ")
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def _no_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(credentials.TOKEN_ENV, raising=False)


@pytest.mark.parametrize(("reply", "expected"), [
    (_not_http, "failed during getStickerSet"),
    (_cut_short, "failed during getStickerSet"),
    (_text_error_code, "odd"),
    (_nan_retry_after, "Too Many Requests"),
    (_huge, "more than"),
    (_slow, "took too long"),
], ids=["not-http", "cut-short", "text-error-code", "nan-retry-after", "huge", "slow"])
def test_a_misbehaving_server_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     reply: Callable[[socket.socket], None], expected: str) -> None:
    monkeypatch.setattr(telegram, "MAX_ANSWER_BYTES", 2_000_000)
    original = telegram.BotApi.__init__

    def short_timeout(self: telegram.BotApi, *args: object, **kwargs: object) -> None:
        kwargs["timeout_s"] = 3.0
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(telegram.BotApi, "__init__", short_timeout)
    _export(tmp_path / "telegram")
    with RawServer(reply) as server:
        code = main(["pack", "publish", str(tmp_path), "--telegram", "--user-id", "42",
                     "--api-url", server.url, "--bot-token", TOKEN])
    _, err = capsys.readouterr()
    lines = [line for line in err.strip().splitlines() if line.startswith("sticker-studio: error:")]
    assert code == 2, err
    assert len(lines) == 1 and expected in lines[0], err
    assert "Traceback" not in err and TOKEN not in err and TOKEN.split(":")[1] not in err


def test_a_keyring_that_cannot_store_the_token_does_not_fail_a_finished_publish(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from telegram_standin import StandinBotApi

    def no_keyring(_token: str, _key: str = credentials.TELEGRAM_KEY) -> None:
        raise telegram.PublishError("the OS keyring cannot store the token (no backend)")

    monkeypatch.setattr(credentials, "keyring_set", no_keyring)
    _export(tmp_path / "telegram")
    token = "123456:AAFakeTokenForTheStandinServer_x"
    monkeypatch.setenv(credentials.TOKEN_ENV, token)
    with StandinBotApi(token) as server:
        code = main(["pack", "publish", str(tmp_path), "--telegram", "--user-id", "42",
                     "--api-url", server.url, "--save-token"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "t.me/addstickers/" in out and len(server.sets) == 1
    assert "warning: the token was not saved" in err and token not in err + out


def test_titles_without_ascii_letters_get_their_own_set_names() -> None:
    cats, dogs = telegram.short_name("ねこ", "MyBot"), telegram.short_name("いぬ", "MyBot")
    assert cats != dogs and cats == telegram.short_name("ねこ", "MyBot")
    for name in (cats, dogs, telegram.short_name("Кошки и собаки " * 10, "MyBot")):
        assert name.endswith("_by_MyBot") and len(name) <= 64 and "__" not in name
    assert telegram.short_name("Café 2", "MyBot") == "Cafe_2_by_MyBot"  # accents keep their letters


def test_a_set_of_the_same_name_with_another_title_is_not_resumed(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """Two packs whose default names meet (all-emoji 🙂 stickers): the second must not add to the first's set."""
    from telegram_standin import StandinBotApi

    token = "123456:AAFakeTokenForTheStandinServer_x"
    first, second = _export(tmp_path / "a" / "telegram"), _export(tmp_path / "b" / "telegram")
    doc = json.loads((second / "telegram.json").read_text(encoding="utf-8"))
    doc["title"] = "Another pack"
    doc["stickers"].append(dict(doc["stickers"][0], sticker="01_a.webm"))
    (second / "telegram.json").write_text(json.dumps(doc), encoding="utf-8")
    with StandinBotApi(token) as server:
        args = ["--telegram", "--user-id", "42", "--api-url", server.url, "--bot-token", token, "--name", "same"]
        assert main(["pack", "publish", str(first), *args]) == 0
        code = main(["pack", "publish", str(second), *args])
        _, err = capsys.readouterr()
        assert code == 2 and "another title" in err
        assert [len(s.stickers) for s in server.sets.values()] == [1]


def test_a_bad_token_is_found_before_a_pack_folder_is_exported(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Exporting a 26-sticker pack takes a while: a wrong token or --name must not cost that first."""
    from sticker_studio.cli import cmd_publish
    from telegram_standin import StandinBotApi

    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "Checked first"]) == 0

    def no_export(*_args: object) -> Path:
        raise AssertionError("the pack was exported before the token was checked")

    monkeypatch.setattr(cmd_publish, "_export_pack", no_export)
    token = "123456:AAFakeTokenForTheStandinServer_x"
    with StandinBotApi(token) as server:
        wrong = main(["pack", "publish", str(folder), "--telegram", "--user-id", "42", "--api-url", server.url,
                      "--bot-token", "999999:BBWrongTokenWrongTokenWrongToken"])
        bad_name = main(["pack", "publish", str(folder), "--telegram", "--user-id", "42", "--api-url", server.url,
                         "--bot-token", token, "--name", "../x"])
    _, err = capsys.readouterr()
    assert (wrong, bad_name) == (2, 2), err
    assert "refused the bot token" in err and "not a valid sticker set name" in err and "Traceback" not in err


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "ftp://example.org", "http:///x"])
def test_a_malformed_api_url_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str) -> None:
    _export(tmp_path / "telegram")
    code = main(["pack", "publish", str(tmp_path), "--telegram", "--user-id", "42", "--api-url", url,
                 "--bot-token", TOKEN])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "--api-url must be" in err and "Traceback" not in err, err


@pytest.mark.parametrize("stickers", [
    [{"sticker": "01_a.webm", "format": "bogus", "emoji_list": ["😀"]}],
    [{"file": "01_a.webm"}],
    ["01_a.webm"],
    [{"sticker": "01_a.webm", "emoji_list": "👨‍👩‍👧"}],  # a string would be split into code points
    {"01_a.webm": 1},
], ids=["bad-format", "no-sticker-key", "bare-names", "emoji-string", "not-a-list"])
def test_a_damaged_telegram_json_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            stickers: object) -> None:
    folder = _export(tmp_path / "telegram")
    doc = json.loads((folder / "telegram.json").read_text(encoding="utf-8"))
    doc["stickers"] = stickers
    (folder / "telegram.json").write_text(json.dumps(doc), encoding="utf-8")
    code = main(["pack", "publish", str(folder), "--telegram", "--user-id", "42", "--api-url", "http://127.0.0.1:9",
                 "--bot-token", TOKEN])
    _, err = capsys.readouterr()
    assert code == 2 and err.count("\n") == 1 and "is damaged" in err and "Traceback" not in err, err


def test_files_outside_the_export_folder_are_never_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A telegram.json naming ../secret.png as its thumbnail, or a sticker that is a link out, sends nothing."""
    from telegram_standin import StandinBotApi

    secret = tmp_path / "secret.png"
    Image.new("RGBA", (100, 100), (1, 2, 3, 255)).save(secret)
    folder = _export(tmp_path / "telegram")
    doc = json.loads((folder / "telegram.json").read_text(encoding="utf-8"))
    doc["thumbnail"] = "../secret.png"
    (folder / "telegram.json").write_text(json.dumps(doc), encoding="utf-8")
    token = "123456:AAFakeTokenForTheStandinServer_x"
    with StandinBotApi(token) as server:
        args = ["--telegram", "--user-id", "42", "--api-url", server.url, "--bot-token", token]
        assert main(["pack", "publish", str(folder), *args, "--name", "first"]) == 0
        sent = [data for call in server.calls for data in call.files.values()]
        assert secret.read_bytes() not in sent and "setStickerSetThumbnail" not in server.methods()
        (folder / "01_a.webm").unlink()
        (folder / "01_a.webm").symlink_to(secret)
        code = main(["pack", "publish", str(folder), *args, "--name", "second"])
        _, err = capsys.readouterr()
        assert code == 2 and "outside its folder" in err
        assert secret.read_bytes() not in [data for call in server.calls for data in call.files.values()]
