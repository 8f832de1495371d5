"""One family of errors a user can cause.

Each carries a message a person can act on. The CLI prints ``str(error)`` on one line
and exits 2; the GUI shows it in a dialog. Programming errors are *not* in this family.
"""

from __future__ import annotations


class StickerStudioError(Exception):
    """Base of every error a user can cause (bad file, too big, unknown model...)."""


class InvalidInputError(StickerStudioError):
    """A file or argument that cannot be used: unreadable, truncated, not an image, bad value."""


class LimitExceededError(StickerStudioError):
    """Input beyond what the machine is protected against (decoded pixels, frame count)."""


class BudgetError(StickerStudioError):
    """A messenger target's rules cannot be met for this sticker (e.g. byte budget impossible)."""


class ModelError(StickerStudioError):
    """A model cannot be used: unknown id, missing files, checksum mismatch, offline."""


class ModelNotFoundError(ModelError):
    """The model is not in the manifest, or its files are not on disk and cannot be fetched."""


class ModelIntegrityError(ModelError):
    """A model file's sha256 or size does not match the manifest."""


class CancelledError(StickerStudioError):
    """The user cancelled a long operation."""


class PackError(StickerStudioError):
    """A sticker pack on disk cannot be opened or saved."""


class OutputError(InvalidInputError, OSError):
    """An output cannot be written where asked (a folder, a read-only place, a name too long,
    the same file as an input). Also an ``OSError``, so code that handles write failures
    as ``OSError`` keeps working."""


class UnsafePackError(PackError):
    """A pack folder holds symbolic links where the pack store reads or deletes."""


class PackLockedError(PackError):
    """Another process (an app window, a script) has the pack open for writing."""


class PackReadOnlyError(PackError):
    """A change was asked of a pack that is open read-only."""
