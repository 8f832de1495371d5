"""Sticker packs on disk (sticker_studio.core.pack.pack): round trips, dirty tracking, recovery, crash safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.edits import DeleteFrames, EditHistory, SetDurations
from sticker_studio.core.errors import InvalidInputError, PackError
from sticker_studio.core.pack import store as pack_store
from sticker_studio.core.pack.pack import StickerPack, default_packs_dir
from sticker_studio.core.sticker import Sticker


# --------------------------------------------------------------------------- helpers
def make_sticker(seed: int, n: int = 3, size: int = 8) -> Sticker:
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 256, (size, size, 4), dtype=np.uint8) for _ in range(n)]
    frames[0][0, 0] = (12, 34, 56, 0)  # colour under full transparency must survive too
    return Sticker(frames, [40 + 10 * k for k in range(n)], loop_count=seed % 3, metadata={"prompt": f"p{seed}"})


def state(pack: StickerPack) -> dict:
    """Everything a user would notice about a pack, comparable with ==."""
    return {
        "title": pack.title,
        "author": pack.author,
        "tray": pack.tray_icon_id,
        "stickers": [
            (
                e.id,
                e.name,
                tuple(e.emojis),
                e.sticker.size,
                tuple(e.sticker.durations_ms),
                e.sticker.loop_count,
                dict(e.sticker.metadata),
                tuple(f.tobytes() for f in e.sticker.frames),
            )
            for e in pack.entries
        ],
    }


def disk_files(folder: Path) -> set[str]:
    """Files of the pack (the writer lock file is part of every open pack's layout)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} - {pack_store.LOCK_FILE}


def assert_no_orphans(folder: Path) -> None:
    info = pack_store.read_pack_info(folder)
    expected = {"pack.json"} | {
        f"stickers/{r.id}/{name}" for r in info.stickers for name in r.frame_files
    }
    assert disk_files(folder) == expected
    root = folder / "stickers"
    present = {p.name for p in root.iterdir()} if root.is_dir() else set()
    assert present == {r.id for r in info.stickers}


@pytest.fixture
def pack(tmp_path: Path) -> StickerPack:
    p = StickerPack.create(tmp_path / "pack", "Cats", author="Ana")
    p.add(make_sticker(1), name="wave", emojis=["\U0001F44B"])
    p.add(make_sticker(2), name="sleep", emojis=["\U0001F634", "\U0001F4A4"])
    p.add(make_sticker(3), name="love", emojis=["\u2764\ufe0f", "\U0001F63B", "\U0001F970"])
    p.save()
    return p


# --------------------------------------------------------------------------- round trips
def test_create_open_empty_pack(tmp_path: Path) -> None:
    p = StickerPack.create(tmp_path / "new" / "pack", "  Dogs  ")
    assert (tmp_path / "new" / "pack" / "pack.json").is_file()
    q = StickerPack.open(tmp_path / "new" / "pack")
    assert q.title == "Dogs" and len(q) == 0 and q.tray_entry is None and not q.is_dirty
    assert state(q) == state(p)


def test_create_refuses_existing_pack_or_busy_folder(tmp_path: Path, pack: StickerPack) -> None:
    with pytest.raises(PackError, match="already holds a sticker pack"):
        StickerPack.create(pack.folder, "Again")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(PackError, match="not an empty folder"):
        StickerPack.create(tmp_path / "busy", "Again")
    with pytest.raises(InvalidInputError, match="title"):
        StickerPack.create(tmp_path / "untitled", "   ")
    assert StickerPack.open_or_create(pack.folder, "ignored").title == "Cats"
    assert StickerPack.open_or_create(tmp_path / "fresh", "Fresh").title == "Fresh"


def test_save_open_round_trip_is_exact(pack: StickerPack) -> None:
    pack.tray_icon_id = pack.ids[1]
    pack.save()
    q = StickerPack.open(pack.folder)
    assert state(q) == state(pack)
    assert q.entries[0].sticker.frames[0][0, 0].tolist() == [12, 34, 56, 0]
    assert q.tray_entry is not None and q.tray_entry.name == "sleep"
    doc = json.loads((pack.folder / "pack.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["stickers"][1]["emojis"] == ["\U0001F634", "\U0001F4A4"]
    assert_no_orphans(pack.folder)


def test_add_remove_reorder_update_rename(pack: StickerPack) -> None:
    a, b, c = pack.ids
    pack.remove(b)
    d = pack.add(make_sticker(4, n=2, size=6), index=0).id
    pack.reorder([c, d, a])
    pack.move(a, 0)
    pack.update(c, make_sticker(5, n=4))
    pack.rename(d, "jump")
    pack.set_emojis(d, ["\U0001F438"])
    pack.title = "Cats and frogs"
    assert pack.ids == [a, c, d] and pack.is_dirty
    pack.save()
    q = StickerPack.open(pack.folder)
    assert state(q) == state(pack)
    assert q.get(d).name == "jump" and q.get(c).sticker.frame_count == 4
    assert not (pack.folder / "stickers" / b).exists()  # removed sticker's files are gone
    assert_no_orphans(pack.folder)
    with pytest.raises(PackError, match="no sticker with id"):
        pack.remove(b)
    with pytest.raises(InvalidInputError, match="exactly once"):
        pack.reorder([a, a, c])


def test_added_sticker_is_a_copy_and_in_place_edits_need_mark_dirty(pack: StickerPack) -> None:
    s = make_sticker(9)
    entry = pack.add(s)
    s.durations_ms[0] = 999
    assert entry.sticker.durations_ms[0] != 999
    pack.save()
    history = EditHistory(entry.sticker)
    history.push(DeleteFrames([0]))
    history.push(SetDurations(None, 77))
    pack.mark_dirty(entry.id)
    report = pack.save()
    assert report.saved and report.frames_written == 0  # remaining frames already on disk
    q = StickerPack.open(pack.folder)
    assert q.get(entry.id).sticker.durations_ms == [77, 77]


def test_emoji_and_argument_validation(pack: StickerPack) -> None:
    sid = pack.ids[0]
    for bad, match in [([], "1 to 3"), (["\U0001F600"] * 4, "1 to 3"), (["abc"], "not an emoji"),
                       (["\U0001F600 \U0001F600"], "own item"), ([""], "not an emoji")]:
        with pytest.raises(InvalidInputError, match=match):
            pack.set_emojis(sid, bad)
    with pytest.raises(InvalidInputError):
        pack.add("not a sticker")  # type: ignore[arg-type]
    with pytest.raises(PackError, match="no sticker"):
        pack.tray_icon_id = "nope"
    assert pack.add(make_sticker(7)).emojis == ["\U0001F642"]  # default emoji
    assert pack.set_emojis(sid, "\U0001F600").emojis == ["\U0001F600"]  # one emoji as a string


def test_default_packs_dir_is_under_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STICKER_STUDIO_DATA", str(tmp_path / "data"))
    assert default_packs_dir() == tmp_path / "data" / "packs"


# --------------------------------------------------------------------------- incremental saves
def test_unchanged_stickers_are_not_rewritten(pack: StickerPack, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[Path] = []
    real = pack_store.write_frame
    monkeypatch.setattr("sticker_studio.core.pack.pack.write_frame", lambda p, f: (written.append(p), real(p, f)))
    assert pack.save().saved is False  # nothing dirty: nothing touched
    a, b, c = pack.ids
    pack.rename(a, "hello")
    pack.reorder([c, b, a])
    report = pack.save()
    assert report.saved and report.frames_written == 0 and written == []  # metadata only
    s = pack.get(b).sticker.copy()
    s.frames[1] = np.zeros_like(s.frames[1])
    s.durations_ms.reverse()
    report = pack.update(b, s) and pack.save()
    assert report.stickers_written == 1 and report.frames_written == 1  # only the new frame
    assert [p.parent.name for p in written] == [b]
    assert report.files_removed == 1  # the replaced frame's old file
    dup = make_sticker(8)
    dup.frames[2] = dup.frames[0].copy()
    pack.add(dup)
    assert pack.save().frames_written == 2  # identical frames are stored once
    assert state(StickerPack.open(pack.folder)) == state(pack)


# --------------------------------------------------------------------------- recovery
def test_open_removes_leftovers_of_an_interrupted_save(pack: StickerPack) -> None:
    folder = pack.folder
    sid = pack.ids[0]
    junk = [
        folder / ".pack.abc123.tmp.json",
        folder / "stickers" / sid / ".frame_0123456789abcdef.x1.tmp.png",
        folder / "stickers" / sid / "frame_0123456789abcdef.png",
        folder / "stickers" / "s0000dead" / "frame_fedcba9876543210.png",
    ]
    for p in junk:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"half-written")
    (folder / "README.txt").write_text("the user's own file")
    q = StickerPack.open(folder)
    assert q.last_recovery.count == 4
    assert state(q) == state(pack)
    assert (folder / "README.txt").exists()  # only our own leftovers are touched
    (folder / "README.txt").unlink()
    assert_no_orphans(folder)


def test_missing_frame_names_the_sticker_and_skip_broken_keeps_it(pack: StickerPack) -> None:
    sid = pack.ids[1]
    victim = sorted((pack.folder / "stickers" / sid).iterdir())[0]
    victim.unlink()
    with pytest.raises(PackError, match=r"sticker 'sleep' \(s[0-9a-f]+\) is incomplete"):
        StickerPack.open(pack.folder)
    q = StickerPack.open(pack.folder, skip_broken=True)
    assert len(q) == 2 and "sleep" in q.problems[0]
    q.rename(q.ids[0], "renamed")
    q.save()  # the broken sticker stays in pack.json, its other files stay on disk
    assert len(pack_store.read_pack_info(pack.folder).stickers) == 3
    assert (pack.folder / "stickers" / sid).is_dir()
    q.discard_broken()
    q.save()
    assert not (pack.folder / "stickers" / sid).exists()
    assert len(StickerPack.open(pack.folder)) == 2


def test_damaged_frame_and_damaged_pack_json(pack: StickerPack) -> None:
    frame_file = sorted((pack.folder / "stickers" / pack.ids[2]).iterdir())[0]
    data = bytearray(frame_file.read_bytes())
    frame_file.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(PackError, match="'love'.*damaged"):
        StickerPack.open(pack.folder)
    pack_json = pack.folder / "pack.json"
    good = pack_json.read_text(encoding="utf-8")
    pack_json.write_text(good[:40], encoding="utf-8")
    with pytest.raises(PackError, match="damaged"):
        StickerPack.open(pack.folder)
    doc = json.loads(good)
    doc["schema_version"] = 99
    pack_json.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PackError, match="newer Sticker Studio"):
        StickerPack.open(pack.folder)
    doc = json.loads(good)
    doc["stickers"][0]["id"] = "../../escape"
    pack_json.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(PackError, match="unsafe"):
        StickerPack.open(pack.folder)
    with pytest.raises(PackError, match="no pack.json"):
        StickerPack.open(pack.folder / "stickers")
    with pytest.raises(PackError, match="no sticker pack folder"):
        StickerPack.open(pack.folder / "missing")


def test_failed_save_keeps_old_pack_and_retries(pack: StickerPack, monkeypatch: pytest.MonkeyPatch) -> None:
    before = state(StickerPack.open(pack.folder))
    pack.update(pack.ids[0], make_sticker(11))

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("sticker_studio.core.pack.pack.write_pack_info", disk_full)
    with pytest.raises(PackError, match="No space left"):
        pack.save()
    assert pack.is_dirty and state(StickerPack.open(pack.folder)) == before
    monkeypatch.undo()
    assert pack.save().saved
    assert state(StickerPack.open(pack.folder)) == state(pack)


# --------------------------------------------------------------------------- crash safety
def _edit_in_flight(p: StickerPack) -> None:
    """The edit being saved when the process dies: touches every kind of file operation."""
    a, b, c = p.ids
    p.update(a, make_sticker(21, n=4))  # new frames + old frames to delete
    p.remove(b)  # a folder to delete
    p.add(make_sticker(22, n=2), name="new", emojis=["\U0001F195"])  # a new folder
    p.title = "Cats v2"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to SIGKILL a saving child process")
def test_sigkill_at_every_step_of_a_save_loses_only_the_edit_in_flight(pack: StickerPack, tmp_path: Path) -> None:
    """A child process saves and is SIGKILLed at its k-th file operation, for every k.

    Reopening must give exactly the old pack (killed before the pack.json rename) or
    exactly the new one (after it), with every leftover cleaned up.
    """
    pristine = tmp_path / "pristine"
    shutil.copytree(pack.folder, pristine)
    old_state = state(StickerPack.open(pristine))
    # The new state, from a save that completes (ids are random, so compare without them).
    done = tmp_path / "done"
    shutil.copytree(pristine, done)
    p = StickerPack.open(done)
    _edit_in_flight(p)
    p.save()
    new_state = state(StickerPack.open(done))

    def without_ids(s: dict) -> dict:
        return {**s, "stickers": [x[1:] for x in s["stickers"]]}

    outcomes = []
    for k in range(200):
        work = tmp_path / f"kill{k}"
        shutil.copytree(pristine, work)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child: count file operations, die at the k-th
            code = 0
            try:
                child_pack = StickerPack.open(work)
                _edit_in_flight(child_pack)
                _install_kill_switch(k)
                child_pack.save()
            except BaseException:
                code = 3
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        assert killed or os.WEXITSTATUS(status) == 0, "the saving child failed"
        reopened = StickerPack.open(work)
        now = state(reopened)
        if now == old_state:
            outcomes.append("old")
        else:
            assert without_ids(now) == without_ids(new_state)
            outcomes.append("new")
        assert_no_orphans(work)
        shutil.rmtree(work)
        if not killed:
            break
    else:
        pytest.fail("the save never finished")
    # old until pack.json is replaced, new from then on; at least one kill on each side.
    assert "old" in outcomes and outcomes[-1] == "new"
    first_new = outcomes.index("new")
    assert all(o == "old" for o in outcomes[:first_new]) and all(o == "new" for o in outcomes[first_new:])
    assert len(outcomes) - first_new >= 3  # kills during the cleanup after the commit were tried too
    print(f"{len(outcomes) - 1} kill points: {outcomes}")


def _install_kill_switch(k: int) -> None:
    """In the child: SIGKILL at the k-th rename/unlink/rmdir; a rename's temp file is cut in half first."""
    counter = {"n": 0}
    real_replace, real_unlink, real_rmdir = os.replace, os.unlink, os.rmdir

    def tick(partial: str | None = None) -> None:
        if counter["n"] == k:
            if partial is not None and os.path.exists(partial):  # die mid-write as well
                size = os.path.getsize(partial)
                with open(partial, "r+b") as fh:
                    fh.truncate(size // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        counter["n"] += 1

    def replace(src, dst, *a, **kw):  # type: ignore[no-untyped-def]
        tick(os.fspath(src))
        return real_replace(src, dst, *a, **kw)

    def unlink(path, *a, **kw):  # type: ignore[no-untyped-def]
        tick()
        return real_unlink(path, *a, **kw)

    def rmdir(path, *a, **kw):  # type: ignore[no-untyped-def]
        tick()
        return real_rmdir(path, *a, **kw)

    os.replace, os.unlink, os.rmdir = replace, unlink, rmdir


# --------------------------------------------------------------------------- property test
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.tuples(st.sampled_from(["add", "remove", "move", "update", "retime", "rename", "save"]),
                              st.integers(0, 10_000)), min_size=1, max_size=10))
def test_random_pack_edits_always_reopen_as_saved(tmp_path_factory: pytest.TempPathFactory, ops: list) -> None:
    folder = tmp_path_factory.mktemp("prop") / "pack"
    p = StickerPack.create(folder, "Random")
    saved = state(p)
    for op, r in ops:
        ids = p.ids
        if op == "add" or not ids:
            p.add(make_sticker(r, n=1 + r % 3, size=4), name=f"s{r}", index=r % (len(ids) + 1))
        elif op == "remove":
            p.remove(ids[r % len(ids)])
        elif op == "move":
            p.move(ids[r % len(ids)], r // 7 % len(ids))
        elif op == "update":
            p.update(ids[r % len(ids)], make_sticker(r + 1, n=1 + r % 4, size=4))
        elif op == "retime":
            entry = p.get(ids[r % len(ids)])
            SetDurations(None, 1 + r % 500).apply(entry.sticker)
            p.mark_dirty(entry.id)
        elif op == "rename":
            p.rename(ids[r % len(ids)], f"n{r}")
        else:
            p.save()
            saved = state(p)
        assert state(StickerPack.open(folder)) == saved  # the disk always holds the last save
    p.save()
    assert state(StickerPack.open(folder)) == state(p)
    assert_no_orphans(folder)
