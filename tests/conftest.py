"""Shared fixtures: the bundled edition, and throw-away copies of it to break."""

import csv
import shutil
from pathlib import Path

import pytest

import reader
from reader.paths import default_edition_path

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def notes_in_a_temporary_folder(tmp_path, monkeypatch):
    """No test writes a student's notes into the real home folder."""
    monkeypatch.setenv("READER_NOTES_DIR", str(tmp_path / "reader-notes"))
    return tmp_path / "reader-notes"


@pytest.fixture(scope="session")
def edition():
    return reader.load()


@pytest.fixture
def edition_copy(tmp_path) -> Path:
    """A writable copy of the bundled edition folder."""
    folder = tmp_path / "edition"
    shutil.copytree(default_edition_path(), folder)
    return folder


class CsvFile:
    """A CSV of an edition copy, read as rows of strings, to be changed and written back."""

    def __init__(self, path: Path):
        self.path = path
        with path.open(encoding="utf-8", newline="") as csv_file:
            rows = list(csv.reader(csv_file))
        self.header, self.rows = rows[0], rows[1:]

    def line_of(self, row_index: int) -> int:
        return row_index + 2  # line 1 is the header; no cell in the bundled edition spans lines

    def find(self, column: str, value: str) -> int:
        return [row[self.header.index(column)] for row in self.rows].index(value)

    def get(self, row_index: int, column: str) -> str:
        return self.rows[row_index][self.header.index(column)]

    def set(self, row_index: int, column: str, value: str) -> "CsvFile":
        self.rows[row_index][self.header.index(column)] = value
        return self

    def save(self) -> None:
        with self.path.open("w", encoding="utf-8", newline="") as csv_file:
            writer = csv.writer(csv_file, lineterminator="\n")
            writer.writerow(self.header)
            writer.writerows(self.rows)


@pytest.fixture
def table(edition_copy):
    return lambda name: CsvFile(edition_copy / f"{name}.csv")


# A real PostgreSQL server and an empty class database (SQLite, then PostgreSQL) for the class tests.
from class_servers import database_url, postgres_server  # noqa: E402, F401
