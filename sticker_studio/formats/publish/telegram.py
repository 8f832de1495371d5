"""Publish a sticker pack with Telegram's Bot API: create the set, add the rest in order, set the thumbnail.

The order of calls (as sticker-convert's Bot API uploader, with stdlib HTTP):

1. ``getMe`` - the bot's username, which every set name must end with (``<name>_by_<bot>``);
2. ``getStickerSet`` - does the set exist? If it does, its stickers are compared with the
   plan: a set that holds the plan's first *k* stickers (same count order, same first
   emoji) is resumed - only stickers *k+1...* are added, in order, so a killed or failed
   run is simply run again (nothing is ever deleted or added twice);
3. ``createNewStickerSet`` with the first stickers (at most 50 and 10 MB in one request);
4. ``addStickerToSet`` for each remaining sticker, one at a time (keeps the order);
5. ``setStickerSetThumbnail`` with the export's 100x100 thumbnail (best effort: a set
   without one shows its first sticker).

A 429 answer's ``retry_after`` is honoured: the uploader waits that long, calling
``on_wait(seconds_left, reason)`` every second (a visible countdown) and checking
``cancel`` so the user can stop during a wait; cancel is also checked between requests.
Errors a user can cause (bad token, the user has not started the bot, the name is taken
or invalid, too many stickers, the network) raise :class:`PublishError` with one line
saying what to do; the token never appears in a message.

``api_url`` (default the public endpoint) points the client at another server with the
same paths: Telegram's own local Bot API server, or a test's stand-in on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sticker_studio.core.errors import CancelledError
from sticker_studio.core.progress import CancelToken
from sticker_studio.formats.publish.base import (
    PublishError,
    PublishProgress,
    PublishReport,
    StickerFormat,
    UploadPlan,
    UploadSticker,
    WaitCallback,
)
from sticker_studio.formats.publish.multipart import FilePart, encode_multipart

DEFAULT_API_URL = "https://api.telegram.org"
#: createNewStickerSet takes 1 to 50 stickers; the rest go one by one.
MAX_INITIAL_STICKERS = 50
#: ...and this many bytes in that first request (large requests meet 413s: sticker-convert #230).
MAX_INITIAL_BYTES = 10_000_000
MAX_SET_STICKERS = {"regular": 120, "custom_emoji": 200}
MAX_NAME_LENGTH = 64
MAX_TITLE_LENGTH = 64
MAX_EMOJIS = 20
#: A single wait longer than this is not sat out: the run stops and can be resumed later.
MAX_WAIT_S = 900
MAX_RETRIES = 8
#: No Bot API answer to these methods comes near this size; a larger one is refused, not read into memory.
MAX_ANSWER_BYTES = 8_000_000
ADD_LINK = "https://t.me/addstickers/"
ADD_EMOJI_LINK = "https://t.me/addemoji/"

_CONTENT_TYPES = {StickerFormat.VIDEO: "video/webm", StickerFormat.ANIMATED: "application/x-tgsticker",
                  StickerFormat.STATIC: "image/png"}


class TelegramApiError(PublishError):
    """An error answer of the Bot API (``error_code`` and ``description`` as sent)."""

    def __init__(self, method: str, code: int, description: str, retry_after: int | None = None):
        self.method, self.code, self.description, self.retry_after = method, code, description, retry_after
        super().__init__(f"Telegram refused {method}: {description} ({code})")


# --------------------------------------------------------------------------- the HTTP client
class BotApi:
    """A Bot API client: ``call(method, fields, files)`` -> the ``result``; 429s are waited out."""

    def __init__(self, token: str, *, api_url: str = DEFAULT_API_URL, timeout_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, cancel: CancelToken | None = None,
                 on_wait: WaitCallback | None = None, max_wait_s: int = MAX_WAIT_S) -> None:
        token = token.strip()
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", token):
            raise PublishError("that does not look like a bot token (digits:letters, as @BotFather gives it);"
                               " check --bot-token / TELEGRAM_BOT_TOKEN")
        try:
            parts = urllib.parse.urlsplit(api_url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise PublishError(f"--api-url must be an http:// or https:// address, not {api_url!r}")
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self._sleep = sleep
        self.cancel = cancel
        self.on_wait = on_wait
        self.max_wait_s = max_wait_s
        self.waits: list[int] = []

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise CancelledError("publishing cancelled; run it again to add the rest (nothing is added twice)")

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "<token>")

    def _post(self, method: str, fields: Mapping[str, str], files: Mapping[str, FilePart]) -> dict[str, Any]:
        url = f"{self.api_url}/bot{self._token}/{method}"
        body, content_type = encode_multipart(fields, files)
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": content_type, "User-Agent": "sticker-studio"})
        deadline = time.monotonic() + self.timeout_s
        try:
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    raw = _read_capped(response, deadline, method, self.api_url)
            except urllib.error.HTTPError as error:
                raw = _read_capped(error, deadline, method, self.api_url)
                if not raw:
                    raise TelegramApiError(method, error.code, str(error.reason or "no answer")) from None
        except urllib.error.URLError as error:
            raise PublishError(f"cannot reach the Telegram Bot API at {self.api_url}"
                               f" ({self._redact(str(error.reason))}); check the connection or --api-url") from None
        except (OSError, ValueError, http.client.HTTPException) as error:  # reset, timeout, bad URL, not HTTP
            detail = self._redact(str(error))[:200] or type(error).__name__
            raise PublishError(f"the connection to {self.api_url} failed during {method}"
                               f" ({detail}); run it again to resume") from None
        try:
            answer = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise PublishError(f"{self.api_url} did not answer like a Bot API server ({method})") from None
        if not isinstance(answer, dict):
            raise PublishError(f"{self.api_url} did not answer like a Bot API server ({method})")
        return answer

    def call(self, method: str, fields: Mapping[str, str] | None = None,
             files: Mapping[str, FilePart] | None = None) -> Any:
        """POST ``method``; returns ``result``, waits out 429s, raises :class:`TelegramApiError`."""
        for _attempt in range(MAX_RETRIES + 1):
            self._check_cancel()
            answer = self._post(method, fields or {}, files or {})
            if answer.get("ok") is True:
                return answer.get("result")
            code = _as_int(answer.get("error_code")) or 0
            description = self._redact(str(answer.get("description") or "unknown error"))[:300]
            parameters = answer.get("parameters") or {}
            retry_after = _as_int(parameters.get("retry_after")) if isinstance(parameters, dict) else None
            if code == 429 and retry_after is not None:
                seconds = max(1, retry_after)
                if seconds > self.max_wait_s:
                    raise PublishError(f"Telegram asks to wait {seconds} s before more uploads ({method});"
                                       " run the same command again later: it adds only what is missing")
                self.waits.append(seconds)
                self._wait(seconds, f"Telegram asked to wait before {method}")
                continue
            raise TelegramApiError(method, code, description, retry_after)
        raise PublishError(f"Telegram kept answering 'too many requests' to {method}; run it again later")

    def _wait(self, seconds: int, reason: str) -> None:
        for left in range(seconds, 0, -1):
            self._check_cancel()
            if self.on_wait is not None:
                self.on_wait(left, reason)
            self._sleep(1.0)
        if self.on_wait is not None:
            self.on_wait(0, reason)


def _as_int(value: object) -> int | None:
    """A JSON number as a whole number (rounded up), or None (missing, text, NaN, infinite, absurd)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or abs(value) > 10**9:
        return None
    return int(math.ceil(value))


