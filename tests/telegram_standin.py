"""A stand-in Telegram Bot API server on 127.0.0.1 for tests: checks every request, keeps state.

``with StandinBotApi(token) as server:`` serves on a free port in a thread and stops on
exit (and by itself after ``lifetime_s``). It answers getMe, getStickerSet,
createNewStickerSet, addStickerToSet and setStickerSetThumbnail like the real API, and
records every request's method, fields and files in ``server.calls``. A request that
breaks the API's rules is answered 400 and recorded in ``server.violations`` (tests
assert it stays empty). ``server.inject(method, nth, kind)`` makes the nth call of a
method fail: ``"429"`` (retry_after, nothing applied), ``"500"``, or ``"drop"`` (applied,
then the connection is closed without an answer - a run killed mid-request).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

BOT_USERNAME = "StandinBot"
FORMAT_MAGIC = {"video": (b"\x1a\x45\xdf\xa3",), "animated": (b"\x1f\x8b",), "static": (b"\x89PNG", b"RIFF")}


@dataclass
class Call:
    method: str
    fields: dict[str, str]
    files: dict[str, bytes]
    answered: str = "ok"


@dataclass
class StickerSet:
    name: str
    title: str
    owner: int
    sticker_type: str
    stickers: list[dict[str, Any]] = field(default_factory=list)
    thumbnail: bytes | None = None


class StandinBotApi:
    def __init__(self, token: str, *, started_users: tuple[int, ...] = (42,), lifetime_s: float = 60.0,
                 max_stickers: int = 120) -> None:
        self.token = token
        self.started_users = set(started_users)
        self.sets: dict[str, StickerSet] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.max_stickers = max_stickers
        self._injections: dict[tuple[str, int], tuple[str, int]] = {}
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._lifetime_s = lifetime_s
        self._server: ThreadingHTTPServer | None = None
        self._timer: threading.Timer | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StandinBotApi:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                standin._handle(self)

            def do_GET(self) -> None:
                standin._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self._timer = threading.Timer(self._lifetime_s, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            server, self._server = self._server, None
            server.shutdown()
            server.server_close()

    def inject(self, method: str, nth: int, kind: str, retry_after: int = 2) -> None:
        """Make the ``nth`` (1-based) call of ``method`` fail as ``kind`` ("429", "500", "drop")."""
        self._injections[(method, nth)] = (kind, retry_after)

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    # ------------------------------------------------------------------ requests
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        parts = path.strip("/").split("/")
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._answer(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = parts[0][3:], parts[1]
        fields, files = self._parse(handler.headers.get("Content-Type", ""), body)
        with self._lock:
            call = Call(method, fields, files)
            self.calls.append(call)
            if token != self.token:
                call.answered = "401"
                self._answer(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            self._counts[method] = self._counts.get(method, 0) + 1
            kind, retry_after = self._injections.pop((method, self._counts[method]), ("", 0))
            if kind == "429":
                call.answered = "429"
                self._answer(handler, 429, {"ok": False, "error_code": 429,
                                            "description": f"Too Many Requests: retry after {retry_after}",
                                            "parameters": {"retry_after": retry_after}})
                return
            if kind == "500":
                call.answered = "500"
                self._answer(handler, 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})
                return
            try:
                result = self._dispatch(method, fields, files)
            except ApiRefusal as refusal:
                call.answered = str(refusal.code)
                self._answer(handler, refusal.code, {"ok": False, "error_code": refusal.code,
                                                     "description": refusal.description})
                return
            if kind == "drop":  # the server did it, the client never hears
                call.answered = "dropped"
                with contextlib.suppress(OSError):
                    handler.connection.close()
                handler.close_connection = True
                return
            self._answer(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, code: int, doc: dict[str, Any]) -> None:
        data = json.dumps(doc).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _parse(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
        fields: dict[str, str] = {}
        files: dict[str, bytes] = {}
        if not body:
            return fields, files
        if not content_type.startswith("multipart/form-data"):
            return dict(json.loads(body)), files
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[str(name)] = payload
            else:
                fields[str(name)] = payload.decode("utf-8")
        return fields, files

    # ------------------------------------------------------------------ the API
    def _violation(self, message: str) -> ApiRefusal:
        self.violations.append(message)
        return ApiRefusal(400, f"Bad Request: {message}")

    def _need(self, fields: dict[str, str], *names: str) -> None:
        for name in names:
            if not fields.get(name):
                raise self._violation(f"{name} is missing")

    def _user(self, fields: dict[str, str]) -> int:
        self._need(fields, "user_id")
        try:
            user = int(fields["user_id"])
        except ValueError:
            raise self._violation("user_id is not a number") from None
        if user not in self.started_users:
            raise ApiRefusal(400, "Bad Request: PEER_ID_INVALID")
        return user

    def _input_sticker(self, raw: object, files: dict[str, bytes], used: set[str]) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self._violation("an InputSticker must be an object")
        ref, fmt, emojis = raw.get("sticker"), raw.get("format"), raw.get("emoji_list")
        if not isinstance(ref, str) or not ref.startswith("attach://") or ref[9:] not in files:
            raise self._violation(f"sticker {ref!r} does not name an attached file")
        if fmt not in FORMAT_MAGIC:
            raise self._violation(f"format {fmt!r} is not static, animated or video")
        if not isinstance(emojis, list) or not 1 <= len(emojis) <= 20 or not all(
                isinstance(e, str) and e and not e.isascii() for e in emojis):
            raise self._violation(f"emoji_list {emojis!r} must hold 1 to 20 emoji")
        data = files[ref[9:]]
        if not data.startswith(FORMAT_MAGIC[fmt]):
            raise self._violation(f"the {fmt} sticker's file is not a {fmt} file")
        used.add(ref[9:])
        digest = hashlib.sha256(data).hexdigest()
        return {"file_id": "F" + digest[:20], "file_unique_id": "U" + digest[:12], "emoji": emojis[0],
                "format": fmt, "width": 512, "height": 512, "sha256": digest}

    def _dispatch(self, method: str, fields: dict[str, str], files: dict[str, bytes]) -> Any:
        if method == "getMe":
            return {"id": 7001, "is_bot": True, "first_name": "Stand-in", "username": BOT_USERNAME}
        if method == "getStickerSet":
            self._need(fields, "name")
            found = self.sets.get(fields["name"])
            if found is None:
                raise ApiRefusal(400, "Bad Request: STICKERSET_INVALID")
            return {"name": found.name, "title": found.title, "sticker_type": found.sticker_type,
                    "stickers": [{k: v for k, v in s.items() if k != "sha256"} for s in found.stickers]}
        if method == "createNewStickerSet":
            self._need(fields, "name", "title", "stickers")
            user = self._user(fields)
            name = fields["name"]
            if not name.endswith(f"_by_{BOT_USERNAME}") or len(name) > 64 or "__" in name:
                raise ApiRefusal(400, "Bad Request: invalid sticker set name is specified")
            if name in self.sets:
                raise ApiRefusal(400, "Bad Request: sticker set name is already occupied")
            raw = json.loads(fields["stickers"])
            if not isinstance(raw, list) or not 1 <= len(raw) <= 50:
                raise self._violation("stickers must hold 1 to 50 InputStickers")
            used: set[str] = set()
            stickers = [self._input_sticker(r, files, used) for r in raw]
            if used != set(files):
                raise self._violation(f"files sent but not used: {sorted(set(files) - used)}")
            sticker_type = fields.get("sticker_type", "regular")
            if sticker_type not in ("regular", "mask", "custom_emoji"):
                raise self._violation(f"sticker_type {sticker_type!r}")
            self.sets[name] = StickerSet(name, fields["title"], user, sticker_type, stickers)
            return True
        if method == "addStickerToSet":
            self._need(fields, "name", "sticker")
            user = self._user(fields)
            found = self.sets.get(fields["name"])
            if found is None:
                raise ApiRefusal(400, "Bad Request: STICKERSET_INVALID")
            if found.owner != user:
                raise ApiRefusal(400, "Bad Request: USER_ID_INVALID")
            if len(found.stickers) >= self.max_stickers:
                raise ApiRefusal(400, "Bad Request: STICKERS_TOO_MUCH")
            used = set()
            sticker = self._input_sticker(json.loads(fields["sticker"]), files, used)
            if used != set(files):
                raise self._violation("addStickerToSet takes exactly one file")
            found.stickers.append(sticker)
            return True
        if method == "setStickerSetThumbnail":
            self._need(fields, "name", "format")
            user = self._user(fields)
            found = self.sets.get(fields["name"])
            if found is None or found.owner != user:
                raise ApiRefusal(400, "Bad Request: STICKERSET_INVALID")
            data = files.get("thumbnail")
            if data is None or fields["format"] not in FORMAT_MAGIC or not data.startswith(
                    FORMAT_MAGIC[fields["format"]]):
                raise self._violation("thumbnail missing or not of its format")
            if fields["format"] == "static":
                with Image.open(io.BytesIO(data)) as image:
                    if image.size != (100, 100) or len(data) > 128_000:
                        raise self._violation(f"a static thumbnail must be 100x100, <= 128 KB; got {image.size}")
            found.thumbnail = data
            return True
        raise ApiRefusal(404, "Not Found: method not found")


class ApiRefusal(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description
