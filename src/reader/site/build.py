"""``reader site``: an edition as a static JupyterLite site that runs in the student's browser and fetches nothing else.

The site holds, besides JupyterLite's own files:

- ``static/pyodide/``: the Pyodide core (npm), the wheels the kernel imports (PyPI), a wheel of the reader carrying
  the edition (validated here, stored as plain Python objects: the browser needs neither pandas nor PyYAML), and a
  ``pyodide-lock.json`` listing exactly those wheels with their sha256. The kernel is told where Pyodide is
  (``pyodideUrl``, the site's own copy, not the CDN JupyterLite defaults to) and never to fall back to PyPI;
- ``files/``: the edition's notebooks (JupyterLab, ``lab/``);
- ``index.html``: the reader app alone, code hidden, as ``reader app`` shows it (JupyterLite's REPL).

After the build every text file is searched for addresses of public CDNs and package indexes: a site that names one
outside a licence text is not written.
"""

import base64
import copy
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from reader import render
from reader._version import __version__
from reader.loader import load
from reader.model import Edition
from reader.notebooks import build_notebooks
from reader.site import SiteError
from reader.site.browser import tables_unavailable
from reader.site.runtime import LOCK_FILE, PYODIDE_CORE_FILES, PYODIDE_LICENCE_FILES, Runtime, canonical, prepared

SITE_MARKER = ".reader-site"
READER_DISTRIBUTION = "soviet_reader"
READER_LOCK_KEY = "soviet-reader"
KERNEL_SETTINGS = "@jupyterlite/pyodide-kernel-extension:kernel"
APP_CODE = "import reader\nreader.open(class_mode=True)"
# Hosts a site must never name outside licence texts: public CDNs and package indexes.
FORBIDDEN_HOSTS = (
    "cdn.jsdelivr.net",
    "unpkg.com",
    "cdnjs.cloudflare.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "pypi.org",
    "files.pythonhosted.org",
    "esm.sh",
    "cdn.skypack.dev",
)
FORBIDDEN = re.compile(r"https?://(?:[a-z0-9-]+\.)*(?:" + "|".join(map(re.escape, FORBIDDEN_HOSTS)) + r")", re.I)
# Third-party files whose fallback addresses name a CDN or PyPI (used only if the settings above were missing): in the
# site's copies they point at a path of the site's own server that does not exist, so a fallback taken by mistake
# fails on that server, visibly (the browser tests look for it), instead of fetching from the network.
NEUTRALISED_FILES = (
    "static/pyodide/pyodide.mjs",
    "static/pyodide/pyodide.js",
    "extensions/@jupyterlite/pyodide-kernel-extension/static/*.js",
    "extensions/@jupyterlite/pyodide-kernel-extension/static/schema/*.json",
)
NO_NETWORK_PATH = "/reader-site-no-network/"
TEXT_SUFFIXES = {".js", ".mjs", ".json", ".html", ".css", ".ipynb", ".txt", ".md", ".svg", ".webmanifest"}
LICENCE_NAME = re.compile(r"(licen[cs]e|copying|notice)", re.I)
FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class SiteSummary:
    folder: Path
    edition: str
    files: int
    size_bytes: int
    lite_build_seconds: float  # JupyterLite's own build, within the whole (for the benchmark)


