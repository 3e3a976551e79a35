"""A local JupyterHub for a class with the reader: the class store as a hub-managed service, PostgreSQL behind it.

    READER_CLASS_DB=postgresql+psycopg://reader:PASSWORD@127.0.0.1/reader_class \\
        jupyterhub -f deploy/jupyterhub_config.py

What it sets (docs/jupyterhub.md explains each, and gives the same for Zero to JupyterHub):
- the service ``reader-class`` (``reader class-service --hub``), started and stopped by the hub, listening on
  127.0.0.1:8868 and reached through the hub's proxy at /services/reader-class/;
- a custom scope ``custom:class-teacher:view`` given to the hub group ``teachers`` (the teacher's view);
- every user may reach the service (``access:services!service=reader-class``): as a student, their own work only;
- the single-user servers' API tokens carry those scopes (what their holder has of them), so that a kernel can call
  the service as its user; ``READER_CLASS_SERVICE`` and ``READER_CLASS_HUB`` tell ``reader.open(class_mode=True)``
  to use it.

Authentication is left to you (the hub's default is the system's users); for a trial,
``c.JupyterHub.authenticator_class = "dummy"`` accepts any name and password: never on a real network.
"""

import os
import sys

c = get_config()  # noqa: F821 - provided by JupyterHub's config loader

SERVICE_NAME = "reader-class"
SERVICE_PORT = int(os.environ.get("READER_CLASS_SERVICE_PORT", "8868"))
TEACHER_SCOPE = "custom:class-teacher:view"
SERVICE_ACCESS = f"access:services!service={SERVICE_NAME}"

c.JupyterHub.services = [
    {
        "name": SERVICE_NAME,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [sys.executable, "-m", "reader", "class-service", "--hub", "--state-dir", "reader-class"],
        "environment": {
            # the class store: PostgreSQL in production; without it, SQLite in the service's folder
            **({"READER_CLASS_DB": os.environ["READER_CLASS_DB"]} if os.environ.get("READER_CLASS_DB") else {}),
            **({"READER_EDITION": os.environ["READER_EDITION"]} if os.environ.get("READER_EDITION") else {}),
        },
    }
]
c.JupyterHub.custom_scopes = {
    TEACHER_SCOPE: {"description": "See the class's judgements, reasons and progress; reveal, export, clear."}
}
c.JupyterHub.load_groups = {"teachers": {"users": []}}  # add teachers here, or in the hub's admin page
c.JupyterHub.load_roles = [
    {"name": "user", "description": "Standard user privileges, and the class", "scopes": ["self", SERVICE_ACCESS]},
    {"name": "class-teacher", "description": "The class's teachers", "scopes": [TEACHER_SCOPE], "groups": ["teachers"]},
]
# The server's token may carry these; each user's gets only those the user holds (students: no teacher scope).
c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server", SERVICE_ACCESS, TEACHER_SCOPE]
c.Spawner.environment = {
    "READER_CLASS_SERVICE": f"http://127.0.0.1:{SERVICE_PORT}/services/{SERVICE_NAME}",
    "READER_CLASS_HUB": "1",
}
