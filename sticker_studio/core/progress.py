"""The one progress-callback type: ``progress(done, total)``, called as work advances.

Engine sampling, matting, pack export, dataset synthesis, the app's background jobs and the
CLI's tqdm bars all take or build a :data:`ProgressCallback`.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: ``done`` of ``total`` steps finished (``0 <= done <= total``)."""