def _read_capped(response: Any, deadline: float, method: str, api_url: str) -> bytes:
    """The answer's body, refused when it is larger than :data:`MAX_ANSWER_BYTES` or outlasts ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise PublishError(f"{api_url} took too long to answer {method}; run it again to resume")
        chunk = response.read(65536)
        if not chunk:
            if getattr(response, "length", None):  # the server closed before the length it announced
                raise http.client.IncompleteRead(b"".join(chunks), response.length)
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise PublishError(f"{api_url} sent an answer of more than {MAX_ANSWER_BYTES // 1_000_000} MB to"
                               f" {method}; it does not behave like a Bot API server (check --api-url)")
        chunks.append(chunk)


# --------------------------------------------------------------------------- names
def short_name(title: str, bot_username: str, requested: str | None = None) -> str:
    """The set's short name ``<name>_by_<bot>``: from ``requested`` or the title; checked."""
    suffix = f"_by_{bot_username}"
    base = requested.strip() if requested else title
    if base.lower().endswith(suffix.lower()):
        base = base[: -len(suffix)]
    if not requested:  # from the title: letters and digits, the rest "_"
        decomposed = unicodedata.normalize("NFKD", base)
        ascii_title = decomposed.encode("ascii", "ignore").decode()
        base = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9]+", "_", ascii_title)).strip("_")
        if not base or not base[0].isalpha():
            base = f"pack_{base}".rstrip("_")
        # letters with no ASCII form (CJK, Hebrew, Cyrillic...) would vanish, and two such titles
        # would share one set: a digest of the whole title keeps them apart (and stays the same on a re-run)
        tag = hashlib.sha256(title.strip().encode("utf-8")).hexdigest()[:8] if any(
            ch.isalnum() and not ch.isascii() for ch in decomposed) else ""
        base = base[: MAX_NAME_LENGTH - len(suffix) - (len(tag) + 1 if tag else 0)].rstrip("_")
        base = f"{base}_{tag}" if tag else base
    name = base + suffix
    if (len(name) > MAX_NAME_LENGTH or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or "__" in name
            or not base):
        raise PublishError(
            f"{name!r} is not a valid sticker set name: letters, digits and single '_', starting with a"
            f" letter, at most {MAX_NAME_LENGTH} characters with the '{suffix}' ending; choose another --name")
    return name


