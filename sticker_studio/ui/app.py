"""Application setup and the GUI entry point.

``sticker-studio gui`` (``cli/cmd_gui.py``) calls :func:`run_gui`; the ui package never
imports the CLI. ``run_gui`` opens the window over the last pack (or a new one in the user's data
dir), optionally importing a file, and -- with ``screenshot`` -- renders the window
at 1280x800 into a PNG and exits (README images and tests use this; it works with
``QT_QPA_PLATFORM=offscreen`` on a machine without a display).
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QApplication

from sticker_studio import __version__
from sticker_studio.core.atomic import atomic_write_bytes
from sticker_studio.core.errors import InvalidInputError, StickerStudioError
from sticker_studio.paths import APP_NAME
from sticker_studio.ui.first_run import is_first_start, open_sample
from sticker_studio.ui.main_window import MainWindow, app_icon, settle
from sticker_studio.ui.qt_guard import check_qt_refcounts
from sticker_studio.ui.state.document import DEFAULT_PACK_TITLE, PackDocument, default_pack_folder, open_or_create_pack
from sticker_studio.ui.state.session import read_file
from sticker_studio.ui.state.settings import AppSettings, load_settings
from sticker_studio.ui.theme import apply_theme

SCREENSHOT_SIZE = (1280, 800)
log = logging.getLogger(__name__)


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication (reused if one exists), named and themed.

    Raises :class:`~sticker_studio.ui.qt_guard.BrokenQtError` on a PySide6 build that
    would crash mid-playback (see :mod:`sticker_studio.ui.qt_guard`).
    """
    check_qt_refcounts()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        list(argv) if argv is not None else [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Sticker Studio")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Sticker Studio")
    app.setDesktopFileName("sticker-studio")
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


def open_start_pack(settings: AppSettings) -> PackDocument:
    """The last pack if it still opens, else the default pack, else a fresh one.

    Nothing about the last pack can stop the app from starting: any error opening it
    (a damaged pack.json, a bomb frame, a symlinked folder, no permission...) gives a
    message (in the document's ``notice``) and another pack; the damaged one is left
    untouched on disk.
    """
    message = ""
    candidates: list[Path] = []
    if settings.last_pack:
        candidates.append(Path(settings.last_pack))
    default = default_pack_folder(DEFAULT_PACK_TITLE)
    if default not in candidates:
        candidates.append(default)
    for folder in candidates:
        try:
            if folder != default and not (folder / "pack.json").exists():
                raise StickerStudioError(f"{folder} is no longer there")
            return _with_notice(PackDocument(open_or_create_pack(folder, DEFAULT_PACK_TITLE)), message)
        except Exception as error:
            log.warning("could not open the pack %s: %s", folder, error)
            text = str(error) if isinstance(error, StickerStudioError) else f"{type(error).__name__}: {error}"
            message = message or f"Could not open the last pack ({text}); it is left untouched on disk."
    return _with_notice(PackDocument(open_or_create_pack(_fresh_pack_folder(), DEFAULT_PACK_TITLE)), message)


def _with_notice(document: PackDocument, message: str) -> PackDocument:
    document.notice = message
    return document


def _fresh_pack_folder() -> Path:
    """A new, unused pack folder beside the default one ("My stickers 2", "My stickers 3"...)."""
    n = 2
    while True:
        folder = default_pack_folder(f"{DEFAULT_PACK_TITLE} {n}")
        if not folder.exists():
            return folder
        n += 1


def build_window(file: Path | None = None, *, pack_folder: Path | None = None,
                 settings: AppSettings | None = None) -> MainWindow:
    """The main window over ``pack_folder`` (or the start pack), with ``file`` loaded."""
    settings = settings or load_settings()
    if pack_folder is not None:
        document = PackDocument(open_or_create_pack(pack_folder, pack_folder.name or DEFAULT_PACK_TITLE))
    else:
        document = open_start_pack(settings)
    window = MainWindow(document, settings)
    if document.notice:
        window.show_error(document.notice)
    if file is not None:
        try:
            load_into(window, file)
        except BaseException:  # a file it cannot open: no worker (the warm-up) may outlive the window
            window.session.stop_jobs()
            window.document.close()
            window.deleteLater()
            raise
    elif pack_folder is None and is_first_start(settings, document):
        open_sample(window, load_into)
    return window


def load_into(window: MainWindow, file: Path) -> None:
    """Open a pack folder, or make an image/animation the reference (read here, so a file it cannot
    open raises) and add it as a new sticker — a drawing on paper cut out on a worker first."""
    if file.is_dir():
        window.switch_pack(open_or_create_pack(file, file.name))
        return
    if not file.is_file():
        raise InvalidInputError(f"{file} does not exist")
    sticker = read_file(file)
    from sticker_studio.core.drawing_size import check_drawing_size
    from sticker_studio.engine.matting.cutout import needs_cut_out

    check_drawing_size(sticker, file.name)  # a tiny image: one line, the window is not opened on it
    if not needs_cut_out(sticker):  # nothing to cut (it has transparency): in the pack at once
        window.document.add_sticker(sticker, name=file.stem[:64])
    else:
        window.session.add_drawing(sticker, file.name)  # a drawing on paper: cut out on a worker
    window.session.set_reference(sticker, str(file), file)


#: the longest a screenshot waits for the reference's cut-out (a worker job)
SCREENSHOT_WAIT_S = 120.0


def save_screenshot(window: MainWindow, path: Path) -> Path:
    """Render the window at 1280x800 into a PNG (written atomically)."""
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    deadline = time.monotonic() + SCREENSHOT_WAIT_S
    while window.session.is_busy() and time.monotonic() < deadline:  # the reference is cut out on a worker
        settle(50)
    settle(250)  # layouts, the live preset preview and a few animation frames
    window.preview.pause()
    pixmap = window.grab()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    buffer.close()
    return atomic_write_bytes(path, bytes(data.data()))


def run_gui(file: Path | None = None, screenshot: Path | None = None, pack_folder: Path | None = None) -> int:
    """Open the app (blocking until it closes), or make a screenshot and return."""
    app = create_application()
    if screenshot is not None:
        # a throwaway pack, so a screenshot never changes the user's own packs or settings
        with tempfile.TemporaryDirectory(prefix="sticker-studio-shot-") as tmp:
            window = build_window(file, pack_folder=pack_folder or Path(tmp) / "Screenshot pack",
                                  settings=AppSettings())
            if file is not None:
                window.reference_panel.set_preset("bounce")
            window.prompt_panel.set_prompt("a happy orange cat waving, thick outline")
            save_screenshot(window, screenshot)
            window.session.stop_jobs()  # the rig and the motion gallery may still be rendering
            window.preview.pause()
            window.document.save_now()
            window.hide()
            window.deleteLater()
            settle(0)
        return 0
    window = build_window(file, pack_folder=pack_folder)
    window.show()
    return int(app.exec())