def build_site(edition_path: str | Path | None, out: str | Path, log=print) -> SiteSummary:
    """Build the site of the edition in ``edition_path`` (None: the default edition) into the folder ``out``."""
    edition = load(edition_path)  # a broken edition stops here, with its problems listed
    target = _checked_output(Path(out).expanduser())
    runtime = prepared()
    lite_build = _lite_build_command()
    log(f"edition {edition.name}: valid; building with JupyterLite and Pyodide {runtime.pyodide_version} ...")
    with tempfile.TemporaryDirectory(prefix="reader-site-") as work:
        lite = Path(work) / "lite"
        _assemble(edition, runtime, lite)
        built = Path(work) / "site"
        command = [*lite_build, "--lite-dir", str(lite), "--output-dir", str(built), *_lite_options()]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=lite, capture_output=True, text=True, env=_build_environment())
        lite_build_seconds = time.perf_counter() - started
        if result.returncode:
            last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or ["no message"]
            raise SiteError(f"jupyter lite build failed: {last[0]}")
        _remove_build_leftovers(built)
        neutralise_fallbacks(built)
        notebooks = sorted(build_notebooks(edition))
        (built / "index.html").write_text(render.site_index_html(edition.title, repl_url()), "utf-8")
        (built / "notebooks.html").write_text(render.site_notebooks_html(edition.title, notebooks), "utf-8")
        problems = offline_problems(built)
        if problems:
            raise SiteError(f"the site would fetch from the network: {problems[0]} (and {len(problems) - 1} more)")
        (built / SITE_MARKER).write_text(f"reader {__version__}: {edition.name}\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), target)
    files = [path for path in target.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    return SiteSummary(target, edition.name, len(files), size, lite_build_seconds)


def repl_url() -> str:
    """The app page: JupyterLite's REPL, running the reader at once with the code and the banner hidden."""
    return "repl/index.html?kernel=python&hideCodeInput=1&showBanner=0&code=" + quote(APP_CODE, safe="")


def _checked_output(target: Path) -> Path:
    """The output folder, if it is new, empty or a site built before (replaced); SiteError otherwise."""
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise SiteError(f"--out {target}: exists and is not a folder; expected a new or empty folder")
        if any(target.iterdir()) and not (target / SITE_MARKER).is_file():
            raise SiteError(
                f"--out {target}: exists, is not empty and is not a site reader site built; "
                "expected a new or empty folder (it is replaced only if it holds a site built before)"
            )
        if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK):
            raise SiteError(f"--out {target}: cannot be written (permission denied)")
    else:
        parent = next((folder for folder in target.parents if folder.exists()), None)
        if parent is None or not parent.is_dir():
            raise SiteError(f"--out {target}: {parent} is not a folder; expected a folder to make the site in")
        if not os.access(parent, os.W_OK):
            raise SiteError(f"--out {target}: cannot be made in {parent} (permission denied)")
    return target.resolve()


def _lite_build_command() -> list[str]:
    try:
        import jupyterlite_core  # type: ignore[import-untyped]  # noqa: F401
    except ImportError as error:
        raise SiteError(
            "jupyterlite-core is not installed; install the site extra: pip install 'soviet-reader[site]'"
        ) from error
    return [sys.executable, "-m", "jupyterlite_core", "build"]


def _labextension(name: str) -> Path:
    """An installed labextension (its browser half) to copy into the site."""
    for root in (Path(sys.prefix), Path(sys.base_prefix)):
        folder = root / "share" / "jupyter" / "labextensions" / name
        if (folder / "package.json").is_file():
            return folder
    raise SiteError(f"the JupyterLab extension {name} is not installed; install the site extra")


def _lite_options() -> list[str]:
    """Only what the reader needs: the lab and REPL apps, the kernel and the widgets (no other installed extension)."""
    options = ["--contents=files", "--apps=lab", "--apps=repl", "--no-sourcemaps", "--no-unused-shared-packages"]
    options += ["--ignore-sys-prefix", "--settings-overrides=overrides.json"]
    for name in ("@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager", "anywidget"):
        options.append(f"--LiteBuildConfig.federated_extensions={_labextension(name)}")
    return options


def _build_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.pop("JUPYTERLITE_PYODIDE_URL", None)  # the site's own copy, never a URL from the environment
    return environment


def _assemble(edition: Edition, runtime: Runtime, lite: Path) -> None:
    """The JupyterLite project folder: Pyodide and the wheels, the lock, the settings, the notebooks."""
    pyodide = lite / "static" / "pyodide"
    pyodide.mkdir(parents=True)
    for name in (*PYODIDE_CORE_FILES, *PYODIDE_LICENCE_FILES):
        if (runtime.core / name).is_file():
            shutil.copy2(runtime.core / name, pyodide / name)
    packages = {}
    for key, entry in runtime.packages.items():
        shutil.copy2(runtime.wheels / entry["file_name"], pyodide / entry["file_name"])
        packages[key] = entry
    reader_wheel = write_reader_wheel(edition, pyodide)
    packages[READER_LOCK_KEY] = {
        "name": READER_LOCK_KEY,
        "version": __version__,
        "file_name": reader_wheel.name,
        "install_dir": "site",
        "package_type": "package",
        "imports": ["reader"],
        "depends": ["anywidget", "ipywidgets", "traitlets"],
        "sha256": _sha256(reader_wheel),
        "unvendored_tests": False,
    }
    shipped = {canonical(key) for key in packages}
    missing = sorted(
        {name for entry in packages.values() for name in entry["depends"] if canonical(name) not in shipped}
    )
    if missing:
        raise SiteError(f"the browser runtime lacks {', '.join(missing)}, which others depend on: prepare it again")
    lock = {"info": runtime.lock_info, "packages": packages}
    (pyodide / LOCK_FILE).write_text(json.dumps(lock, indent=1, sort_keys=True), encoding="utf-8")
    settings = {"disablePyPIFallback": True, "pyodideUrl": "./static/pyodide/pyodide.mjs"}
    config = {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {"appName": "Reader", "litePluginSettings": {KERNEL_SETTINGS: settings}},
    }
    (lite / "jupyter-lite.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    overrides = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
    (lite / "overrides.json").write_text(json.dumps(overrides, indent=1), encoding="utf-8")
    contents = lite / "files"
    contents.mkdir()
    for name, text in build_notebooks(edition).items():
        (contents / name).write_text(text, encoding="utf-8")


def browser_edition(edition: Edition) -> Edition:
    """The model alone, as the browser gets it: no DataFrames, no folder of this machine."""
    shipped = copy.copy(edition)
    shipped.folder = Path("/reader-edition") / edition.name
    shipped.tables_key = None
    shipped.tables_source = tables_unavailable
    return shipped


def write_reader_wheel(edition: Edition, folder: Path) -> Path:
    """A pure-Python wheel of this package with ``edition`` inside (``reader/_site/edition.pickle``)."""
    package = Path(__file__).resolve().parent.parent
    members: dict[str, bytes] = {}
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        shipped_part = relative.parts[0] not in ("_data", "_site", "jupyter") and "__pycache__" not in relative.parts
        if path.is_file() and shipped_part and path.suffix in (".py", ".css", ".js"):
            members[f"reader/{relative.as_posix()}"] = path.read_bytes()
    members["reader/_site/edition.pickle"] = pickle.dumps(browser_edition(edition), protocol=4)
    info = f"{READER_DISTRIBUTION}-{__version__}.dist-info"
    members[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: soviet-reader\nVersion: {__version__}\n"
        f"Summary: The annotated reader, with the edition {edition.name}, for a static site\n"
    ).encode()
    members[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: reader site\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    members[f"{info}/top_level.txt"] = b"reader\n"
    record = [f"{name},sha256={_record_hash(data)},{len(data)}" for name, data in members.items()]
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    wheel = folder / f"{READER_DISTRIBUTION}-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data, zipfile.ZIP_DEFLATED)
    return wheel


def _record_hash(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_build_leftovers(built: Path) -> None:
    """What JupyterLite writes for its own bookkeeping, which a student's browser never asks for."""
    for name in (".jupyterlite.doit.db", "jupyterlite.schema.v0.json"):
        leftover = built / name
        if leftover.is_file():
            leftover.unlink()


def neutralise_fallbacks(site: Path) -> int:
    """Point the CDN and PyPI fallbacks of NEUTRALISED_FILES at NO_NETWORK_PATH; how many addresses were changed."""
    changed = 0
    for pattern in NEUTRALISED_FILES:
        for path in site.glob(pattern):
            text = path.read_text(encoding="utf-8")
            new_text, count = FORBIDDEN.subn(lambda found: NO_NETWORK_PATH + found.group(0).split("://", 1)[1], text)
            if count:
                path.write_text(new_text, encoding="utf-8")
                changed += count
    return changed


def offline_problems(site: Path) -> list[str]:
    """Every place in the site's text files that names a public CDN or package index (licence texts excepted)."""
    problems = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES or LICENCE_NAME.search(path.name):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for found in FORBIDDEN.finditer(text):
            problems.append(f"{path.relative_to(site)}: {found.group(0)}")
    return problems