def _plain(emoji: str) -> str:
    """An emoji without variation selectors (Telegram may add or drop U+FE0F)."""
    return emoji.replace("\ufe0f", "").replace("\ufe0e", "")


# --------------------------------------------------------------------------- the uploader
@dataclass(frozen=True)
class TelegramTarget:
    """Whom the set belongs to and what it is called."""

    user_id: int
    name: str | None = None  # the short name without or with "_by_<bot>"; default from the title


class TelegramUploader:
    """:class:`~sticker_studio.formats.publish.base.Uploader` for Telegram's Bot API."""

    def __init__(self, token: str, target: TelegramTarget, *, api_url: str = DEFAULT_API_URL,
                 sleep: Callable[[float], None] = time.sleep, timeout_s: float = 60.0) -> None:
        if target.user_id <= 0:
            raise PublishError("--user-id is your numeric Telegram user id (ask @userinfobot), not a name")
        self.token, self.target, self.api_url = token, target, api_url
        self._sleep, self._timeout_s = sleep, timeout_s
        self._bot: str | None = None
        BotApi(token, api_url=api_url)  # the token's form and the address are checked now, before any work

    def check(self, title: str) -> str:
        """Ask the server who the bot is (the token works) and form the set's name, before any long work."""
        api = BotApi(self.token, api_url=self.api_url, sleep=self._sleep, timeout_s=self._timeout_s)
        self._bot = self._bot_username(api)
        return short_name(title, self._bot, self.target.name)

    def publish(self, plan: UploadPlan, *, progress: PublishProgress | None = None,
                cancel: CancelToken | None = None, on_wait: WaitCallback | None = None) -> PublishReport:
        _check_plan(plan)
        api = BotApi(self.token, api_url=self.api_url, sleep=self._sleep, cancel=cancel, on_wait=on_wait,
                     timeout_s=self._timeout_s)
        total = len(plan.stickers)
        bot = self._bot if self._bot is not None else self._bot_username(api)
        name = short_name(plan.title, bot, self.target.name)
        link = (ADD_EMOJI_LINK if plan.sticker_type == "custom_emoji" else ADD_LINK) + name
        report = PublishReport(name=name, link=link)
        try:
            existing = self._existing(api, name)
        except TelegramApiError as error:
            raise _explain(error, self.target.user_id, bot, name) from None
        if existing is None:
            first = _first_batch(plan.stickers)
            self._create(api, plan, name, first)
            report.created = True
            done = len(first)
            if progress is not None:
                progress(done, total, f"created {name} with {done} sticker(s)")
        else:
            done = _resume_point(existing, plan, name)
            report.already_there = done
            if progress is not None:
                progress(done, total, f"{name} already holds {done} of {total} sticker(s)")
        report.added = done - report.already_there
        for index in range(done, total):
            sticker = plan.stickers[index]
            fields = {"user_id": str(self.target.user_id), "name": name,
                      "sticker": json.dumps(_input_sticker(sticker, "file0"), ensure_ascii=False)}
            try:
                api.call("addStickerToSet", fields, {"file0": _file_part(sticker)})
            except TelegramApiError as error:
                raise _explain(error, self.target.user_id, bot, name) from None
            report.added += 1
            if progress is not None:
                progress(index + 1, total, f"added {sticker.file.name}")
        if plan.thumbnail is not None:
            report.thumbnail_set = self._thumbnail(api, plan, name, report)
        report.waits = list(api.waits)
        return report

    # ------------------------------------------------------------------ steps
    def _bot_username(self, api: BotApi) -> str:
        try:
            me = api.call("getMe")
        except TelegramApiError as error:
            if error.code in (401, 404):
                raise PublishError("Telegram refused the bot token (Unauthorized): copy it again from"
                                   " @BotFather (/mybots > API Token)") from None
            raise
        username = me.get("username") if isinstance(me, dict) else None
        if not isinstance(username, str) or not username:
            raise PublishError("the Bot API answered getMe without a bot username")
        return username

    def _existing(self, api: BotApi, name: str) -> dict[str, Any] | None:
        try:
            found = api.call("getStickerSet", {"name": name})
        except TelegramApiError as error:
            text = error.description.upper()
            if error.code == 400 and ("STICKERSET_INVALID" in text or "NOT FOUND" in text):
                return None
            raise
        return found if isinstance(found, dict) else None

    def _create(self, api: BotApi, plan: UploadPlan, name: str, first: tuple[UploadSticker, ...]) -> None:
        files = {f"file{i}": _file_part(s) for i, s in enumerate(first)}
        stickers = [_input_sticker(s, f"file{i}") for i, s in enumerate(first)]
        fields = {"user_id": str(self.target.user_id), "name": name, "title": plan.title[:MAX_TITLE_LENGTH],
                  "stickers": json.dumps(stickers, ensure_ascii=False), "sticker_type": plan.sticker_type}
        try:
            api.call("createNewStickerSet", fields, files)
        except TelegramApiError as error:
            raise _explain(error, self.target.user_id, api_bot_hint(name), name) from None

    def _thumbnail(self, api: BotApi, plan: UploadPlan, name: str, report: PublishReport) -> bool:
        assert plan.thumbnail is not None
        path = plan.thumbnail
        fmt = StickerFormat.of_file(path)
        fields = {"name": name, "user_id": str(self.target.user_id), "format": fmt.value}
        part = FilePart(path.name, path.read_bytes(), _CONTENT_TYPES[fmt])
        try:
            api.call("setStickerSetThumbnail", fields, {"thumbnail": part})
        except TelegramApiError as error:
            report.warnings.append(f"the thumbnail was not set ({error.description}); the set shows its first"
                                   " sticker instead")
            return False
        return True


