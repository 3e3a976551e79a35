"""`reader site`: the static site of an edition, built from the cached browser runtime, fetching nothing elsewhere.

The builds need the runtime that scripts/ensure-site.sh puts in the cache (./run-tests sources it); the browser half
is proved in tests/browser/test_static_site.py.
"""

import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import reader
from browser.hostile import MARK, make_hostile_edition
from reader import cli, render
from reader.classroom.store import ClassStore
from reader.paths import listed_editions
from reader.site import browser
from reader.site.build import NO_NETWORK_PATH, READER_LOCK_KEY, build_site, offline_problems, repl_url
from reader.site.runtime import CACHE_VARIABLE, prepared
from reader.student_notes import StudentNotes
from reader.widgets import NotesPanel

PYODIDE = Path("static") / "pyodide"


@pytest.fixture(scope="module")
def built_sites(tmp_path_factory):
    """A site of every bundled edition, built once for the module."""
    root = tmp_path_factory.mktemp("sites")
    return {folder.name: build_site(folder, root / folder.name, log=lambda _line: None) for folder in listed_editions()}


def lock_of(site: Path) -> dict:
    return json.loads((site / PYODIDE / "pyodide-lock.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_bundled_edition_builds_a_site_that_names_no_cdn(built_sites):
    assert len(built_sites) >= 2
    for name, summary in built_sites.items():
        site = summary.folder
        assert summary.edition == name
        assert (site / "index.html").is_file() and (site / "notebooks.html").is_file()
        assert (site / "lab" / "index.html").is_file() and (site / "repl" / "index.html").is_file()
        assert offline_problems(site) == []
        config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
        kernel = config["jupyter-config-data"]["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
        assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
        assert kernel["disablePyPIFallback"] is True
        assert not any("://" in url for url in config["jupyter-config-data"].get("pipliteUrls", []))
        notebooks = sorted(path.name for path in (site / "files").glob("*.ipynb"))
        assert notebooks and all(name in (site / "notebooks.html").read_text(encoding="utf-8") for name in notebooks)


@pytest.mark.slow
def test_the_lock_lists_exactly_the_shipped_wheels_with_their_sha256(built_sites):
    for summary in built_sites.values():
        folder = summary.folder / PYODIDE
        lock = lock_of(summary.folder)
        listed = {entry["file_name"]: entry for entry in lock["packages"].values()}
        shipped = {path.name for path in folder.glob("*.whl")}
        assert set(listed) == shipped
        for file_name, entry in listed.items():
            assert "/" not in file_name and ":" not in file_name, "a file of the site, not a URL"
            assert entry["sha256"] == hashlib.sha256((folder / file_name).read_bytes()).hexdigest(), file_name
        canonical = {re.sub(r"[-_.]+", "-", key).lower() for key in lock["packages"]}
        for entry in lock["packages"].values():
            assert {re.sub(r"[-_.]+", "-", name).lower() for name in entry["depends"]} <= canonical
        assert {"ipywidgets", "comm", "traitlets", "ipython", "micropip", READER_LOCK_KEY} <= set(lock["packages"])
        assert "pyyaml" not in lock["packages"] and "pandas" not in lock["packages"]


@pytest.mark.slow
def test_the_reader_wheel_runs_without_pandas_or_yaml(built_sites):
    """What the browser does with the wheel, done by this Python: import it from the zip, with pandas, numpy and
    PyYAML made unimportable, and open the edition the site carries."""
    for name, summary in built_sites.items():
        wheel = next((summary.folder / PYODIDE).glob("soviet_reader-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            assert "reader/_site/edition.pickle" in names and "reader/reader.css" in names
            assert not [member for member in names if member.startswith("reader/_data/")], "the model, not the files"
            record = archive.read(next(member for member in names if member.endswith("/RECORD"))).decode()
            for line in record.splitlines():
                member, digest, _size = line.split(",")
                if digest:
                    expected = base64.urlsafe_b64encode(hashlib.sha256(archive.read(member)).digest()).rstrip(b"=")
                    assert digest == "sha256=" + expected.decode(), member
        edition = reader.load(Path(next(folder for folder in listed_editions() if folder.name == name)))
        script = (
            "import sys\n"
            "class Refuse:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('pandas', 'numpy', 'yaml'):\n"
            "            raise ImportError(f'{name} is not in the browser')\n"
            "sys.meta_path.insert(0, Refuse())\n"
            f"sys.path.insert(0, {str(wheel)!r})\n"
            "import reader\n"
            "assert reader.__file__.startswith(sys.path[0]), reader.__file__\n"
            "edition = reader.load()\n"
            "app = reader.open(class_mode=True)\n"
            "print(edition.name)\n"
            "print(edition.paragraph(1).text)\n"
            "print('pandas' in sys.modules, 'yaml' in sys.modules)\n"
        )
        environment = {"PATH": "/usr/bin:/bin", "HOME": str(summary.folder.parent), "READER_NOTES_DIR": "/nonexistent"}
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=environment, cwd=summary.folder.parent
        )
        assert result.returncode == 0, result.stderr[-2000:]
        lines = result.stdout.splitlines()
        assert lines[0] == name
        assert lines[1] == edition.paragraph(1).text.splitlines()[0]
        assert lines[-1] == "False False"


@pytest.mark.slow
def test_a_hostile_edition_builds_and_its_title_stays_text(tmp_path):
    hostile = make_hostile_edition(tmp_path / "hostile")
    summary = build_site(hostile, tmp_path / "site", log=lambda _line: None)
    index = (summary.folder / "index.html").read_text(encoding="utf-8")
    notebooks = (summary.folder / "notebooks.html").read_text(encoding="utf-8")
    edition = reader.load(hostile)
    assert MARK in edition.title
    for page in (index, notebooks):
        assert MARK in page
        assert "<img" not in page and "<script>window" not in page and "<svg" not in page
        assert render.escape(edition.title) in page
    assert offline_problems(summary.folder) == []


@pytest.mark.slow
def test_a_site_is_rebuilt_in_place_but_nothing_else_is_replaced(tmp_path, capsys):
    out = tmp_path / "site"
    assert cli.main(["site", "--out", str(out)]) == 0
    first = capsys.readouterr().out
    assert f"wrote the site of {reader.load().name} to {out}" in first
    assert cli.main(["site", "--out", str(out)]) == 0, "a site built before is replaced"
    capsys.readouterr()
    other = tmp_path / "homework"
    other.mkdir()
    (other / "essay.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["site", "--out", str(other)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and error.startswith(f"error: --out {other}: exists, is not empty")
    assert (other / "essay.txt").read_text(encoding="utf-8") == "mine"


def test_out_must_be_a_folder(tmp_path, capsys):
    a_file = tmp_path / "site.html"
    a_file.write_text("x", encoding="utf-8")
    assert cli.main(["site", "--out", str(a_file)]) == 1
    assert (
        capsys.readouterr().err.strip()
        == f"error: --out {a_file}: exists and is not a folder; expected a new or empty folder"
    )
    assert cli.main(["site", "--out", str(a_file / "below")]) == 1
    assert capsys.readouterr().err.strip().startswith(f"error: --out {a_file / 'below'}: {a_file} is not a folder")


def test_a_bad_edition_stops_the_build_with_its_problems(tmp_path, capsys, edition_copy):
    (edition_copy / "paragraphs.csv").write_text("paragraph,text\nx,\n", encoding="utf-8")
    out = tmp_path / "site"
    assert cli.main(["site", str(edition_copy), "--out", str(out)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("error: ") and "paragraphs.csv" in lines[0]
    assert lines[-1].startswith("not valid: ")
    assert not out.exists()
    assert cli.main(["site", str(tmp_path / "missing"), "--out", str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[0] == f"error: {tmp_path / 'missing'}: no such edition folder"


def test_without_the_runtime_the_build_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "empty-cache"))
    assert cli.main(["site", "--out", str(tmp_path / "site")]) == 1
    error = capsys.readouterr().err.strip()
    assert (
        error.count("\n") == 0 and "scripts/ensure-site.sh" in error and error.startswith("error: the browser runtime")
    )
    assert not (tmp_path / "site").exists()


@pytest.mark.slow  # the cache scripts/ensure-site.sh fills (./run-tests sources it)
def test_the_runtime_in_the_cache_is_complete():
    runtime = prepared()
    for entry in runtime.packages.values():
        wheel = runtime.wheels / entry["file_name"]
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"]
        assert wheel.name.endswith("-none-any.whl"), "pure Python: the browser has no other"


def test_the_offline_check_finds_a_cdn_address(tmp_path):
    (tmp_path / "page.html").write_text('<script src="https://cdn.jsdelivr.net/npm/x.js"></script>', encoding="utf-8")
    (tmp_path / "LICENSE.txt").write_text("see https://unpkg.com/ for details", encoding="utf-8")
    (tmp_path / "fallback.js").write_text(f'u="{NO_NETWORK_PATH}cdn.jsdelivr.net/x"', encoding="utf-8")
    assert offline_problems(tmp_path) == ["page.html: https://cdn.jsdelivr.net"]


def test_the_app_page_runs_the_reader_as_reader_app_does():
    url = repl_url()
    assert url.startswith("repl/index.html?") and "hideCodeInput=1" in url and "showBanner=0" in url
    assert "code=import%20reader%0Areader.open%28class_mode%3DTrue%29" in url


# --- notes in the browser ----------------------------------------------------------------------------------------


@pytest.fixture
def in_a_browser(tmp_path, monkeypatch):
    """What the reader sees in Pyodide: a browser platform, JupyterLite's drive, no READER_NOTES_DIR."""
    drive = tmp_path / "drive"
    drive.mkdir()
    monkeypatch.setattr(browser, "in_browser", lambda: True)
    monkeypatch.setattr(browser, "BROWSER_DRIVE", drive)
    monkeypatch.delenv("READER_NOTES_DIR", raising=False)
    return drive


def test_in_the_browser_notes_go_to_its_storage_and_the_student_is_told(in_a_browser, edition):
    notes = StudentNotes(edition.name)
    assert notes.path == in_a_browser / "reader-notes" / f"{edition.name}.json"
    assert notes.kept_in_browser
    panel = NotesPanel(edition, notes, 1)
    assert "Your notes live in this browser only" in panel.status.value
    panel.field.value = "A note kept in the browser"
    assert json.loads(notes.path.read_text(encoding="utf-8"))["paragraph_notes"]["1"]["text"] == panel.field.value
    assert "live in this browser only" in panel.status.value and "last saved" in panel.status.value
    panel.export()
    link = re.search(
        r'<a class="reader-download" download="([^"]+)" href="data:text/markdown;charset=utf-8;base64,'
        r'([^"]+)">Download my notes \(Markdown\)</a>',
        panel.status.value,
    )
    assert link, panel.status.value
    assert link.group(1) == f"{edition.name}.md"
    assert "Your notes live in this browser only" in panel.status.value, "still said after the export"
    notes_file = re.search(
        r'download="([^"]+)" href="data:application/json;charset=utf-8;base64,([^"]+)">the notes file',
        panel.status.value,
    )
    assert notes_file and notes_file.group(1) == f"{edition.name}.json"
    class_store_file = in_a_browser / "from-the-student.json"
    class_store_file.write_bytes(base64.b64decode(notes_file.group(2)))
    store = ClassStore(f"sqlite:///{in_a_browser / 'class.db'}")
    try:  # the class store of a class (reader app --class) takes the file the site hands out
        anna = store.join(store.create_class(edition.name, "History 9B").code, "Anna")
        assert store.import_notes_file(anna.token, class_store_file).notes == 1
        assert store.student_state(anna.token).notes == {1: "A note kept in the browser"}
    finally:
        store.close()
    exported = base64.b64decode(link.group(2)).decode("utf-8")
    assert "A note kept in the browser" in exported
    assert exported == (in_a_browser / "reader-notes" / f"{edition.name}.md").read_text(encoding="utf-8")


def test_a_browser_that_gives_no_storage_is_said_and_export_still_downloads(tmp_path, monkeypatch, edition):
    monkeypatch.setattr(browser, "in_browser", lambda: True)
    monkeypatch.setattr(browser, "BROWSER_DRIVE", tmp_path / "no-drive")  # JupyterLite mounted no drive
    monkeypatch.delenv("READER_NOTES_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    notes = StudentNotes(edition.name)
    assert not notes.kept_in_browser
    panel = NotesPanel(edition, notes, 1)
    assert "Your notes are NOT kept" in panel.status.value and "saved as you type" not in panel.status.value
    panel.field.value = "lost with the page unless exported"
    assert "Your notes are NOT kept" in panel.status.value and "saved as you type" not in panel.status.value
    panel.export()
    assert "Download my notes (Markdown)" in panel.status.value and "Your notes are NOT kept" in panel.status.value


def test_outside_a_browser_nothing_changes(edition, tmp_path):
    notes = StudentNotes(edition.name, tmp_path / "notes.json")
    assert not notes.kept_in_browser
    panel = NotesPanel(edition, notes, 1)
    assert "this browser" not in panel.status.value
    panel.export()
    assert "Notes exported to" in panel.status.value and "data:" not in panel.status.value


def test_the_download_link_escapes_its_name_and_carries_any_text():
    text = '</a><img src=x onerror="alert(1)"> ¶ “quotes”'
    link = render.download_link_html('a"b<c>.md', text, "Download")
    assert "<img" not in link and 'download="a&quot;b&lt;c&gt;.md"' in link
    encoded = re.search(r"base64,([^\"]+)\"", link).group(1)
    assert base64.b64decode(encoded).decode("utf-8") == text
