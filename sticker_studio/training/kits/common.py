"""What every offline GPU kit shares: the carried wheels, the packaged source, the setup script."""

from __future__ import annotations

import zipfile
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError

KIT_WHEELS = ("diffusers", "importlib_metadata")

#: what every kit's script does first (``KIT`` set): install the carried wheels and the source
#: into ``$SITE`` and put them on the path (also the matting kit's, :mod:`.matting_kit`)
KIT_SETUP_SH = """SITE="${KIT_SITE:-/tmp/sticker-kit-site}"; PY="${PYTHON:-python3}"
mkdir -p "$SITE"
"$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "$KIT"/wheels/*.whl
"$PY" -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" "$KIT/sticker_studio.zip" "$SITE"
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1
"""


def _package_zip(out: Path) -> int:
    import sticker_studio

    root = Path(sticker_studio.__file__).resolve().parent
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                z.write(path, Path("sticker_studio") / path.relative_to(root))
    return out.stat().st_size


def find_wheels(wheels_dir: Path) -> list[Path]:
    """The kit's wheels in ``wheels_dir`` (one per name); a missing one is a clear error."""
    found = []
    for name in KIT_WHEELS:
        hits = sorted(Path(wheels_dir).glob(f"{name}-*.whl"))
        if not hits:
            raise InvalidInputError(
                f"no {name} wheel in {wheels_dir}; fetch it with: python -m pip download --no-deps "
                f"--only-binary=:all: -d {wheels_dir} {name}" + ("==" + _installed(name) if _installed(name) else ""))
        found.append(hits[-1])
    return found


def _installed(name: str) -> str:
    import importlib.metadata as md

    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return ""
