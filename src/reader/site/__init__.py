"""The reader as a static site: JupyterLite with a Pyodide kernel, served from any folder, nothing fetched elsewhere.

``runtime`` gathers the browser runtime once (Pyodide from the npm registry, pure-Python wheels from PyPI) into a
cache; ``build`` makes a site of an edition from it (``reader site``); ``browser`` is what changes when the reader
runs inside the student's browser (where notes are kept).
"""


class SiteError(Exception):
    """A site cannot be built: one line saying what is missing or wrong, and what to do."""
