"""The browser runtime of the static site, gathered once from the package registries into a cache folder.

- Pyodide (the Python that runs in the browser) from the npm registry: ``npm pack pyodide@VERSION``, the version the
  installed ``jupyterlite-pyodide-kernel`` was made for. The npm package holds the core only, not the wheels its
  ``pyodide-lock.json`` lists.
- The pure-Python wheels the kernel and the reader import (IPython, jedi, traitlets, comm, ipywidgets ...) from PyPI
  with ``pip download --only-binary :all: --no-deps``, at the versions of Pyodide's lock (and, for the widgets, the
  versions installed here, whose browser half is copied into the site).

Nothing here runs when a site is built or opened: ``scripts/ensure-site.sh`` (sourced by ``./run-tests``) runs
``python -m reader.site.runtime`` after installing the ``site`` extra, and ``reader site`` refuses, in one line, to
build without it. The cache is ``~/.cache/soviet-reader/site`` (``READER_SITE_CACHE`` overrides it).
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from reader.site import SiteError

CACHE_VARIABLE = "READER_SITE_CACHE"
PYODIDE_CORE_FILES = ("pyodide.asm.mjs", "pyodide.asm.wasm", "pyodide.mjs", "pyodide.js", "python_stdlib.zip")
PYODIDE_LICENCE_FILES = ("package.json", "README.md")
LOCK_FILE = "pyodide-lock.json"
MANIFEST = "runtime.json"
# What the Pyodide kernel loads from the lock as it starts (its worker and piplite), and what the reader imports.
KERNEL_PACKAGES = ("micropip", "packaging", "ipython", "jedi", "traitlets", "typing-extensions")
# Not in Pyodide's lock: taken from PyPI at the versions installed here (the site gets their browser half from here).
WIDGET_PACKAGES = {
    "comm": (("comm",), ("traitlets",)),
    "jupyterlab-widgets": (("jupyterlab_widgets",), ()),
    "ipywidgets": (("ipywidgets",), ("comm", "ipython", "traitlets", "jupyterlab-widgets")),
    # the reader's front-end helper (reader.widgets.bridge): its browser half is anywidget's lab extension
    "psygnal": (("psygnal",), ()),
    "anywidget": (("anywidget",), ("ipywidgets", "psygnal", "typing-extensions")),
}
INSTALL_HINT = "run scripts/ensure-site.sh (or: python -m reader.site.runtime) once, with the network to the registries"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as opened:
        while chunk := opened.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def pyodide_version() -> str:
    """The Pyodide version the installed JupyterLite kernel was made for (its own constant)."""
    try:
        from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION  # type: ignore[import-untyped]
    except ImportError as error:
        raise SiteError(
            "jupyterlite-pyodide-kernel is not installed; install the site extra: pip install 'soviet-reader[site]'"
        ) from error
    return str(PYODIDE_VERSION)


def cache_folder() -> Path:
    override = os.environ.get(CACHE_VARIABLE)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "soviet-reader" / "site"


def runtime_folder(version: str | None = None) -> Path:
    return cache_folder() / f"pyodide-{version or pyodide_version()}"


@dataclass(frozen=True)
class Runtime:
    """A prepared runtime: the Pyodide core files, the wheels, and the lock entries describing those wheels."""

    folder: Path
    pyodide_version: str
    python_version: str
    lock_info: dict
    packages: dict  # lock key -> lock entry (file_name, sha256 of the file in wheels/, depends, imports ...)

    @property
    def core(self) -> Path:
        return self.folder / "core"

    @property
    def wheels(self) -> Path:
        return self.folder / "wheels"


def prepared() -> Runtime:
    """The runtime in the cache, or :class:`SiteError` saying how to get it."""
    version = pyodide_version()
    folder = runtime_folder(version)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SiteError(f"the browser runtime (Pyodide {version}) is not in {folder}: {INSTALL_HINT}") from error
    runtime = Runtime(folder, version, manifest["python_version"], manifest["lock_info"], manifest["packages"])
    missing = [name for name in PYODIDE_CORE_FILES if not (runtime.core / name).is_file()]
    missing += [
        entry["file_name"] for entry in runtime.packages.values() if not (runtime.wheels / entry["file_name"]).is_file()
    ]
    missing += [name for name in WIDGET_PACKAGES if name not in runtime.packages]  # a cache made before they were
    if missing:
        raise SiteError(f"the browser runtime in {folder} lacks {', '.join(missing)}: {INSTALL_HINT}")
    return runtime


def prepare(log=print) -> Runtime:
    """Fetch what is missing from the cache (idempotent: a complete cache is left as it is)."""
    version = pyodide_version()
    folder = runtime_folder(version)
    try:
        return prepared()
    except SiteError:
        pass
    (folder / "core").mkdir(parents=True, exist_ok=True)
    (folder / "wheels").mkdir(parents=True, exist_ok=True)
    if not all((folder / "core" / name).is_file() for name in (*PYODIDE_CORE_FILES, LOCK_FILE)):
        log(f"npm pack pyodide@{version} ...")
        _unpack_pyodide(version, folder / "core")
    lock = json.loads((folder / "core" / LOCK_FILE).read_text(encoding="utf-8"))
    python_version = ".".join(lock["info"]["python"].split(".")[:2])
    packages = {}
    by_canonical = {canonical(key): key for key in lock["packages"]}
    for key in _closure(lock["packages"], by_canonical):
        entry = dict(lock["packages"][key])
        packages[key] = _fetched(entry, entry["name"], entry["version"], python_version, folder / "wheels", log)
    for key, (imports, depends) in WIDGET_PACKAGES.items():
        version_here = metadata.version(key)
        entry = {
            "name": key,
            "version": version_here,
            "install_dir": "site",
            "package_type": "package",
            "imports": list(imports),
            "depends": list(depends),
            "unvendored_tests": False,
        }
        packages[key] = _fetched(entry, key, version_here, python_version, folder / "wheels", log)
    manifest = {"python_version": python_version, "lock_info": lock["info"], "packages": packages}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return prepared()


def _closure(lock_packages: dict, by_canonical: dict) -> list[str]:
    """The lock keys of KERNEL_PACKAGES and everything they depend on."""
    wanted, seen = [by_canonical[canonical(name)] for name in KERNEL_PACKAGES], []
    while wanted:
        key = wanted.pop()
        if key in seen:
            continue
        seen.append(key)
        wanted += [by_canonical[canonical(name)] for name in lock_packages[key].get("depends", [])]
    return sorted(seen)


def _fetched(entry: dict, name: str, version: str, python_version: str, wheels: Path, log) -> dict:
    """``entry`` with the file downloaded from PyPI into ``wheels`` (if not there yet) and its sha256."""
    found = [
        path
        for path in wheels.glob("*.whl")
        if canonical(path.name.split("-")[0]) == canonical(name) and path.name.split("-")[1] == version
    ]
    if not found:
        log(f"pip download {name}=={version}")
        with tempfile.TemporaryDirectory() as download:
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
            command += ["--no-deps", "--only-binary=:all:", "--platform", "any", "--python-version", python_version]
            command += ["--dest", download, f"{name}=={version}"]
            result = subprocess.run(command, capture_output=True, text=True)
            downloaded = list(Path(download).glob("*.whl"))
            if result.returncode or len(downloaded) != 1:
                reason = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
                raise SiteError(f"cannot download {name}=={version} (a pure-Python wheel) from PyPI: {reason}")
            shutil.move(str(downloaded[0]), wheels / downloaded[0].name)
            found = [wheels / downloaded[0].name]
    wheel = found[0]
    return {**entry, "file_name": wheel.name, "sha256": sha256_of(wheel), "unvendored_tests": False}


def _unpack_pyodide(version: str, core: Path) -> None:
    if shutil.which("npm") is None:
        raise SiteError("npm is needed once to fetch Pyodide from the npm registry (Debian: apt-get install npm)")
    with tempfile.TemporaryDirectory() as download:
        result = subprocess.run(
            ["npm", "pack", "--silent", f"pyodide@{version}", "--pack-destination", download],
            capture_output=True,
            text=True,
        )
        tarballs = list(Path(download).glob("*.tgz"))
        if result.returncode or len(tarballs) != 1:
            reason = (result.stderr.strip().splitlines() or ["no package"])[-1]
            raise SiteError(f"npm pack pyodide@{version} failed: {reason}")
        wanted = {f"package/{name}" for name in (*PYODIDE_CORE_FILES, *PYODIDE_LICENCE_FILES, LOCK_FILE)}
        with tarfile.open(tarballs[0]) as tarball:
            for member in tarball.getmembers():
                if member.name in wanted and member.isfile():
                    source = tarball.extractfile(member)
                    if source is not None:
                        (core / Path(member.name).name).write_bytes(source.read())


def main() -> int:
    try:
        runtime = prepare(log=lambda line: print(line, flush=True))
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    wheels = len(runtime.packages)
    print(f"browser runtime ready: Pyodide {runtime.pyodide_version}, {wheels} wheels in {runtime.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
