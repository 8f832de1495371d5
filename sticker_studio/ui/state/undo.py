"""Qt undo commands over the core's reversible frame edits.

Each :class:`StickerEditCommand` wraps one ``sticker_studio.core.edits`` command and
the pack entry it belongs to. The document applies a new edit itself *before*
pushing it (so a refused edit raises to the caller instead of failing inside Qt's
``push``), and the command's first ``redo()`` -- which ``QUndoStack.push`` calls at
once -- is then skipped. Every later redo/undo goes back through the document, so
undo takes the same path as a user edit: repaint, then autosave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtGui import QUndoCommand

#: All frame edits share one merge id; the core command decides whether two merge
#: (e.g. several duration changes of the same frames in a row become one undo step).
MERGE_ID = 0x5715


class EditTarget(Protocol):
    """What a command needs from the document that owns the stickers."""

    def apply_edit(self, entry_id: str, edit: object, *, forward: bool) -> None: ...


class _MadeBeforePush(QUndoCommand):
    """A command whose change may already be made when it is pushed: then the push's
    first ``redo()`` is skipped. Subclasses say how to go forward and back."""

    def __init__(self, text: str, *, already_applied: bool) -> None:
        super().__init__(text)
        self._skip_redo = already_applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._apply(forward=True)

    def undo(self) -> None:
        self._apply(forward=False)

    def _apply(self, *, forward: bool) -> None:
        raise NotImplementedError


class StickerEditCommand(_MadeBeforePush):
    """One reversible edit of one sticker in the open pack."""

    def __init__(self, target: EditTarget, entry_id: str, edit: object, *, already_applied: bool = False) -> None:
        super().__init__(str(getattr(edit, "label", "") or edit.__class__.__name__), already_applied=already_applied)
        self.target = target
        self.entry_id = entry_id
        self.edit = edit

    def _apply(self, *, forward: bool) -> None:
        self.target.apply_edit(self.entry_id, self.edit, forward=forward)

    def id(self) -> int:
        return MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, StickerEditCommand) or other.entry_id != self.entry_id:
            return False
        merge = getattr(self.edit, "merge_with", None)
        if merge is None or not merge(other.edit):
            return False
        self.setText(str(getattr(self.edit, "label", self.text())))
        return True


class ChangeCommand(_MadeBeforePush):
    """A pack-level change (title, emoji, removing a sticker) as two callables.

    Like :class:`StickerEditCommand`, the change is made before the push (so a refused
    change raises to the caller), and the push's first ``redo()`` is skipped.
    """

    def __init__(self, text: str, forward: Callable[[], None], backward: Callable[[], None]) -> None:
        super().__init__(text, already_applied=True)
        self._forward = forward
        self._backward = backward

    def _apply(self, *, forward: bool) -> None:
        (self._forward if forward else self._backward)()
