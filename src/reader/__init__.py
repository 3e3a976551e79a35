"""An annotated reader for a contested historical source, in JupyterLab.

``reader.load()`` returns the default edition; ``reader.load(path)`` any edition folder.
"""

from reader.errors import EditionError
from reader.loader import load

__version__ = "0.1.0"

__all__ = ["EditionError", "load", "__version__"]
