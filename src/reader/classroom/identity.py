"""Who is at the screen of a class app, from the page's request (never from the operating system).

Voilà runs every kernel as the server's own user, with the server's home folder, so nothing in the kernel's
environment but the request says who opened the page. Voilà hands the kernel the page's query string
(``QUERY_STRING``), host and path: ``?student=TOKEN`` is a student's personal link, ``?teacher=SECRET`` the
teacher's; neither means a student who has not joined yet.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

HUB_IDENTITY = "jupyterhub-user"  # on JupyterHub the service replaces it with the hub user's own token
MAX_SECRET_LENGTH = 200  # the store's tokens are 32 URL-safe characters; anything far longer is not one


@dataclass(frozen=True)
class Visitor:
    """What the page's address says about who opened it."""

    student_token: str | None = field(default=None, repr=False)
    teacher_secret: str | None = field(default=None, repr=False)

    @property
    def role(self) -> str:
        return "teacher" if self.teacher_secret else "student" if self.student_token else "newcomer"


def _one(values: list[str]) -> str | None:
    value = values[-1].strip() if values else ""
    return value if value and len(value) <= MAX_SECRET_LENGTH and value.isprintable() else None


def visitor_from_query(query: str) -> Visitor:
    """``student=`` and ``teacher=`` of a query string (the last of each, if repeated); anything else is ignored."""
    fields = parse_qs(query or "", keep_blank_values=True)
    return Visitor(student_token=_one(fields.get("student", [])), teacher_secret=_one(fields.get("teacher", [])))


def visitor_from_environment(environment: Mapping[str, str] | None = None) -> Visitor:
    environment = os.environ if environment is None else environment
    return visitor_from_query(environment.get("QUERY_STRING", ""))


def page_address(environment: Mapping[str, str] | None = None) -> str | None:
    """The address of the page the kernel serves (Voilà's ``SERVER_NAME``, ``SERVER_PORT``, ``SCRIPT_NAME``)."""
    environment = os.environ if environment is None else environment
    host = environment.get("SERVER_NAME")
    if not host:
        return None
    port = environment.get("SERVER_PORT", "")
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}{':' + port if port else ''}{environment.get('SCRIPT_NAME') or '/'}"


def personal_link(token: str, environment: Mapping[str, str] | None = None) -> str:
    """The student's link back to their own work: the page's address with ``?student=TOKEN``."""
    base = page_address(environment) or ""
    return f"{base}?student={quote(token, safe='')}"
