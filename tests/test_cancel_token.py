"""The one cancel type: asked from one thread, seen from another; an extra condition counts."""

from __future__ import annotations

import threading

import pytest

from sticker_studio.core.errors import CancelledError
from sticker_studio.core.progress import CancelToken, is_cancelled


def test_token_is_set_from_another_thread_and_raises_once_cancelled() -> None:
    token = CancelToken()
    assert not token.cancelled and not token() and not is_cancelled(token) and not is_cancelled(None)
    token.raise_if_cancelled()  # not cancelled: nothing happens
    worker = threading.Thread(target=token.cancel)
    worker.start()
    assert token.wait(5.0)
    worker.join()
    assert token.cancelled and token() and token.is_set() and is_cancelled(token)
    with pytest.raises(CancelledError, match="export stopped"):
        token.raise_if_cancelled("export stopped")


def test_an_extra_condition_counts_as_a_cancel() -> None:
    calls: list[int] = []
    token = CancelToken(also=lambda: len(calls) >= 2)
    calls.append(1)
    assert not token()
    calls.append(2)
    assert token() and token.cancelled
    assert not CancelToken().wait(0.01)  # a timeout without a cancel says so
