"""The app's very first start: open on the bundled sample with one line on what to try first.

"First start" = no pack was ever opened (no ``last_pack`` in the settings) and the pack the
app opened is empty. Later starts open the last pack as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sticker_studio import paths
from sticker_studio.ui.main_window import MainWindow
from sticker_studio.ui.state.document import PackDocument
from sticker_studio.ui.state.settings import AppSettings

#: The one line shown in the status bar on the first start (until something else replaces it).
FIRST_RUN_HINT = ("First start: this is the sample drawing. Pick a Motion and press “Animate with motion preset” "
                  "(left), or type a prompt at the top left and press Generate.")
SAMPLE_NAME = "bounce"
log = logging.getLogger(__name__)


def sample_drawing() -> Path | None:
    """The bundled sample (``resources/samples/bounce.*``), or None if this install has none."""
    folder = paths.resources_dir() / "samples"
    matches = sorted(folder.glob(f"{SAMPLE_NAME}.*")) if folder.is_dir() else []
    return matches[0] if matches else None


def is_first_start(settings: AppSettings, document: PackDocument) -> bool:
    return not settings.last_pack and not document.entries() and not document.read_only


def open_sample(window: MainWindow, load_into: Callable[[MainWindow, Path], None]) -> bool:
    """Load the sample into ``window`` with ``load_into`` (the app's loader: a sticker and the
    reference) and show the hint.

    Returns False (and changes nothing) when there is no sample or it does not load.
    """
    sample = sample_drawing()
    if sample is None:
        return False
    try:
        load_into(window, sample)
    except Exception as error:  # the app starts whatever is wrong with the sample
        log.warning("could not open the sample %s: %s", sample, error)
        return False
    window.statusBar().showMessage(FIRST_RUN_HINT)
    return True
