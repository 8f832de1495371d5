"""Build hook: put ``resources/`` and ``models_manifest.json`` inside the package.

The repository keeps them at the top level (that is where the checkout and an editable
install read them). A wheel (and a wheel built from the sdist) gets a copy of both under
``sticker_studio/_data/``, which :mod:`sticker_studio.paths` finds through
``importlib.resources``. Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (source in the repository, destination inside the package)
DATA = (("resources", "resources"), ("models_manifest.json", "models_manifest.json"))
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store", "*.tmp")


class build_py_with_data(build_py):
    """``build_py`` that also copies the top-level data into ``sticker_studio/_data``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's own folders
        target = Path(self.build_lib) / "sticker_studio" / "_data"
        for source, destination in DATA:
            src, dst = ROOT / source, target / destination
            if not src.exists():
                raise SystemExit(f"setup.py: {src} is missing; the wheel would have no models or art")
            if src.is_dir():
                shutil.copytree(src, dst, ignore=IGNORE, dirs_exist_ok=True)
            else:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


setup(cmdclass={"build_py": build_py_with_data})
