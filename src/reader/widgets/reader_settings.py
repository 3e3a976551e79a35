"""A student's reader settings (text size, line spacing, theme), kept with their notes."""

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionStyle
from traitlets import TraitError, Unicode, link, observe, validate

from reader import render
from reader.student_notes import READER_SETTINGS
from reader.widgets.base import failure_reason, html, shared_layout, shared_style

LABELS = {
    "text_size": ("Text size", {"standard": "Standard", "large": "Large", "larger": "Larger"}),
    "line_spacing": ("Line spacing", {"standard": "Standard", "wide": "Wide", "wider": "Wider"}),
    "theme": ("Theme", {"default": "Default", "high-contrast": "High contrast", "dark": "Dark"}),
}


class ReaderSettings(widgets.HBox):
    """Three menus; each setting is a trait validated here (one of :data:`READER_SETTINGS`), saved to the
    student's notes file when it changes. ``css_classes`` is what the app puts on itself to apply them. A setting
    that cannot be saved stays applied, and the student is told it was not saved."""

    text_size = Unicode("standard")
    line_spacing = Unicode("standard")
    theme = Unicode("default")

    def __init__(self, notes=None, **kwargs):
        self.notes = notes
        self._keeps_settings = hasattr(notes, "set_reader_setting")
        stored = notes.reader_settings() if self._keeps_settings else {}
        self.status = html()  # before the stored settings are set: a failed save is reported here
        super().__init__(layout=shared_layout(flex_flow="row wrap", align_items="center"), **{**stored, **kwargs})
        self.add_class("reader-settings")
        self.menus = {}
        for name, (label, names) in LABELS.items():
            menu = widgets.Dropdown(
                options=[(names[value], value) for value in READER_SETTINGS[name]],
                value=getattr(self, name),
                description=label,
                layout=shared_layout(width="auto"),
                style=shared_style(DescriptionStyle, description_width="initial"),
            )
            link((menu, "value"), (self, name))
            self.menus[name] = menu
        self.children = [*self.menus.values(), self.status]

    @validate("text_size", "line_spacing", "theme")
    def _valid_setting(self, proposal) -> str:
        name, value = proposal["trait"].name, proposal["value"]
        if value not in READER_SETTINGS[name]:
            raise TraitError(f"{name} {value!r}: expected one of {', '.join(READER_SETTINGS[name])}")
        return value

    @observe("text_size", "line_spacing", "theme")
    def _save(self, change) -> None:
        if not self._keeps_settings:
            return
        try:
            self.notes.set_reader_setting(change["name"], change["new"])
        except OSError as error:
            self.status.value = render.warning_html(f"Your settings were NOT saved: {failure_reason(error)}.")
        else:
            self.status.value = ""

    @property
    def css_classes(self) -> tuple[str, ...]:
        return (
            f"reader-size-{self.text_size}",
            f"reader-spacing-{self.line_spacing}",
            f"reader-theme-{self.theme}",
        )
