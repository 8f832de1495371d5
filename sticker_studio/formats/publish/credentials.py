"""Where a bot token comes from: the command line, ``TELEGRAM_BOT_TOKEN`` or the OS keyring.

Tokens are never written into a pack, an export folder or the plain settings file; the
only place this app stores one is the OS keyring (``keyring``: Secret Service, macOS
Keychain, Windows Credential Locker), under :data:`KEYRING_SERVICE`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sticker_studio.formats.publish.base import PublishError

KEYRING_SERVICE = "sticker-studio"
TELEGRAM_KEY = "telegram-bot-token"
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"


@dataclass(frozen=True)
class Token:
    """A token and where it came from (for messages; the token itself is never printed)."""

    value: str
    source: str  # "--bot-token", "TELEGRAM_BOT_TOKEN" or "the keyring"


def keyring_get(key: str = TELEGRAM_KEY) -> str | None:
    """The token stored in the OS keyring, or None (no keyring, no entry, keyring locked)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, key)
    except (KeyringError, RuntimeError, OSError):
        return None
    return value or None


def keyring_set(token: str, key: str = TELEGRAM_KEY) -> None:
    """Store ``token`` in the OS keyring (PublishError when there is no usable keyring)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise PublishError("the 'keyring' package is not installed; pass the token each time instead") from None
    try:
        keyring.set_password(KEYRING_SERVICE, key, token)
    except (KeyringError, RuntimeError, OSError) as error:
        raise PublishError(f"the OS keyring cannot store the token ({error}); pass it with --bot-token or"
                           f" {TOKEN_ENV} instead") from None


def keyring_delete(key: str = TELEGRAM_KEY) -> bool:
    """Forget the stored token; True when there was one."""
    try:
        import keyring
        from keyring.errors import KeyringError, PasswordDeleteError
    except ImportError:
        return False
    try:
        keyring.delete_password(KEYRING_SERVICE, key)
    except PasswordDeleteError:
        return False
    except (KeyringError, RuntimeError, OSError):
        return False
    return True


def find_telegram_token(explicit: str | None = None) -> Token:
    """The bot token: ``explicit``, else ``$TELEGRAM_BOT_TOKEN``, else the keyring."""
    if explicit and explicit.strip():
        return Token(explicit.strip(), "--bot-token")
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return Token(env, TOKEN_ENV)
    stored = keyring_get()
    if stored:
        return Token(stored.strip(), "the keyring")
    raise PublishError(f"no Telegram bot token: pass --bot-token, set {TOKEN_ENV}, or store one in the"
                       " Export dialog's Publish step (kept in the OS keyring); get a token from @BotFather")
