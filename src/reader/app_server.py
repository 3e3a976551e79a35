"""How ``reader app`` runs Voilà: settings chosen from the classroom measurements in docs/performance.md.

- ``--KernelManager.transport=ipc``: many simultaneous kernel starts over TCP hit a port race.
- culling: Voilà's page-close shutdown is refused by its XSRF check, so idle kernels are culled instead.
- no preheated kernels: they doubled memory and worsened the slowest page changes here.
"""

import sys
from importlib.resources import files

APP_NOTEBOOK = "app.ipynb"
CULL_INTERVAL_SECONDS = 60
CULL_IDLE_TIMEOUT_SECONDS = 600


def app_notebook_path() -> str:
    return str(files("reader").joinpath(APP_NOTEBOOK))


def voila_command(port: int = 8866, open_browser: bool = True, extra: list[str] | None = None) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        app_notebook_path(),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        *([] if open_browser else ["--no-browser"]),
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        "--KernelManager.transport=ipc",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
        *(extra or []),
    ]
