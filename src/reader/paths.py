"""Where the content lives: the package finds its data itself, never through the working directory.

Order: ``READER_EDITION`` (an edition folder), then ``READER_DATA`` (a data folder), then the data bundled in
the wheel (``reader/_data``), then the repository's ``data/`` (editable installs).
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
EDITIONS_INDEX = "editions.yaml"


def data_root() -> Path:
    """The folder holding ``editions.yaml`` and one folder per edition."""
    override = os.environ.get("READER_DATA")
    if override:
        return Path(override).expanduser().resolve()
    bundled = PACKAGE_DIR / "_data"
    if (bundled / EDITIONS_INDEX).is_file():
        return bundled
    return PACKAGE_DIR.parent.parent / "data"


def default_edition_path() -> Path:
    """The edition ``reader.load()`` opens when given no path."""
    override = os.environ.get("READER_EDITION")
    if override:
        return Path(override).expanduser().resolve()
    root = data_root()
    index_path = root / EDITIONS_INDEX
    from reader.errors import EditionError

    if not index_path.is_file():
        raise EditionError(f"{index_path}: not found; expected the index of editions (set READER_DATA?)")
    index = _read_index(index_path)
    default = index.get("default") if isinstance(index, dict) else None
    if not isinstance(default, str) or not default:
        raise EditionError(f"{EDITIONS_INDEX}: key 'default' missing; expected the folder name of the default edition")
    return root / default


def _read_index(index_path: Path) -> dict:
    """``editions.yaml``, read without importing a YAML library: it holds ``default: <folder>`` (and a list)."""
    for line in index_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("default:"):
            return {"default": line.split(":", 1)[1].strip().strip("'\"")}
    return {}
