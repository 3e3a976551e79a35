"""What every reader view shares: a text/plain repr with the content, go-to-paragraph callbacks, bounded caches of
rendered HTML, and layout and style models shared by widgets that look alike."""

import bisect
import numbers
import operator
from collections import OrderedDict

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle
from traitlets import Int, TraitError, validate


class RecentCache(OrderedDict):
    """Rendered HTML kept for the most recent keys only. The views size theirs to two entries per paragraph (a
    paragraph's HTML is a few kilobytes), so a class revisiting paragraphs renders each once, and memory stays
    bounded by the edition, never by how long the reader is used."""

    def __init__(self, size: int = 128):
        super().__init__()
        self.size = size

    @classmethod
    def per_paragraph(cls, edition) -> "RecentCache":
        """A cache for HTML rendered per paragraph (or per item shown with one): two entries per paragraph."""
        return cls(size=max(256, 2 * edition.paragraph_count))

    def get_or_make(self, key, make):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > self.size:
            self.popitem(last=False)
        return value


_SHARED: dict[tuple, widgets.Widget] = {}


def _shared(kind: type, **properties) -> widgets.Widget:
    """One model per kind and properties in a kernel, for all the widgets that never change their own: every model
    is a message when the reader opens and a state in every page, and most widgets have default layouts and styles.
    A model that was closed is made again."""
    key = (kind, tuple(sorted(properties.items())))
    model = _SHARED.get(key)
    if model is None or model.comm is None:
        model = _SHARED[key] = kind(**properties)
    return model


def shared_layout(**properties) -> widgets.Layout:
    """A layout shared by the widgets that use it: never change it through one of them (give that one its own)."""
    return _shared(widgets.Layout, **properties)


def shared_style(style: type, **properties):
    """A style (``ButtonStyle``, ``HTMLStyle``, ...) shared like ``shared_layout``."""
    return _shared(style, **properties)


def html(value: str = "", **kwargs) -> widgets.HTML:
    """An HTML widget with the shared default layout and style."""
    return widgets.HTML(
        value, layout=kwargs.pop("layout", None) or shared_layout(), style=shared_style(HTMLStyle), **kwargs
    )


def button(description: str, tooltip: str, **kwargs) -> widgets.Button:
    """A button as wide as its label, with the shared layout and style."""
    return widgets.Button(
        description=description,
        tooltip=tooltip,
        layout=kwargs.pop("layout", None) or shared_layout(width="auto"),
        style=shared_style(widgets.ButtonStyle),
        **kwargs,
    )


class ReaderView(widgets.VBox):
    """A VBox whose ``repr`` is the content it shows, so nbval, a terminal and a screen reader see the text."""

    def __init__(self, **kwargs):
        super().__init__(**{"layout": shared_layout(), **kwargs})
        self._paragraph_callbacks = []
        self.add_class("reader-view")

    def on_go_to_paragraph(self, callback) -> None:
        """Call ``callback(paragraph_number)`` when the student asks to go to a paragraph from this view."""
        self._paragraph_callbacks.append(callback)

    def _go_to_paragraph(self, number: int) -> None:
        for callback in self._paragraph_callbacks:
            callback(number)

    def text(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.text()


class ParagraphNumberError(TraitError, ValueError):
    """A paragraph number the edition does not have: a ValueError for callers, a TraitError for traitlets."""


def checked_paragraph_number(edition, value) -> int:
    """``value`` if it is the number of one of ``edition``'s paragraphs, else ParagraphNumberError naming the range."""
    valid = f"this edition has paragraphs 1–{edition.paragraph_count}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        raise ParagraphNumberError(f"{shown} is not a paragraph number: {valid}")
    number = operator.index(value)
    if not 1 <= number <= edition.paragraph_count:
        shown = f"{number}" if abs(number) < 10**18 else f"{'-' if number < 0 else ''}{number.bit_length()}-bit number"
        raise ParagraphNumberError(f"paragraph {shown} does not exist: {valid}")
    return number


class ParagraphNumber(Int):
    """A paragraph's number: a whole number, never a bool (``True`` is an int to Python, not a paragraph)."""

    def validate(self, obj, value):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            checked_paragraph_number(obj.edition, value)  # raises, naming the range
        return int(value)


class ParagraphView(ReaderView):
    """A view of one paragraph at a time, whose ``paragraph_number`` is checked where it lives, as ipywidgets'
    bounded ints check theirs: a number the edition does not have is refused (ValueError naming the range), never
    clamped or passed on. The app owns the current paragraph; its views follow it with ``traitlets`` links."""

    paragraph_number = ParagraphNumber(1)

    @validate("paragraph_number")
    def _valid_paragraph_number(self, proposal) -> int:
        return checked_paragraph_number(self.edition, proposal["value"])


def failure_reason(error: OSError) -> str:
    """Why saving failed, on one line, to show the student."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def go_button(number: int, on_click, label: str = "Go to") -> widgets.Button:
    go = button(f"{label} ¶{number}", f"{label} paragraph {number}")
    go.on_click(lambda _button: on_click(number))
    return go


MAX_BUTTONS = 12  # a card of a large edition may name hundreds of paragraphs: its text lists them all


class GoButtons(widgets.HBox):
    """ "Go to ¶N" buttons. Each paragraph's button is made once, on first need, and kept: showing another set of
    paragraphs only changes which buttons are children (one message to the page, however many buttons)."""

    def __init__(self, on_click, label: str = "Go to", **kwargs):
        super().__init__(layout=shared_layout(flex_flow="row wrap"), **kwargs)
        self._on_click, self._label = on_click, label
        self._buttons: dict[int, widgets.Button] = {}
        self.numbers: tuple[int, ...] = ()

    def _button(self, number: int) -> widgets.Button:
        if number not in self._buttons:
            self._buttons[number] = go_button(number, self._on_click, self._label)
        return self._buttons[number]

    def show(self, numbers, around: int | None = None) -> None:
        """Buttons for ``numbers`` (sorted); past MAX_BUTTONS, the ones nearest the paragraph ``around``."""
        numbers = tuple(numbers)
        if len(numbers) > MAX_BUTTONS:
            middle = bisect.bisect_left(numbers, around or 0)
            start = max(0, min(middle - MAX_BUTTONS // 2, len(numbers) - MAX_BUTTONS))
            numbers = numbers[start : start + MAX_BUTTONS]
        if numbers != self.numbers:
            self.numbers = numbers
            self.children = [self._button(number) for number in numbers]
