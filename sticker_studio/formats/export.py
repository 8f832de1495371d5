"""Fit -> write atomically -> validate the written file: one call for the CLI and the GUI."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from sticker_studio.core.atomic import atomic_path
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.fit import FitResult, fit_sticker
from sticker_studio.formats.targets import ExportTarget, get_target
from sticker_studio.formats.validate import ExportValidationError, RuleViolation, validate_file

_EXTENSIONS = {"webm": {".webm"}, "webp": {".webp"}, "apng": {".png", ".apng"}, "gif": {".gif"}, "tgs": {".tgs"}}


@dataclass
class ExportReport:
    """What landed on disk and how it was reached."""

    path: Path | None
    byte_size: int
    violations: list[RuleViolation]
    quality: str
    seconds: float
    target: str = ""
    width: int = 0
    height: int = 0
    frame_count: int = 0
    duration_ms: int = 0
    notes: list[str] = field(default_factory=list)
    fit: FitResult | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.violations


def check_extension(target: ExportTarget, out_path: Path) -> None:
    if out_path.suffix.lower() not in _EXTENSIONS[target.container]:
        raise InvalidInputError(
            f"{target.name} exports {target.container.upper()}: name the output '*{target.extension}',"
            f" not '{out_path.name}'"
        )


def export_sticker(sticker: Sticker, target: ExportTarget | str, out_path: str | os.PathLike[str], *,
                   strict: bool = True) -> ExportReport:
    """Fit ``sticker`` to ``target``, write ``out_path`` atomically and validate the file.

    The file is validated *before* the rename: with ``strict`` (the default) a file
    that breaks a rule never lands and :class:`ExportValidationError` lists the rules;
    with ``strict=False`` it lands and the report lists the violations.
    Raises :class:`BudgetError` when no rung of the quality ladder fits the budget.
    """
    start = time.perf_counter()
    target = get_target(target) if isinstance(target, str) else target
    out_path = Path(out_path)
    check_extension(target, out_path)
    if target.container == "tgs":
        return _export_tgs(sticker, target, out_path, start)
    result = fit_sticker(sticker, target)
    with atomic_path(out_path) as tmp:
        tmp.write_bytes(result.data)
        violations = validate_file(tmp, target)
        if violations and strict:
            raise ExportValidationError(target, violations)
    return ExportReport(
        path=out_path, byte_size=result.byte_size, violations=violations, quality=result.quality,
        seconds=time.perf_counter() - start, target=target.name, width=result.sticker.width,
        height=result.sticker.height, frame_count=result.sticker.frame_count,
        duration_ms=result.sticker.total_duration_ms, notes=list(result.notes), fit=result,
    )


def _export_tgs(sticker: Sticker, target: ExportTarget, out_path: Path, start: float) -> ExportReport:
    """Trace the sticker into a .tgs (formats/tgs); a file that breaks a rule is never written."""
    from sticker_studio.formats.tgs.export import sticker_to_tgs, write_tgs

    result = sticker_to_tgs(sticker, max_bytes=target.max_bytes)
    write_tgs(result, out_path, target)
    quality = f"{result.paths} paths, {result.keyframes} keyframes, trace rung {result.rung + 1}"
    return ExportReport(
        path=out_path, byte_size=result.byte_size, violations=[], quality=quality,
        seconds=time.perf_counter() - start, target=target.name, width=512, height=512, frame_count=result.frames,
        duration_ms=result.duration_ms, notes=list(result.notes),
    )
