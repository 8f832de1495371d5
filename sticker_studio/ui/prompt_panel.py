"""The prompt panel: describe a sticker and generate it.

It only collects settings and shows progress; the session
(``ui.model.session``) builds the engine request and runs it in a worker. Task names come from ``engine.tasks``
(pure Python), so opening the window never imports torch.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.engine.generate.tasks import Task
from sticker_studio.ui.image_convert import thumbnail_icon
from sticker_studio.ui.state.messages import MessageKind
from sticker_studio.ui.state.prompt import PromptSettings, SubjectCandidates
from sticker_studio.ui.widgets import cancel_and_progress, double_spin_box, section_column, spin_box, tool_button

#: The task box's first entry: text → sticker in two stages (library art + motion), the default.
TWO_STAGE = "two-stage"
TWO_STAGE_TITLE = "Text → sticker (library art + motion)"
TASK_TITLES: dict[Task, str] = {
    Task.TEXT_TO_ANIMATION: "Text → animation (experimental: the model draws)",
    Task.IMAGE_TO_ANIMATION: "Animate the reference",
    Task.LOOP: "Seamless loop from the reference",
    Task.INTERPOLATION: "In-between frames",
    Task.CONTINUATION: "Continue the sticker",
}
MAX_SEED = 2**31 - 1
THUMB_SIDE = 56
SUBJECTS_FOUND = "Subjects found — pick one"


class PromptPanel(QWidget):
    """Prompt, task, frames, seed (with a dice), steps/guidance under More, Generate/Cancel."""

    generate_requested = Signal(object)   # PromptSettings
    cancel_requested = Signal()
    #: the user picked a found subject to animate (its index in the candidates)
    candidate_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt_edit = QPlainTextEdit(self)
        self.prompt_edit.setPlaceholderText("a happy orange cat waving, thick outline, flat colours")
        self.prompt_edit.setFixedHeight(72)
        self.task_box = QComboBox(self)
        self.task_box.addItem(TWO_STAGE_TITLE, TWO_STAGE)
        for task, task_title in TASK_TITLES.items():
            self.task_box.addItem(task_title, task)
        self.frames_spin = spin_box(self, 2, 48, value=8)
        self.frames_spin.setMaximumWidth(72)
        self.seed_spin = spin_box(self, 0, MAX_SEED, value=random.randint(0, 99_999))
        self.seed_spin.setMinimumWidth(70)  # its size hint fits 10 digits; that would squeeze the labels
        self.dice_button = tool_button(self, "🎲", tooltip="New random seed")
        self.dice_button.clicked.connect(self.roll_seed)
        self.steps_spin = spin_box(self, 0, 200, special_text="model default")
        self.guidance_spin = double_spin_box(self, 0.0, 30.0, step=0.5, special_text="model default")

        self.more_button = tool_button(self, "More", checkable=True, text_beside_icon=True)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more_box = QWidget(self)
        more_form = QFormLayout(self.more_box)
        more_form.setContentsMargins(0, 0, 0, 0)
        more_form.addRow("Steps", self.steps_spin)
        more_form.addRow("Guidance", self.guidance_spin)
        self.more_box.setVisible(False)
        self.more_button.toggled.connect(self._toggle_more)

        self.generate_button = QPushButton("Generate", self)
        self.generate_button.setObjectName("primaryButton")
        self.generate_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.generate_button.setToolTip("Make a new sticker in the pack (Ctrl+Enter)")
        self.generate_button.clicked.connect(self._emit_generate)
        self.cancel_button, self.progress = cancel_and_progress(self, self.cancel_requested)
        self.cancel_button.setVisible(False)  # shown (and enabled) while a job runs: set_busy
        self.progress.setTextVisible(True)
        self.message = QLabel(self)
        self.message.setObjectName("panelMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setVisible(False)

        self.candidates_title = QLabel(SUBJECTS_FOUND, self)
        self.candidates_list = QListWidget(self)
        self.candidates_list.setViewMode(QListView.ViewMode.IconMode)
        self.candidates_list.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.candidates_list.setMovement(QListView.Movement.Static)
        self.candidates_list.setResizeMode(QListView.ResizeMode.Adjust)
        self.candidates_list.setWrapping(True)
        self.candidates_list.setFixedHeight(THUMB_SIDE * 2 + 56)
        self.candidates_list.itemDoubleClicked.connect(lambda _item: self._emit_candidate())
        self.animate_button = QPushButton("Animate chosen subject", self)
        self.animate_button.setToolTip("Animate the selected subject with the prompt's motion (adds a sticker)")
        self.animate_button.clicked.connect(self._emit_candidate)
        self.candidates_box = QWidget(self)
        cand_layout = QVBoxLayout(self.candidates_box)
        cand_layout.setContentsMargins(0, 0, 0, 0)
        cand_layout.addWidget(self.candidates_title)
        cand_layout.addWidget(self.candidates_list)
        cand_layout.addWidget(self.animate_button)
        self.candidates_box.setVisible(False)

        seed_row = QHBoxLayout()
        seed_row.setSpacing(4)
        seed_row.addWidget(self.frames_spin)
        seed_label = QLabel("Seed", self)
        seed_row.addSpacing(4)
        seed_row.addWidget(seed_label)
        seed_row.addWidget(self.seed_spin, 1)
        seed_row.addWidget(self.dice_button)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.addRow("Task", self.task_box)
        form.addRow("Frames", seed_row)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)

        layout = section_column(self, "Prompt")
        layout.addWidget(self.prompt_edit)
        layout.addLayout(form)
        layout.addWidget(self.more_button)
        layout.addWidget(self.more_box)
        layout.addLayout(buttons)
        layout.addWidget(self.candidates_box)
        layout.addWidget(self.progress)
        layout.addWidget(self.message)

    def _toggle_more(self, on: bool) -> None:
        self.more_box.setVisible(on)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def roll_seed(self) -> None:
        self.seed_spin.setValue(random.randint(0, MAX_SEED))

    def settings(self) -> PromptSettings:
        data = self.task_box.currentData()
        two_stage = data == TWO_STAGE
        return PromptSettings(
            prompt=self.prompt_edit.toPlainText().strip(),
            task=Task.TEXT_TO_ANIMATION if two_stage else data,
            two_stage=two_stage,
            frames=int(self.frames_spin.value()),
            seed=int(self.seed_spin.value()),
            steps=int(self.steps_spin.value()),
            guidance=float(self.guidance_spin.value()),
        )

    def set_task(self, task: Task) -> None:
        i = self.task_box.findData(task)
        if i >= 0:
            self.task_box.setCurrentIndex(i)

    def set_prompt(self, text: str) -> None:
        self.prompt_edit.setPlainText(text)

    def prefer_image_task(self) -> None:
        """Switch from a text task to animating the reference (other tasks stay)."""
        if self.settings().task is Task.TEXT_TO_ANIMATION:
            self.set_task(Task.IMAGE_TO_ANIMATION)

    def request_generate(self) -> None:
        """What the Generate button (and Ctrl+Enter) does: emit ``generate_requested``."""
        if self.generate_button.isEnabled():
            self._emit_generate()

    def _emit_generate(self) -> None:
        self.generate_requested.emit(self.settings())

    # ------------------------------------------------------------ candidates
    def show_candidates(self, found: SubjectCandidates) -> None:
        """Show the found subjects as thumbnails, the best one selected."""
        self.candidates_list.clear()
        for label, rgba in zip(found.labels, found.thumbnails, strict=False):
            item = QListWidgetItem(thumbnail_icon(rgba, THUMB_SIDE), label)
            item.setToolTip(label + (f" ({found.notes})" if found.notes else ""))
            self.candidates_list.addItem(item)
        if found.labels:
            self.candidates_list.setCurrentRow(0)
        if found.warning:  # never a confident wrong subject: say the library has none
            self.candidates_title.setText(f"{found.warning} — pick one only if it fits")
        else:
            self.candidates_title.setText(SUBJECTS_FOUND)
        self.candidates_title.setWordWrap(True)
        self.candidates_box.setVisible(bool(found.labels))

    def chosen_candidate(self) -> int:
        return max(0, self.candidates_list.currentRow())

    def _emit_candidate(self) -> None:
        if self.candidates_list.count() and self.animate_button.isEnabled():
            self.candidate_chosen.emit(self.chosen_candidate())

    # ------------------------------------------------------------ feedback
    def set_busy(self, busy: bool, text: str = "") -> None:
        self.generate_button.setEnabled(not busy)
        self.animate_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)  # busy until the first step arrives
            self.progress.setFormat(text or "Loading the model…")
            self.show_message("")

    def show_cancelling(self) -> None:
        """Cancel was asked for: the job ends at its next step."""
        self.cancel_button.setEnabled(False)
        self.progress.setFormat("Cancelling…")

    def set_progress(self, step: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(step)
            self.progress.setFormat(f"Step {step} of {total}")

    def show_message(self, text: str, kind: MessageKind | str = MessageKind.INFO) -> None:
        """Show an inline message of a :class:`MessageKind` (styled by the theme); the session's
        ``generation_message`` signal carries the kind as its value."""
        self.message.setProperty("kind", MessageKind(kind).value)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.setVisible(bool(text))
