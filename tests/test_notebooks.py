"""The notebooks: one skeleton, thin cells, stored executed; and strict nbval really catches a changed fact."""

import csv
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPOSITORY

NOTEBOOKS = sorted((REPOSITORY / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def cells(path, kind):
    return [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == kind]


def source(cell) -> str:
    return "".join(cell["source"])


def test_the_six_notebooks_exist():
    names = [path.stem for path in NOTEBOOKS]
    assert names == [
        "01-start-here",
        "02-guided-reading",
        "03-entity-register",
        "04-economic-reform-chronology",
        "05-cia-1977-excerpt",
        "06-reader-app",
        "07-teacher-guide",
    ]


def test_the_app_notebook_is_the_one_reader_app_serves():
    from reader.app_server import app_notebook_path

    served = [source(cell) for cell in cells(__import__("pathlib").Path(app_notebook_path()), "code")]
    shown = [source(cell) for cell in cells(REPOSITORY / "notebooks" / "06-reader-app.ipynb", "code")]
    assert served == shown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_skeleton(path):
    markdown = [source(cell) for cell in cells(path, "markdown")]
    assert markdown[0].startswith("# ")
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## Overview" and headings[1] == "## Prerequisites"
    assert headings[-1].startswith("## Summary")
    assert re.search(r"Time: about \d+ minutes|Time: as long as you like", "\n".join(markdown))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_cells_are_thin_calls_into_the_package(path):
    for cell in cells(path, "code"):
        lines = [line for line in source(cell).splitlines() if line.strip() and not line.startswith("import ")]
        assert len(lines) <= 2, f"{path.name}: a code cell does more than one or two calls:\n{source(cell)}"
        assert "def " not in source(cell) and "for " not in source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_executed_without_volatile_metadata(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert set(notebook["metadata"]) == {"kernelspec", "language_info"}
    counts = [cell["execution_count"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), "executed top to bottom, once"
    for cell in cells(path, "code"):
        assert cell["outputs"] or source(cell).startswith("import"), f"{path.name}: a cell without output"
        assert "execution" not in cell["metadata"]
        assert not any(output.get("output_type") == "error" for output in cell["outputs"])


def run_nbval(notebook, edition_folder):
    environment = {**os.environ, "READER_EDITION": str(edition_folder)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(REPOSITORY / "tests" / "sanitize.cfg"),
            "-o",
            "addopts=",
            str(notebook),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPOSITORY,
        timeout=300,
    )


@pytest.mark.slow
def test_changing_a_displayed_fact_makes_nbval_fail(edition_copy):
    notebook = REPOSITORY / "notebooks" / "04-economic-reform-chronology.ipynb"
    unchanged = run_nbval(notebook, edition_copy)
    assert unchanged.returncode == 0, unchanged.stdout[-2000:]
    path = edition_copy / "events.csv"
    with path.open(encoding="utf-8", newline="") as events_file:
        rows = list(csv.reader(events_file))
    header = rows[0]
    target = next(
        row for row in rows[1:] if row[header.index("theme")] == "economic-reform" and not row[header.index("end")]
    )
    target[header.index("start")] = target[header.index("start")].replace("19", "18", 1)
    with path.open("w", encoding="utf-8", newline="") as events_file:
        csv.writer(events_file, lineterminator="\n").writerows(rows)
    changed = run_nbval(notebook, edition_copy)
    assert changed.returncode != 0
    assert "failed" in changed.stdout


def test_execute_script_is_documented():
    assert (REPOSITORY / "scripts" / "execute-notebooks.py").is_file()
    assert "scripts/execute-notebooks.py" in (REPOSITORY / "README.md").read_text(encoding="utf-8")


def test_bundled_notebooks_are_generated_from_the_edition_and_its_prose(edition):
    from reader.notebooks import build_notebooks

    generated = build_notebooks(edition)
    assert sorted(generated) == [path.name for path in NOTEBOOKS]
    for name, text in generated.items():
        made = [(cell["cell_type"], source(cell)) for cell in json.loads(text)["cells"]]
        stored = [
            (cell["cell_type"], source(cell))
            for cell in json.loads((REPOSITORY / "notebooks" / name).read_text())["cells"]
        ]
        assert made == stored, f"{name} differs from what `reader notebooks` makes: run it, then execute-notebooks.py"


def test_generation_is_deterministic(tmp_path):
    from reader.cli import main

    assert main(["notebooks", "--out", str(tmp_path / "first")]) == 0
    assert main(["notebooks", "--out", str(tmp_path / "second")]) == 0
    first = {path.name: path.read_bytes() for path in (tmp_path / "first").iterdir()}
    assert first and first == {path.name: path.read_bytes() for path in (tmp_path / "second").iterdir()}


def _new_edition(tmp_path, paragraphs: int):
    from reader.cli import main

    text = tmp_path / "text.md"
    text.write_text("\n\n".join(f"Paragraph number {number}\nwrapped." for number in range(1, paragraphs + 1)))
    folder = tmp_path / "edition"
    assert main(["new", str(text), "--title", "A memorandum", str(folder)]) == 0
    yaml_path = folder / "edition.yaml"
    yaml_path.write_text(
        yaml_path.read_text()
        .replace("provenance: ''", "provenance: written for a test")
        .replace("status: ''", "status: public domain")
        .replace("holder: ''", "holder: nobody")
        .replace("text_kind: text", "text_kind: memorandum")
    )
    return folder


def test_guided_reading_has_one_section_per_paragraph_whatever_their_number(tmp_path):
    import reader
    from reader.notebooks import build_notebooks

    notebooks = build_notebooks(reader.load(_new_edition(tmp_path, 12)))
    guided = json.loads(notebooks["02-guided-reading.ipynb"])["cells"]
    headings = [source(cell) for cell in guided if source(cell).startswith("## ¶")]
    assert headings == [f"## ¶{number}" for number in range(1, 13)]
    assert "reader.panels.paragraph(edition, 12)" in [source(cell) for cell in guided]
    everything = "".join(notebooks.values())
    assert "essay" not in everything.lower() and "Khrushchev" not in everything


def test_a_prose_directive_that_cannot_be_made_is_one_line(tmp_path):
    import reader
    from reader.errors import EditionError
    from reader.notebooks import build_notebooks

    folder = _new_edition(tmp_path, 2)
    (folder / "prose").mkdir()
    (folder / "prose" / "02-reading.md").write_text("# Reading\n<!-- reader: paragraph 9 -->\n")
    with pytest.raises(EditionError, match=r"^prose/02-reading\.md, line 2: '9' is not a paragraph; expected"):
        build_notebooks(reader.load(folder))


@pytest.mark.slow
def test_generated_notebooks_run_for_an_edition_without_events_documents_or_questions(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    from reader.cli import main

    folder = _new_edition(tmp_path, 3)
    assert main(["notebooks", str(folder), "--out", str(tmp_path / "notebooks")]) == 0
    os.environ["READER_EDITION"] = str(folder)
    try:
        for path in sorted((tmp_path / "notebooks").glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
            outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
            assert not [output for output in outputs if output.get("output_type") == "error"], path.name
            shown = json.dumps(outputs)
            assert "Khrushchev" not in shown and "essay" not in shown.lower(), path.name
    finally:
        del os.environ["READER_EDITION"]


def test_notebooks_name_their_edition_unless_it_is_the_default(tmp_path):
    import reader
    from reader.notebooks import build_notebooks

    bundled = build_notebooks(reader.load("frus-1957-circular-telegram"))
    start = [source(cell) for cell in json.loads(bundled["01-start-here.ipynb"])["cells"]]
    assert 'import reader\n\nedition = reader.load("frus-1957-circular-telegram")' in start
    assert 'reader.open("frus-1957-circular-telegram")' in start
    app = [source(cell) for cell in json.loads(bundled["06-reader-app.ipynb"])["cells"]]
    assert 'import reader\n\nreader.open("frus-1957-circular-telegram", class_mode=True)' in app
    elsewhere = _new_edition(tmp_path, 2)
    made = build_notebooks(reader.load(elsewhere))["01-start-here.ipynb"]
    assert f"edition = reader.load({json.dumps(str(elsewhere.resolve()))})" in "".join(
        source(cell) for cell in json.loads(made)["cells"]
    )


def test_load_takes_the_name_of_a_bundled_edition():
    import reader

    assert reader.load("frus-1957-circular-telegram").folder.name == "frus-1957-circular-telegram"
    with pytest.raises(reader.EditionError, match="the name of a bundled edition: khrushchevs-purges, frus-1957"):
        reader.load("no-such-edition")
