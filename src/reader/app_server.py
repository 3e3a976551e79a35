"""How ``reader app`` runs Voilà: settings chosen from the classroom measurements in docs/performance.md.

- ``--KernelManager.transport=ipc``: many simultaneous kernel starts over TCP hit a port race.
- culling: Voilà's page-close shutdown is refused by its XSRF check, so idle kernels are culled instead.
- no preheated kernels: they doubled memory and worsened the slowest page changes here.
- ``--Voila.port_retries=0``: Voilà serves on the port asked for or not at all (by default it silently tries 50
  others, and the address announced would not be the one served).
- the ``reader`` template (``jupyter/voila/templates/reader`` in this package): Voilà's ``lab`` template without its
  two links to a public CDN for Font Awesome (Voilà's own bundle already carries Font Awesome), so that a student's
  browser contacts nothing but the class's server. Voilà finds templates only in Jupyter's data folders, so it is
  started through this module (``python -m reader.app_server``), which adds the package's folder to ``JUPYTER_PATH``.
- the edition: ``READER_EDITION`` names the folder every kernel's ``reader.open()`` loads (:func:`voila_environment`).
"""

import errno
import os
import socket
import sys
from importlib.resources import files
from pathlib import Path

APP_NOTEBOOK = "app.ipynb"
TEMPLATE = "reader"
CULL_INTERVAL_SECONDS = 60
CULL_IDLE_TIMEOUT_SECONDS = 600
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
PROJECTOR_VARIABLE = "READER_PROJECTOR"  # set by `reader app --projector`: every page opens in projector mode


class PortUnavailable(Exception):
    """The address cannot be served: one line saying why."""


def app_notebook_path() -> str:
    return str(files("reader").joinpath(APP_NOTEBOOK))


def jupyter_data_folder() -> Path:
    """The folder added to ``JUPYTER_PATH`` so that Voilà finds the reader's template."""
    return Path(str(files("reader").joinpath("jupyter")))


def with_template_folder(environment: dict[str, str]) -> dict[str, str]:
    """``environment`` with the package's Jupyter data folder first in ``JUPYTER_PATH``."""
    search_path = [str(jupyter_data_folder()), *filter(None, environment.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**environment, "JUPYTER_PATH": os.pathsep.join(search_path)}


def voila_environment(edition_folder: Path | None = None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voilà (and so every student's kernel) runs with: ``base`` and the edition to serve."""
    environment = dict(os.environ if base is None else base)
    if edition_folder is not None:
        environment["READER_EDITION"] = str(edition_folder)
    return environment


def voila_command(
    port: int = 8866, open_browser: bool = True, extra: list[str] | None = None, host: str = "127.0.0.1"
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "reader.app_server",  # Voilà, with the reader's template found
        app_notebook_path(),
        f"--port={port}",
        f"--Voila.ip={host}",
        "--Voila.port_retries=0",
        f"--template={TEMPLATE}",
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


def served_url(host: str, port: int) -> str:
    """The address a browser opens: a wildcard host means every interface of this machine (its name is shown)."""
    if host in WILDCARD_HOSTS:
        host = socket.gethostname()
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`PortUnavailable` if a server cannot listen on ``host:port`` now (busy, not allowed, no host)."""
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise PortUnavailable(f"cannot serve on host {host!r}: {error.strerror}") from error
    for family, kind, protocol, _name, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            if os.name != "nt":  # as Tornado does: a port left in TIME_WAIT by a stopped server is free
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    raise PortUnavailable(
                        f"port {port} on {host} is already in use (another reader app?); "
                        "stop that server or choose another port with --port"
                    ) from error
                raise PortUnavailable(f"cannot serve on {host} port {port}: {error.strerror or error}") from error


def run_voila() -> None:
    """Voilà's own command line, with the reader's template folder in ``JUPYTER_PATH``."""
    os.environ.update(with_template_folder(dict(os.environ)))
    from voila.app import main  # type: ignore[import-untyped]

    main()


if __name__ == "__main__":
    run_voila()
