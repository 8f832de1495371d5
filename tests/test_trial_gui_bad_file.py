"""`sticker-studio gui FILE` with a file it cannot open: one line and exit 2, not an abort (the
warm-up worker used to outlive the window: "QThread: Destroyed while thread ... is still running")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")


def test_gui_with_a_file_it_cannot_open_exits_2_with_one_line(tmp_path: Path) -> None:
    target = tmp_path / "drawing.png"
    target.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))  # a PNG signature, then nonsense
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-m", "sticker_studio", "gui", "--screenshot", str(shot), str(target)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sticker-studio: error:"), done.stderr
    assert "drawing.png" in lines[0]
    assert not shot.exists()