def api_bot_hint(name: str) -> str:
    """The bot's username as it appears at the end of a set name."""
    return name.rsplit("_by_", 1)[-1]


def _check_plan(plan: UploadPlan) -> None:
    if not plan.stickers:
        raise PublishError("the pack has no stickers to publish")
    limit = MAX_SET_STICKERS.get(plan.sticker_type)
    if limit is None:
        raise PublishError(f"unknown sticker type {plan.sticker_type!r}")
    if len(plan.stickers) > limit:
        raise PublishError(f"a Telegram set holds at most {limit} stickers; this pack has {len(plan.stickers)}"
                           " (split it into two packs)")
    if not plan.title.strip():
        raise PublishError("the pack needs a title")
    for sticker in plan.stickers:
        if not 1 <= len(sticker.emojis) <= MAX_EMOJIS:
            raise PublishError(f"{sticker.file.name}: Telegram needs 1 to {MAX_EMOJIS} emoji per sticker")
        if not sticker.file.is_file():
            raise PublishError(f"{sticker.file} is missing; export the pack for Telegram again")


def _first_batch(stickers: tuple[UploadSticker, ...]) -> tuple[UploadSticker, ...]:
    batch: list[UploadSticker] = []
    size = 0
    for sticker in stickers[:MAX_INITIAL_STICKERS]:
        size += sticker.file.stat().st_size
        if batch and size > MAX_INITIAL_BYTES:
            break
        batch.append(sticker)
    return tuple(batch)


def _input_sticker(sticker: UploadSticker, attach: str) -> dict[str, Any]:
    """An ``InputSticker``: the file attached by name, its format and emoji list."""
    return {"sticker": f"attach://{attach}", "format": sticker.format.value,
            "emoji_list": list(sticker.emojis[:MAX_EMOJIS])}


def _file_part(sticker: UploadSticker) -> FilePart:
    return FilePart(sticker.file.name, sticker.file.read_bytes(), _CONTENT_TYPES[sticker.format])


