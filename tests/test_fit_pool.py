"""The fit cache and the process pool: Export after Check sizes does not fit again; pool = serial."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_formats import moving_disc
from sticker_studio.core.errors import CancelledError
from sticker_studio.core.progress import CancelToken
from sticker_studio.formats import fit_pool
from sticker_studio.formats.fit import fit_sticker
from sticker_studio.formats.fit_pool import CachedFit, FitCache, FitJob, fit_all, fit_key
from sticker_studio.formats.pack_export import PackItem, export_pack, fit_pack
from sticker_studio.formats.targets import get_target


def items(n: int = 3) -> list[PackItem]:
    return [PackItem(f"disc {i}", ("😀",), moving_disc(4 + i, 40, fps=8)) for i in range(n)]


def test_the_key_follows_content_target_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = moving_disc(4, 40, fps=8), moving_disc(4, 40, fps=8)
    signal, whatsapp = get_target("signal"), get_target("whatsapp")
    assert fit_key(a, signal) == fit_key(b, signal)  # same content, other object
    assert fit_key(a, signal) != fit_key(a, whatsapp)
    b.frames[1][0, 0] = (1, 2, 3, 4)
    assert fit_key(a, signal) != fit_key(b, signal)  # an edited pixel is a new fit
    c = moving_disc(4, 40, fps=8)
    c.metadata["pixel_art"] = True
    assert fit_key(a, signal) != fit_key(c, signal)
    before = fit_key(a, signal)
    monkeypatch.setattr(fit_pool, "FIT_SETTINGS", "another search")
    assert fit_key(a, signal) != before


def test_export_after_check_sizes_writes_the_cached_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FitCache()
    pack = items()
    checked = fit_pack(pack, ["slack", "telegram-emoji"], workers=1, cache=cache)
    assert len(cache) == 6

    def no_fit(*_args: object, **_kw: object) -> CachedFit:
        raise AssertionError("Export fitted again")

    monkeypatch.setattr(fit_pool, "_fit_one", no_fit)
    stats: dict[str, object] = {}
    again = fit_pack(pack, ["slack", "telegram-emoji"], workers=1, cache=cache, stats=stats)
    assert stats["cached"] == 6 and stats["fitted"] == 0 and stats["mode"] == "cache"
    report = export_pack(pack, ["slack", "telegram-emoji"], tmp_path / "out", title="T", workers=1, cache=cache)
    assert report.ok and report.written
    for name in ("slack", "telegram-emoji"):
        files = [report.targets[name].folder / s.file for s in report.targets[name].stickers]
        fits = checked[name]
        assert [f.read_bytes() for f in files] == [f.data for f in fits if isinstance(f, CachedFit)]
        assert again[name] == fits


def test_pool_gives_the_serial_results_in_order_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [FitJob(i.sticker, get_target("slack")) for i in items(3)]
    jobs.append(FitJob(jobs[0].sticker, get_target("slack")))  # a twin: fitted once
    stats: dict[str, object] = {}
    pooled = fit_all(jobs, workers=2, cache=None, stats=stats)
    assert stats["mode"] == "pool" and stats["fitted"] == 3
    serial = [fit_sticker(j.sticker, j.target).data for j in jobs]
    assert [r.data for r in pooled if isinstance(r, CachedFit)] == serial

    def broken(*_args: object, **_kw: object) -> None:
        raise OSError("no semaphores here")

    monkeypatch.setattr(fit_pool, "ProcessPoolExecutor", broken)
    stats = {}
    fallback = fit_all(jobs, workers=2, cache=None, stats=stats)
    assert stats["mode"] == "serial" and [r.data for r in fallback if isinstance(r, CachedFit)] == serial


def test_errors_come_back_per_sticker_and_cancel_stops() -> None:
    tiny = get_target("slack")
    import dataclasses

    impossible = dataclasses.replace(tiny, max_bytes=10)
    jobs = [FitJob(i.sticker, impossible) for i in items(2)]
    results = fit_all(jobs, workers=1, cache=None)
    assert all(not isinstance(r, CachedFit) and "budget" in str(r) for r in results)
    with pytest.raises(CancelledError):
        fit_all([FitJob(i.sticker, get_target("slack")) for i in items(2)], workers=1, cache=None,
                cancel=CancelToken(also=lambda: True))


def test_a_cancelled_pool_stops_its_running_workers() -> None:
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context(fit_pool._start_method()))
    running = [pool.submit(time.sleep, 120) for _ in range(2)]
    queued = [pool.submit(time.sleep, 120) for _ in range(4)]
    while not all(f.running() for f in running):  # both workers are busy with a long job
        time.sleep(0.05)
    workers = list(pool._processes.values())
    assert workers and all(p.is_alive() for p in workers)
    fit_pool._stop_pool(pool)
    assert not any(p.is_alive() for p in workers)  # not left to finish their 2-minute job
    deadline = time.monotonic() + 30  # the pool's manager thread settles them: cancelled, or failed
    while not all(f.done() for f in queued) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(f.done() for f in queued)  # dropped, not run for 2 minutes each
