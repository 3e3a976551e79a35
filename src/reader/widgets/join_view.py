"""The first screen of a class app: a student gives their name and the class code, and is then someone."""

from collections.abc import Callable

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import TextStyle

from reader import render_classroom
from reader.classroom.access import ClassRefusal
from reader.model import Edition
from reader.widgets.base import ReaderView, button, html, shared_layout, shared_style

MAX_NAME_LENGTH = 80


class JoinView(ReaderView):
    """Name (or pseudonym) and class code, then ``join(code, name)``; on success, ``on_joined`` callbacks run.

    ``join`` returns what identifies the student from then on (their token) or raises :class:`ClassRefusal`
    (wrong code, too many tries); the refusal is shown in one line and what the student typed stays in the fields.
    """

    def __init__(self, edition: Edition, join: Callable[[str, str], str], **kwargs):
        self.edition = edition
        self._join = join
        self._joined_callbacks: list[Callable[[str, str], None]] = []
        style = shared_style(TextStyle, description_width="initial")
        self.name_field = widgets.Text(
            description="Your name or pseudonym", placeholder="e.g. Anna K.", layout=shared_layout(), style=style
        )
        self.code_field = widgets.Text(
            description="Class code",
            placeholder="8 letters from the teacher's screen",
            layout=shared_layout(),
            style=style,
        )
        self.join_button = button("Join the class", "Join with this name and class code", disabled=True)
        self.message = html()
        super().__init__(**kwargs)
        self.add_class("reader-join")
        self.children = [
            html(render_classroom.join_intro_html(edition)),
            self.name_field,
            self.code_field,
            self.join_button,
            self.message,
        ]
        for field in (self.name_field, self.code_field):
            field.observe(self._enable, names="value")
        self.join_button.on_click(lambda _button: self.submit())

    def on_joined(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(token, name)`` once the student has joined."""
        self._joined_callbacks.append(callback)

    def _enable(self, change=None) -> None:
        self.join_button.disabled = not (self.name_field.value.strip() and self.code_field.value.strip())

    def submit(self) -> str | None:
        """Join with what the fields hold: the token, or None (and the reason shown) if the class refused."""
        name = self.name_field.value.strip()
        code = "".join(self.code_field.value.split()).upper()
        if not name or not code:
            self.message.value = render_classroom.join_problem_html("Type your name and the class code first.")
            return None
        if len(name) > MAX_NAME_LENGTH:
            self.message.value = render_classroom.join_problem_html(
                f"That name is {len(name)} characters long; use at most {MAX_NAME_LENGTH}."
            )
            return None
        try:
            token = self._join(code, name)
        except ClassRefusal as refusal:
            self.message.value = render_classroom.join_problem_html(f"Could not join: {refusal}")
            return None
        self.message.value = ""
        for callback in self._joined_callbacks:
            callback(token, name)
        return token

    def close(self) -> None:
        """Close this view's own models too (its layouts and styles are shared and stay)."""
        for child in self.children:
            child.close()
        super().close()

    def text(self) -> str:
        return f"Join the class: name {self.name_field.value!r}, class code {self.code_field.value!r}"
