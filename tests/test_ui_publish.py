"""The Export dialog after an export: next steps, Open folder, the Telegram Publish step (stand-in server)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.handoff import NEXT_STEPS
from telegram_standin import BOT_USERNAME, StandinBotApi

TOKEN = "123456:AAFakeTokenForTheStandinServer_x"


@pytest.fixture()
def dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sticker_studio.ui.dialogs.export import ExportDialog
    from sticker_studio.ui.state.settings import AppSettings

    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setattr("sticker_studio.formats.publish.credentials.keyring_get", lambda *_a: None)
    pack = StickerPack.create(tmp_path / "pack", "Dialog pack", "Ana")
    frame = np.zeros((32, 32, 4), np.uint8)
    frame[8:24, 8:24] = (200, 50, 50, 255)
    for i, emoji in enumerate(("😀", "😢", "👋")):
        pack.add(Sticker([np.roll(frame, k + i, axis=1) for k in range(4)], [100] * 4), name=f"s{i}",
                 emojis=[emoji])
    settings = AppSettings(export_targets=["telegram", "whatsapp"])
    dlg = ExportDialog(list(pack.entries), tmp_path / "out", None, title=pack.title, publisher=pack.author,
                       settings=settings)
    qtbot.addWidget(dlg)
    opened: list[Path] = []
    dlg.next_steps.opener = lambda folder: opened.append(folder) or True
    dlg.opened = opened  # type: ignore[attr-defined]
    with qtbot.waitSignal(dlg.export_finished, timeout=120_000) as done:
        dlg.start_export()
    assert all(o.ok for o in done.args[0].values()), done.args[0]
    return dlg


def test_next_steps_and_open_folder_after_an_export(dialog, tmp_path: Path) -> None:
    panel = dialog.next_steps
    assert not panel.isHidden() and set(panel.rows) == {"telegram", "whatsapp"}
    text, button = panel.rows["whatsapp"]
    assert NEXT_STEPS["whatsapp"] in text.text() and ".wastickers" in text.text()
    button.click()
    assert dialog.opened == [tmp_path / "out" / "whatsapp"]
    assert (tmp_path / "out" / "whatsapp" / "Dialog pack.wastickers").is_file()
    assert not dialog.publish_panel.isHidden() and dialog.publish_panel.publish_button.isEnabled()


def test_publish_step_uploads_to_the_standin_server_and_shows_the_link(dialog, qtbot, tmp_path: Path) -> None:
    from sticker_studio.ui.state.settings import settings_path

    panel = dialog.publish_panel
    with StandinBotApi(TOKEN) as server:
        server.inject("createNewStickerSet", 1, "429", retry_after=1)
        panel.api_url = server.url
        panel.user_edit.setText("42")
        panel.name_edit.setText("dialog")
        panel.token_edit.setText(TOKEN)
        panel.remember.setChecked(False)
        waits: list[str] = []
        panel.wait_text.connect(waits.append)
        with qtbot.waitSignal(panel.published, timeout=60_000) as done:
            panel.publish_button.click()
    name = f"dialog_by_{BOT_USERNAME}"
    assert server.violations == []
    assert [s["emoji"] for s in server.sets[name].stickers] == ["😀", "😢", "👋"]
    assert server.sets[name].thumbnail is not None
    assert done.args[0].link == f"https://t.me/addstickers/{name}"
    assert f"https://t.me/addstickers/{name}" in panel.link.text()
    assert any("waiting 1 s" in w for w in waits)  # the 429 countdown was shown
    assert panel.token_edit.text() == ""  # the token is not kept in the dialog
    written = [p.read_text(encoding="utf-8", errors="ignore") for p in tmp_path.rglob("*")
               if p.is_file() and p.suffix in (".json", ".txt", ".ini", ".toml")]
    if settings_path().is_file():
        written.append(settings_path().read_text(encoding="utf-8"))
    assert all(TOKEN not in text for text in written)  # never in the pack, the export or the settings


def test_publish_with_a_bad_token_says_so(dialog, qtbot) -> None:
    panel = dialog.publish_panel
    with StandinBotApi(TOKEN) as server:
        panel.api_url = server.url
        panel.user_edit.setText("42")
        panel.token_edit.setText("999999:BBWrongTokenWrongTokenWrongToken")
        with qtbot.waitSignal(panel.publish_failed, timeout=30_000) as failed:
            panel.publish_button.click()
    assert "refused the bot token" in failed.args[0] and "BBWrong" not in failed.args[0]
    assert server.sets == {} and json.dumps(server.methods()) == '["getMe"]'


def test_pack_panel_author_field_and_emoji_suggestion(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.ui.main_window import MainWindow
    from sticker_studio.ui.state.document import PackDocument, open_or_create_pack
    from sticker_studio.ui.state.settings import AppSettings

    manifest = tmp_path / "empty_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    document = PackDocument(open_or_create_pack(tmp_path / "pack", "Test pack"), autosave_delay_ms=30)
    win = MainWindow(document, AppSettings())
    qtbot.addWidget(win)
    try:
        panel = win.pack_panel
        panel.author_edit.setText("Ana B.")
        panel.author_edit.editingFinished.emit()
        assert document.pack.author == "Ana B."
        document.pack_stack.undo()
        assert document.pack.author == "" and panel.author_edit.text() == ""  # undoable, and shown
        sticker = Sticker([np.zeros((16, 16, 4), np.uint8)] * 2, [100, 100])
        sticker.metadata.update({"subject": "ghost", "motion": "wave"})
        entry = document.add_sticker(sticker, name="boo", emojis=["🙂"])
        panel.suggest_button.click()
        ghost = ArtLibrary.load().find("ghost")
        assert ghost is not None
        assert document.entry(entry.id).emojis == [ghost.emoji, "👋"]
        assert panel.emoji_edit.text() == ghost.emoji + "👋"
    finally:
        win.shutdown()


def test_the_app_exports_through_export_sticker_pack_with_its_guard(qtbot, tmp_path: Path) -> None:
    """The dialog given the app's pack exports the pack itself: its tray/author, and never into its folder."""
    from sticker_studio.formats.targets import get_target
    from sticker_studio.ui.dialogs.export import ExportDialog, target_budget

    pack = StickerPack.create(tmp_path / "pack", "Guarded", "Ana")
    frame = np.zeros((32, 32, 4), np.uint8)
    frame[8:24, 8:24] = (200, 50, 50, 255)
    for i in range(3):
        pack.add(Sticker([np.roll(frame, k + i, axis=1) for k in range(3)], [100] * 3), name=f"s{i}", emojis=["😀"])
    pack.tray_icon_id = pack.entries[2].id
    inside = tmp_path / "pack" / "exports"
    dlg = ExportDialog(list(pack.entries), inside, None, title="ignored", publisher="ignored", pack=pack)
    qtbot.addWidget(dlg)
    dlg.set_selected_targets(["signal"])
    dlg.start_export()
    qtbot.waitUntil(lambda: not dlg.is_busy(), timeout=60_000)
    assert "outside the pack folder" in dlg.status.text() and not inside.exists()
    dlg.set_output_folder(tmp_path / "out")
    with qtbot.waitSignal(dlg.export_finished, timeout=60_000):
        dlg.start_export()
    manifest = json.loads((tmp_path / "out" / "signal" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["author"] == "Ana" and manifest["title"] == "Guarded"  # from the pack, not the arguments
    assert manifest["cover"]["file"].startswith("03_")  # the pack's tray sticker
    assert target_budget(get_target("signal")) == 300_000


def test_remember_does_not_store_a_token_that_is_not_one(dialog, monkeypatch: pytest.MonkeyPatch) -> None:
    stored: list[str] = []
    monkeypatch.setattr("sticker_studio.formats.publish.credentials.keyring_set", lambda t, *_a: stored.append(t))
    panel = dialog.publish_panel
    panel.user_edit.setText("42")
    panel.token_edit.setText("my password 1234")  # pasted the wrong thing
    panel.remember.setChecked(True)
    panel.publish_button.click()
    assert "does not look like a bot token" in panel.status.text()
    assert stored == []
