"""Re-execute every notebook in notebooks/ and store it with its outputs, deterministically.

    .venv/bin/python scripts/execute-notebooks.py            # all notebooks
    .venv/bin/python scripts/execute-notebooks.py 02-guided   # those whose name contains the words given

Volatile parts are normalised so that running it twice changes nothing: cell ids, execution timings, kernel
version, widget state and widget model ids. Outputs and execution counts are kept (strict nbval needs both).
"""

import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# Cell metadata an editor or a run adds, and the nbstripout hook in .pre-commit-config.yaml strips too.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "heading_collapsed", "hidden", "jupyter")


def normalise(notebook) -> None:
    notebook.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    notebook.nbformat, notebook.nbformat_minor = 4, 4
    widget_number = 0
    for cell in notebook.cells:
        cell.pop("id", None)
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if view:
                widget_number += 1
                view["model_id"] = f"reader-widget-{widget_number}"
            if "text/plain" in output.get("data", {}):
                output["data"]["text/plain"] = re.sub(r"0x[0-9a-f]{6,16}", "0x0", output["data"]["text/plain"])


def execute(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        store_widget_state=False,
    ).execute()
    normalise(notebook)
    text = nbformat.writes(notebook) + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"executed {path.name}")


def main(words: list[str]) -> int:
    os.environ["READER_NOTES_DIR"] = tempfile.mkdtemp(prefix="reader-notes-")  # never the maintainer's own notes
    paths = sorted(path for path in NOTEBOOKS.glob("[0-9][0-9]-*.ipynb") if all(word in path.name for word in words))
    for path in paths:
        execute(path)
    return 0 if paths else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
