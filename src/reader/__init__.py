"""An annotated reader for a contested historical source, in JupyterLab.

``reader.load()`` returns the default edition; ``reader.load(path)`` any edition folder.
"""

__version__ = "0.1.0"

from reader import panels, widgets
from reader.errors import EditionError
from reader.loader import load


def open(path=None, paragraph_number: int = 1):  # noqa: A001 - reader.open() is the product's entry point
    """The whole reader app for the default edition (or the edition folder ``path``)."""
    from reader.widgets import ReaderApp

    return ReaderApp(load(path), paragraph_number)


__all__ = ["EditionError", "load", "open", "panels", "widgets", "__version__"]