def _resume_point(existing: dict[str, Any], plan: UploadPlan, name: str) -> int:
    """How many of the plan's stickers the existing set already holds (its first k, in order)."""
    there = existing.get("stickers") or []
    if not isinstance(there, list):
        there = []
    title = existing.get("title")
    if there and isinstance(title, str) and title.strip() != plan.title[:MAX_TITLE_LENGTH].strip():
        raise PublishError(f"the set {name} already exists with another title ({title[:MAX_TITLE_LENGTH]!r}), so it"
                           " is not this pack's; choose another --name (or the same --title as before)")
    if len(there) > len(plan.stickers):
        raise PublishError(f"the set {name} already holds {len(there)} stickers, more than this pack's"
                           f" {len(plan.stickers)}; choose another --name")
    for i, item in enumerate(there):
        emoji = item.get("emoji") if isinstance(item, dict) else None
        if emoji is not None and _plain(str(emoji)) not in {_plain(e) for e in plan.stickers[i].emojis}:
            raise PublishError(f"the set {name} already exists and its sticker {i + 1} ({emoji}) is not this"
                               f" pack's ({' '.join(plan.stickers[i].emojis)}); choose another --name")
    return len(there)


def _explain(error: TelegramApiError, user_id: int, bot: str, name: str) -> PublishError:
    """A user-caused API error as one line saying what to do."""
    text = error.description.upper()
    if error.code in (401, 404) and error.method != "getStickerSet":
        return PublishError("Telegram refused the bot token (Unauthorized): copy it again from @BotFather")
    if "PEER_ID_INVALID" in text or "USER_ID_INVALID" in text or "USER NOT FOUND" in text or (
            "BOT WAS BLOCKED" in text):
        return PublishError(f"Telegram user {user_id} has not started the bot @{bot} (or blocked it): open"
                            f" https://t.me/{bot}, press Start, then run this again")
    if "OCCUPIED" in text or "NAME_OCCUPIED" in text:
        return PublishError(f"the sticker set name {name} is taken; choose another --name")
    if "STICKERSET_INVALID" in text or "INVALID STICKER SET NAME" in text or "SHORT_NAME_INVALID" in text:
        return PublishError(f"Telegram does not accept the set name {name}; choose another --name")
    if "STICKERS_TOO_MUCH" in text or "TOO_MUCH" in text:
        return PublishError(f"the set {name} is full: Telegram sets hold at most 120 stickers")
    if "STICKERPACK_STICKERS_TOO_MUCH" in text:
        return PublishError(f"the set {name} is full")
    return PublishError(f"Telegram refused {error.method}: {error.description} ({error.code})")


# --------------------------------------------------------------------------- plans from export folders
def plan_from_export(folder: Path) -> UploadPlan:
    """The plan of a Telegram export folder (``telegram.json`` written by ``pack export``)."""
    index = folder / "telegram.json"
    if not index.is_file():
        raise PublishError(f"{folder} holds no telegram.json; export the pack with --target telegram first")
    try:
        doc = json.loads(index.read_text(encoding="utf-8"))
        entries = doc["stickers"]
        title = str(doc.get("title") or "Sticker pack")
    except (OSError, ValueError, KeyError, TypeError):
        raise PublishError(f"{index} is damaged; export the pack for Telegram again") from None
    stickers = []
    damaged = PublishError(f"{index} is damaged; export the pack for Telegram again")
    if not isinstance(entries, list):
        raise damaged
    for entry in entries:
        try:
            path = folder / str(entry["sticker"])
            fmt = StickerFormat(entry["format"]) if entry.get("format") else None
            emojis = entry.get("emoji_list") or []
        except (KeyError, TypeError, ValueError, AttributeError):
            raise damaged from None
        if not isinstance(emojis, list):
            raise damaged
        if path.parent != folder or path.is_symlink():
            raise PublishError(f"{index} names a file outside its folder (or a link); export the pack again")
        stickers.append(UploadSticker(path, tuple(str(e) for e in emojis), fmt or StickerFormat.of_file(path)))
    thumb_name = doc.get("thumbnail")
    thumbnail = folder / str(thumb_name) if thumb_name else None
    if thumbnail is not None and (thumbnail.parent != folder or thumbnail.is_symlink() or not thumbnail.is_file()):
        thumbnail = None  # only the export's own thumbnail file is ever sent
    sticker_type = str(doc.get("sticker_type") or "regular")
    return UploadPlan(title=title, stickers=tuple(stickers), thumbnail=thumbnail, sticker_type=sticker_type)
