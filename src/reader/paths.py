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
    if override:  # a folder, or the name of a bundled edition
        folder = Path(override).expanduser()
        return (folder if os.path.lexists(folder) else bundled_edition(override) or folder).resolve()
    root = data_root()
    index_path = root / EDITIONS_INDEX
    from reader.errors import EditionError

    if not os.path.lexists(index_path):
        raise EditionError(f"{index_path}: not found; expected the index of editions (set READER_DATA?)")
    return root / _read_index(index_path)["default"]


def default_edition_name() -> str:
    root = data_root()
    return str(_read_index(root / EDITIONS_INDEX)["default"])


def listed_editions() -> list[Path]:
    """The edition folders ``editions.yaml`` lists (the default alone if it lists none), in its order."""
    from reader.errors import EditionError

    root = data_root()
    index_path = root / EDITIONS_INDEX
    if not os.path.lexists(index_path):
        raise EditionError(f"{index_path}: not found; expected the index of editions (set READER_DATA?)")
    index = _read_index(index_path)
    folders = []
    for position, item in enumerate(index.get("editions") or [], start=1):
        folder = item.get("folder") if isinstance(item, dict) else None
        if not isinstance(folder, str) or folder in ("", ".", "..") or "/" in folder or "\\" in folder:
            raise EditionError(f"{EDITIONS_INDEX}: editions item {position}: expected 'folder', a folder name")
        folders.append(root / folder)
    return folders or [root / index["default"]]


def _read_index(index_path: Path) -> dict:
    """``editions.yaml``, read with the edition's safe YAML reader (comments, anchors and duplicate keys handled)."""
    from reader.errors import EditionError
    from reader.schema import EDITIONS_INDEX_KEYS
    from reader.textfiles import parse_yaml, read_text

    document = parse_yaml(read_text(index_path), index_path.name)
    if not isinstance(document.value, dict):
        raise EditionError(f"{EDITIONS_INDEX}: expected a YAML mapping with the key 'default'")
    keys = {key.name: key for key in EDITIONS_INDEX_KEYS}
    default = document.value.get("default")
    if not isinstance(default, str) or not default.strip():
        raise EditionError(
            f"{document.where(('default',))}: key 'default' missing or not text; "
            f"expected {keys['default'].expectation()}"
        )
    if default in (".", "..") or "/" in default or "\\" in default:
        raise EditionError(f"{document.where(('default',))}: {default!r} is not a folder name; expected one")
    return document.value


def bundled_edition(name: str) -> Path | None:
    """The folder of the edition ``editions.yaml`` lists under ``name`` (a folder name), or None."""
    from reader.errors import EditionError

    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return None
    try:
        return next((folder for folder in listed_editions() if folder.name == name), None)
    except EditionError:
        return None


def edition_folder(argument: str | Path | None) -> Path:
    """The folder an edition argument names: a folder, else the name of a bundled edition, else the default."""
    if argument is None:
        return default_edition_path()
    folder = Path(argument).expanduser()
    if not os.path.lexists(folder) and isinstance(argument, str):
        return bundled_edition(argument) or folder
    return folder
