"""The wheel (and the sdist) carry everything the app needs; an installed wheel works on its own.

* fast: build the wheel and the sdist from a copy of the checkout (no build isolation, so no
  network): no build-backend warning, every bundled file inside, sdist -> wheel the same.
* slow (``-m slow``; ``.ci/run`` runs it too): build the wheel the way a user does, install it
  into a fresh venv (no system site-packages; torch==2.13.0 from the local wheel cache), then
  from an empty folder run ``models verify``, ``animate``, ``matte``, ``generate`` and
  ``demo --out`` with only the installed package, and validate what they wrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BACKEND_WARNINGS = ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "SetuptoolsWarning",
                    "_DeprecatedConfig", "is deprecated")
DATA_PREFIX = "sticker_studio/_data/"
#: the sample's first 8 frames flattened on white: an animation for `matte` to cut out
ON_WHITE = """
from PIL import Image, ImageSequence
im = Image.open(SAMPLE)
frames = [Image.alpha_composite(Image.new("RGBA", f.size, "white"), f.convert("RGBA")).convert("RGB")
          for f in ImageSequence.Iterator(im)][:8]
frames[0].save("on_white.gif", save_all=True, append_images=frames[1:], duration=80, loop=0)
"""


def bundled_files() -> list[str]:
    """What the build must put inside the package: resources/** and models_manifest.json."""
    files = [p.relative_to(REPO).as_posix() for p in (REPO / "resources").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    return sorted([*files, "models_manifest.json"])


def source_copy(dest: Path) -> Path:
    """The checkout's files (tracked + untracked, not ignored) copied to ``dest`` (no stale build/)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                                capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("needs a git checkout to know which files are the source")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def build(args: Sequence[str], cwd: Path) -> str:
    proc = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without anything that points at the checkout or this venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "STICKER_STUDIO_RESOURCES", "STICKER_STUDIO_MANIFEST",
                        "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    env.update(extra)
    return env


def build_wheel(source: Path, out: Path, *, isolation: bool) -> tuple[Path, str]:
    args = ["-m", "pip", "wheel", "-v", "--no-deps", "-w", str(out), str(source)]
    if not isolation:
        args.insert(3, "--no-build-isolation")
    log = build(args, cwd=source)
    wheels = sorted(out.glob("sticker_studio-*.whl"))
    assert len(wheels) == 1, log[-2000:]
    return wheels[0], log


def assert_carries_everything(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = z.read(metadata).decode()
    missing = [f for f in bundled_files() if DATA_PREFIX + f not in names]
    assert not missing, f"not in the wheel: {missing[:10]}"
    assert "sticker_studio/cli/__init__.py" in names and "sticker_studio/py.typed" in names
    assert "License-Expression: Apache-2.0" in meta
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_wheel_carries_the_data_and_builds_without_warnings(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")
    source = source_copy(tmp_path / "src")
    wheel, log = build_wheel(source, tmp_path / "dist", isolation=False)
    found = [w for w in BACKEND_WARNINGS if w in log]
    assert not found, f"build backend warned: {found}"
    assert_carries_everything(wheel)
    assert not (source / "sticker_studio" / "_data").exists(), "the build must not write into the source tree"


def test_sdist_has_the_same_and_builds_the_same_wheel(tmp_path: Path) -> None:
    source = source_copy(tmp_path / "src")
    code = "import sys; from setuptools import build_meta as b; print(b.build_sdist(sys.argv[1]))"
    build(["-c", code, str(tmp_path / "sdist")], cwd=source)
    (sdist,) = (tmp_path / "sdist").glob("sticker_studio-*.tar.gz")
    with tarfile.open(sdist) as tar:
        top = tar.getnames()[0].split("/")[0]
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path / "unpacked", filter="data")
    missing = [f for f in [*bundled_files(), "setup.py", "LICENSE", "pyproject.toml"] if f not in names]
    assert not missing, f"not in the sdist: {missing[:10]}"
    wheel, _ = build_wheel(tmp_path / "unpacked" / top, tmp_path / "dist", isolation=False)
    assert_carries_everything(wheel)


# ------------------------------------------------------------------------------------------ slow


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    work: Path  # an empty folder the commands run in

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(self.venv / "bin" / "sticker-studio"), *args], cwd=self.work,
                              capture_output=True, text=True, env=clean_env(), timeout=900)
        if check:
            assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return proc

    def python(self, code: str) -> str:
        proc = subprocess.run([str(self.venv / "bin" / "python"), "-c", code], cwd=self.work,
                              capture_output=True, text=True, env=clean_env(), check=True)
        return proc.stdout.strip()

    def validate(self, target: str, file: Path) -> None:
        assert file.is_file() and file.stat().st_size > 0, file
        proc = self.run("validate", "--target", target, str(file), check=False)
        assert proc.returncode == 0, f"{file} is not a valid {target} sticker: {proc.stdout}{proc.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel-install")
    source = source_copy(root / "src")
    wheel, _ = build_wheel(source, root / "dist", isolation=True)  # what `pip wheel .` does for a user
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean_env())
    # torch first and pinned (the CPU build in the local wheel cache; see scripts/setup)
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "torch==2.13.0", str(wheel)],
                          capture_output=True, text=True, env=clean_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = root / "empty"
    work.mkdir()
    return Installed(venv, wheel, work)


@pytest.mark.slow
def test_installed_wheel_uses_its_own_copy(installed: Installed) -> None:
    code = ("import sticker_studio, sys; from sticker_studio import paths; "
            "print(sticker_studio.__file__); print(paths.resources_dir()); print(paths.manifest_path()); "
            "print(sys.flags.no_site, sys.prefix)")
    where, resources, manifest, _ = installed.python(code).splitlines()
    site = str(installed.venv)
    assert where.startswith(site) and resources.startswith(site) and manifest.startswith(site)
    assert not where.startswith(str(REPO))
    mb = installed.wheel.stat().st_size / 1e6
    print(f"wheel {installed.wheel.name}: {mb:.1f} MB")


@pytest.mark.slow
def test_installed_wheel_runs_every_command_from_an_empty_folder(installed: Installed) -> None:
    work = installed.work
    verify = installed.run("models", "verify")
    assert "dfgn-sticker-64" in verify.stdout + verify.stderr

    sample = installed.python("from sticker_studio.paths import resources_dir; "
                              "print(resources_dir() / 'samples' / 'bounce.png')")
    installed.run("animate", sample, "--motion", "wobble", "-o", "wobble.webp")
    installed.validate("whatsapp", work / "wobble.webp")

    # an animation on a flat background to matte: the sample's frames on white
    installed.python(ON_WHITE.replace("SAMPLE", repr(sample)))
    installed.run("matte", "on_white.gif", "-o", "matted.png")
    installed.validate("signal", work / "matted.png")
    alpha_min = installed.python("from PIL import Image; im = Image.open('matted.png'); "
                                 "print(im.getchannel('A').getextrema()[0])")
    assert int(alpha_min) == 0, "matte must make the white background transparent"

    installed.run("generate", "a red heart beating", "-o", "heart.webm")
    installed.validate("telegram", work / "heart.webm")

    demo = installed.run("demo", "--out", "demo-out")
    out = work / "demo-out"
    assert "targets ok" in demo.stdout and str(out.resolve()) in demo.stdout
    assert "demo:" in demo.stderr  # the progress bar
    assert (out / "pack" / "pack.json").is_file()
    for target_dir in sorted((out / "export").iterdir()):
        # stickers are NN.ext or NN_name.ext (cover/tray files have other names)
        files = sorted(p for p in target_dir.iterdir() if p.suffix in (".webm", ".webp", ".png", ".gif")
                       and p.name[:2].isdigit())
        assert files, f"no stickers in {target_dir}"
        installed.validate(target_dir.name, files[0])
    assert sorted(p.name for p in work.iterdir()) == sorted(
        ["wobble.webp", "on_white.gif", "matted.png", "heart.webm", "demo-out"]), "nothing else written here"
