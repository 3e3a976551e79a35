"""Calling a function every few seconds inside a kernel, on the kernel's own event loop (never a thread: widget
state then changes only where the kernel handles the page's messages)."""

from collections.abc import Callable
from typing import Any


class Poller:
    """``callback()`` every ``seconds`` once :meth:`start` is called, until :meth:`stop`.

    Runs on the event loop current when started (the kernel's, when started from a cell); with no event loop
    running (a plain script, a test) :meth:`start` does nothing and says so by returning False.
    """

    def __init__(self, callback: Callable[[], object], seconds: float):
        self.callback = callback
        self.seconds = seconds
        self._periodic: Any = None

    @property
    def running(self) -> bool:
        return self._periodic is not None

    def start(self) -> bool:
        import asyncio

        from tornado.ioloop import PeriodicCallback

        if self._periodic is not None:
            return True
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        self._periodic = PeriodicCallback(self._tick, self.seconds * 1000)
        self._periodic.start()
        return True

    def _tick(self) -> None:
        self.callback()

    def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.stop()
            self._periodic = None
