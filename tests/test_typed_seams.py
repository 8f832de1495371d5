"""The typed seams of issue 21: mode Enums whose values are the words the CLI, signals and theme use."""

from __future__ import annotations

import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.generator.curriculum import CurriculumKind, make_curriculum


def test_curriculum_kind_takes_the_cli_words_and_refuses_others() -> None:
    for word in ("dcl", "static", "linear", "none"):
        assert make_curriculum(word, total_steps=10).config.kind is CurriculumKind(word)
    flat = make_curriculum(CurriculumKind.NONE, total_steps=10).group_weights(5)
    assert max(flat.values()) == pytest.approx(min(flat.values()))  # w/o CL: every group alike
    with pytest.raises(InvalidInputError, match="dcl, static, linear, none"):
        make_curriculum("cosine", total_steps=10)


def test_every_message_kind_the_panel_shows_has_a_theme_rule(qtbot) -> None:
    from sticker_studio.ui.prompt_panel import PromptPanel
    from sticker_studio.ui.state.messages import MessageKind
    from sticker_studio.ui.theme import STYLE_SHEET

    panel = PromptPanel()
    qtbot.addWidget(panel)
    for kind in MessageKind:
        if kind is not MessageKind.INFO:  # info is the label's plain style
            assert f'QLabel#panelMessage[kind="{kind.value}"]' in STYLE_SHEET
        panel.show_message("x", kind.value)  # the session's signal carries the value
        assert panel.message.property("kind") == kind.value
    panel.show_message("saved", MessageKind.OK)
    assert panel.message.property("kind") == "ok" and panel.message.text() == "saved"
    with pytest.raises(ValueError):
        panel.show_message("x", "warning")
