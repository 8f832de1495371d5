"""After an export: each messenger's next step, an "Open folder" button, and Telegram's Publish step.

:class:`NextStepsPanel` lists, per exported target, the one or two sentences of
:data:`sticker_studio.formats.handoff.NEXT_STEPS` and a button that opens the target's
folder in the file manager. :class:`TelegramPublishPanel` uploads the Telegram export
with the Bot API (:mod:`sticker_studio.formats.publish.telegram`) in a worker: user id,
set name and bot token; the token is kept only in the OS keyring (never in the
settings file or the pack), a 429 wait shows as a countdown, Cancel stops at any time
and Publish again resumes; the ``t.me/addstickers`` link is shown at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.ui.state.workers import BackgroundJob


def open_in_file_manager(folder: Path) -> bool:
    """Open ``folder`` in the system's file manager."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))


class NextStepsPanel(QGroupBox):
    """Per exported target: what to do next, and an Open folder button."""

    def __init__(self, parent: QWidget | None = None,
                 opener: Callable[[Path], bool] = open_in_file_manager) -> None:
        super().__init__("Next steps", parent)
        self.opener = opener
        self._layout = QVBoxLayout(self)
        self.rows: dict[str, tuple[QLabel, QPushButton]] = {}
        self.setVisible(False)

    def show_targets(self, folders: dict[str, Path]) -> None:
        """Replace the rows with one per target folder that was written."""
        from sticker_studio.formats.handoff import next_step
        from sticker_studio.formats.targets import get_target

        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = {}
        for name, folder in folders.items():
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            text = QLabel(f"<b>{get_target(name).title}</b>: {next_step(name)}", row)
            text.setWordWrap(True)
            button = QPushButton("Open folder", row)
            button.setToolTip(str(folder))
            button.clicked.connect(lambda _checked=False, f=folder: self.opener(f))
            line.addWidget(text, 1)
            line.addWidget(button)
            self._layout.addWidget(row)
            self.rows[name] = (text, button)
        self.setVisible(bool(folders))


class TelegramPublishPanel(QGroupBox):
    """Publish the Telegram export with a bot: user id, set name, token (kept in the keyring only)."""

    published = Signal(object)  # the PublishReport
    publish_failed = Signal(str)
    wait_text = Signal(str)  # emitted from the worker; shown on the GUI thread

    def __init__(self, parent: QWidget | None = None, *, api_url: str | None = None) -> None:
        super().__init__("Publish to Telegram", parent)
        from sticker_studio.formats.publish.telegram import DEFAULT_API_URL

        self.api_url = api_url or DEFAULT_API_URL
        self.export_folder: Path | None = None
        self.pack_title = ""
        self.job: BackgroundJob | None = None
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText("numeric id, e.g. from @userinfobot")
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("from the title; _by_<bot> is added")
        self.token_edit = QLineEdit(self)
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        # the keyring is read only on Publish (opening the dialog must not prompt to unlock it)
        self.token_edit.setPlaceholderText("from @BotFather; empty: the one in the keyring")
        self.remember = QCheckBox("Remember the token in the system keyring", self)
        self.publish_button = QPushButton("Publish", self)
        self.publish_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel("Export for Telegram first; then publish the pack with your bot.", self)
        self.status.setWordWrap(True)
        self.link = QLabel("", self)
        self.link.setOpenExternalLinks(True)
        self.wait_text.connect(self.status.setText)
        form = QFormLayout()
        form.addRow("Your user id", self.user_edit)
        form.addRow("Set name", self.name_edit)
        form.addRow("Bot token", self.token_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remember, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.publish_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.link)
        self.set_export(None, "")

    def set_export(self, folder: Path | None, title: str) -> None:
        """The Telegram export folder to publish (None: nothing exported yet)."""
        changed = folder != self.export_folder
        self.export_folder, self.pack_title = folder, title
        self.publish_button.setEnabled(folder is not None and not self.is_busy())
        if changed and folder is not None and not self.is_busy():
            self.status.setText(f"Ready to publish the Telegram export in {folder}.")

    def is_busy(self) -> bool:
        return self.job is not None and self.job.is_running()

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def start(self) -> None:
        from sticker_studio.formats.publish.base import PublishError
        from sticker_studio.formats.publish.credentials import find_telegram_token, keyring_set
        from sticker_studio.formats.publish.telegram import TelegramTarget, TelegramUploader, plan_from_export

        if self.is_busy() or self.export_folder is None:
            return
        try:
            user_id = int(self.user_edit.text().strip())
        except ValueError:
            self.status.setText("Enter your numeric Telegram user id (ask @userinfobot).")
            return
        try:
            token = find_telegram_token(self.token_edit.text())
            uploader = TelegramUploader(token.value, TelegramTarget(user_id, self.name_edit.text().strip() or None),
                                        api_url=self.api_url)  # checks the token's form: a typo is not stored
            if self.remember.isChecked() and token.source == "--bot-token":
                keyring_set(token.value)
            plan = plan_from_export(self.export_folder)
        except PublishError as error:
            self.status.setText(str(error))
            return
        self.token_edit.clear()  # the token lives on only in the keyring (if chosen), never in a file

        def work(progress: ProgressCallback, cancel: CancelToken) -> object:
            return uploader.publish(
                plan, progress=lambda done, total, _message: progress(done, total), cancel=cancel,
                on_wait=lambda left, why: self.wait_text.emit(
                    f"{why}: waiting {left} s…" if left else "Going on…"))

        self.job = BackgroundJob(work, self, name="publish")
        self.job.progress.connect(lambda done, total: self.status.setText(f"Uploaded {done} of {total} sticker(s)…"))
        self.job.succeeded.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(lambda: self._failed("Cancelled. Publish again to add the rest."))
        self.job.finished.connect(lambda: self.set_export(self.export_folder, self.pack_title))
        self.job.finished.connect(lambda: self.cancel_button.setEnabled(False))
        self.publish_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.link.setText("")
        self.status.setText("Publishing…")
        self.job.start()

    def _done(self, report: object) -> None:
        link = str(getattr(report, "link", ""))
        added = getattr(report, "added", 0)
        there = getattr(report, "already_there", 0)
        self.status.setText(f"Published: {added} sticker(s) added, {there} already there.")
        self.link.setText(f'<a href="{link}">{link}</a>')
        self.published.emit(report)

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.publish_failed.emit(message)
