"""Read an edition's files safely: regular files only, bounded in size, strict UTF-8, YAML without aliases.

Every refusal is one :class:`~reader.errors.EditionError` line naming the file (and the line and column where
that applies). A FIFO is never opened (it would hang), a file is never read whole before its size is known, and a
YAML anchor or alias (the "billion laughs") is refused before anything is expanded.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.errors import EditionError

MAX_FILE_BYTES = 5 * 1024 * 1024  # per file of an edition; data/README.md says so
MAX_YAML_DEPTH = 32  # nesting of YAML mappings and lists; an edition needs 4


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as one of the edition's files (None if it can, or if it is simply missing)."""
    try:
        status = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return f"{path.name}: is a symlink loop; expected a file"
        if path.is_symlink():
            return f"{path.name}: is a symlink to {os.readlink(path)!r}, which does not exist; expected a file"
        if error.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        return f"{path.name}: cannot be read ({error.strerror}); expected a readable file"
    if stat.S_ISDIR(status.st_mode):
        return f"{path.name}: is a directory, not a file"
    if not stat.S_ISREG(status.st_mode):
        return f"{path.name}: is not a regular file (a FIFO, socket or device); expected a file"
    if status.st_size > MAX_FILE_BYTES:
        return (
            f"{path.name}: is {status.st_size / 1024 / 1024:.1f} MB; expected at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB per file of an edition"
        )
    return None


def exists(path: Path) -> bool:
    """True if ``path`` names something (a file, or anything a teacher should be told is not one)."""
    return os.path.lexists(path)


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; EditionError for anything else."""
    problem = file_problem(path)
    if problem:
        raise EditionError(problem)
    try:
        # O_NONBLOCK: should the file have become a FIFO since it was looked at, opening it does not wait.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise EditionError(f"{path.name}: cannot be read ({error.strerror}); expected a readable file") from None
    with os.fdopen(descriptor, "rb") as opened:
        if not stat.S_ISREG(os.fstat(opened.fileno()).st_mode):
            raise EditionError(f"{path.name}: is not a regular file (a FIFO, socket or device); expected a file")
        raw = opened.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise EditionError(
            f"{path.name}: is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; expected at most that per file"
        )
    return raw


def read_text(path: Path) -> str:
    """The file decoded as UTF-8, strictly (a byte-order mark is allowed, as spreadsheets write one)."""
    raw = read_bytes(path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw.count(b"\n", 0, error.start) + 1
        column = len(raw[line_start : error.start].decode("utf-8", errors="replace")) + 1
        raise EditionError(
            f"{path.name}, line {line}, column {column}: not UTF-8 (byte 0x{raw[error.start]:02x}); "
            "expected a file saved as UTF-8"
        ) from None


# --- YAML ------------------------------------------------------------------------------------------------------


@dataclass
class YamlDocument:
    """A YAML document as plain Python values, with the (line, column) where each value starts.

    ``positions`` maps a path of keys and list indexes, like ``("document", "identifiers", 0, "value")``, to the
    1-based line and column of that value; ``()`` is the document itself.
    """

    file_name: str
    value: Any  # whatever the YAML holds: checked against the schema by the loader
    positions: dict[tuple, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: tuple) -> str:
        """``file, line L, column C`` of the value at ``path`` (or of its nearest parent that has a position)."""
        while path and path not in self.positions:
            path = path[:-1]
        line, column = self.positions.get(path, (1, 1))
        return f"{self.file_name}, line {line}, column {column}"


def read_yaml(path: Path) -> YamlDocument:
    """A YAML file read with the safe loader, refusing anchors, aliases, merge keys and duplicate keys."""
    return parse_yaml(read_text(path), path.name)


def parse_yaml(text: str, file_name: str) -> YamlDocument:
    import yaml

    try:
        loader = _edition_yaml_loader()(text)
    except yaml.reader.ReaderError as error:  # a character YAML refuses anywhere (NUL, ESC, other controls)
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise EditionError(
            f"{file_name}, line {line}, column {column}: contains control character U+{error.character:04X}; "
            "expected plain text without control characters"
        ) from None
    document = YamlDocument(file_name, None)
    try:
        node = loader.get_single_node()
        document.value = _build(loader, node, (), document) if node is not None else None
        return document
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = error.problem or error.context or "not valid YAML"
        expected = "" if isinstance(error, _refused_error_type()) else "; expected valid YAML"
        raise EditionError(f"{file_name}{where}: {problem}{expected}") from None
    except yaml.YAMLError as error:
        raise EditionError(f"{file_name}: {error}; expected valid YAML") from None
    finally:
        loader.dispose()


_LOADER = None
_REFUSED = None


def _refused_error_type():
    """A YAML error for what an edition refuses although YAML allows it (aliases, duplicate keys, ...)."""
    global _REFUSED
    if _REFUSED is None:
        import yaml

        class RefusedYaml(yaml.MarkedYAMLError):
            pass

        _REFUSED = RefusedYaml
    return _REFUSED


def _refuse(mark, message: str):
    return _refused_error_type()(problem=message, problem_mark=mark)


def _edition_yaml_loader():
    """yaml.SafeLoader, refusing aliases and anchors as it composes (nothing shared is ever expanded)."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class EditionYamlLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                raise _refuse(event.start_mark, f"YAML aliases (*{event.anchor}) are not allowed in an edition")
            if getattr(event, "anchor", None) is not None:
                raise _refuse(
                    event.start_mark,
                    f"YAML anchors (&{event.anchor}) and aliases (*name) are not allowed in an edition",
                )
            self.depth += 1
            try:
                if self.depth > MAX_YAML_DEPTH:
                    raise _refuse(event.start_mark, f"nested more than {MAX_YAML_DEPTH} levels deep")
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    # A date stays the text it was written as ("1957-06-29"), as in the CSV files: never a datetime.
    EditionYamlLoader.add_constructor(
        "tag:yaml.org,2002:timestamp",
        yaml.SafeLoader.construct_yaml_str,  # type: ignore[type-var]  # the stubs type the constructor too narrowly
    )
    _LOADER = EditionYamlLoader
    return _LOADER


def _build(loader, node, path: tuple, document: YamlDocument):
    import yaml

    document.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        mapping: dict = {}
        first_seen: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _refuse(key_node.start_mark, "a key must be a plain word, not a list or mapping")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _refuse(key_node.start_mark, "YAML merge keys (<<) are not allowed in an edition")
            key = loader.construct_object(key_node)
            if key in first_seen:
                raise _refuse(
                    key_node.start_mark,
                    f"key {key!r} appears twice in this mapping (first on line {first_seen[key]}); "
                    "expected each key once",
                )
            first_seen[key] = key_node.start_mark.line + 1
            mapping[key] = _build(loader, value_node, (*path, key), document)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, index), document) for index, item in enumerate(node.value)]
    return loader.construct_object(node)
