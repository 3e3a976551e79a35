"""The reader's one front-end helper: keys that page, marker buttons that choose, focus that follows the action.

ipywidgets have no key events, cannot report a click on markup inside an ``HTML`` widget, and cannot give a
landmark role to a box. This widget (an anywidget module, ``bridge.js``, the same in JupyterLab and Voilà) does
those three things and nothing else. It sends the kernel plain messages (``{"page": "next"}``,
``{"marker": "note-3"}``); the kernel checks them before acting. The kernel sends ``{"focus": REGION}`` with
REGION one of :data:`FOCUS_REGIONS`, which the module maps to constant selectors: nothing from data is ever run.
"""

from collections import deque
from collections.abc import Callable
from importlib.resources import files

import anywidget
import traitlets

PAGES = ("next", "previous", "first", "last")
FOCUS_REGIONS = ("text", "side", "chosen", "excerpt", "claim", "card", "event")


class ReaderBridge(anywidget.AnyWidget):
    """Invisible in the layout; reports ``page`` and ``marker`` requests to callbacks, moves focus on request."""

    jump_names = traitlets.List(traitlets.Unicode()).tag(sync=True)  # the jump menu's options' accessible names
    _esm = traitlets.Unicode(files("reader.widgets").joinpath("bridge.js").read_text(encoding="utf-8")).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("reader-bridge")
        self._page_callbacks: list[Callable[[str], None]] = []
        self._marker_callbacks: list[Callable[[str], None]] = []
        self.focused: deque[str] = deque(maxlen=32)  # the regions last asked to be focused, in order (for tests)
        self.on_msg(self._receive)

    def on_page(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(page)`` (one of :data:`PAGES`) when the student pages with the keyboard."""
        self._page_callbacks.append(callback)

    def on_marker(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(marker_id)`` when the student chooses a marker in the text (the id is not checked here)."""
        self._marker_callbacks.append(callback)

    def _receive(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        page, marker = content.get("page"), content.get("marker")
        if page in PAGES:
            for callback in self._page_callbacks:
                callback(page)
        elif isinstance(marker, str) and len(marker) <= 40:
            for callback in self._marker_callbacks:
                callback(marker)

    def focus_region(self, region: str) -> None:
        """Ask the page to bring ``region`` into view and focus it (after the kernel's updates of this change)."""
        if region not in FOCUS_REGIONS:
            raise ValueError(f"{region!r} is not a region the reader can focus: {', '.join(FOCUS_REGIONS)}")
        self.focused.append(region)
        self.send({"focus": region})

    def __repr__(self) -> str:
        return "Reader keys: ← → and Page Up / Page Down turn the page"
