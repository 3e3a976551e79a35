"""``reader`` on the command line: check an edition, regenerate its mentions.

Errors reach the user as lines of text, never as a traceback; every file is written atomically
(:mod:`reader.atomic_files`), and a file that cannot be written is named in the error.
"""

import argparse
import csv
import io
import os
import sys
from pathlib import Path

from reader._version import __version__
from reader.errors import EditionError

MAX_PROBLEMS_SHOWN = 20  # one screen: the first problems, then a count
DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"


class CommandError(Exception):
    """A problem the user can fix, told as one line (``error: ...``)."""


def _write(path: Path, text: str) -> Path:
    """Write a file atomically, or fail with one line naming it."""
    from reader.atomic_files import write_atomically

    try:
        return write_atomically(path, text)
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from error


def _check(arguments) -> int:
    """One edition (a folder, or READER_EDITION); with no argument, every edition editions.yaml lists."""
    from reader.paths import listed_editions

    if arguments.path or (os.environ.get("READER_EDITION") and not arguments.all):
        return _check_one(arguments.path)
    failed = 0
    for folder in listed_editions():
        try:
            _check_one(folder)
        except EditionError as error:
            failed += 1
            _print_problems(error, prefix=f"{folder.name}: ")
    if failed:
        raise CommandError(f"{failed} edition{'s' if failed != 1 else ''} not valid")
    return 0


def _check_one(path) -> int:
    from reader.loader import load
    from reader.notebooks import build_notebooks

    edition = load(path)
    build_notebooks(edition)  # its prose files too: a directive that cannot be made into cells is a problem
    for warning in edition.warnings:  # valid, but likely to mislead: said, without failing the check
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{edition.title}")
    print(f"  edition: {edition.folder}")
    for name, count in edition.counts().items():
        print(f"  {name:<18} {count:>5}")
    verdicts = edition.claims["verdict"].value_counts()
    print("  claims by verdict: " + (", ".join(f"{verdict} {count}" for verdict, count in verdicts.items()) or "none"))
    print("valid: every file, column, id, date, quotation and mention checks out")
    return 0


def _editions(arguments) -> int:
    """The editions editions.yaml lists, the default marked, each with its title."""
    from reader.paths import data_root, default_edition_name, listed_editions, listed_titles

    default = default_edition_name()
    titles = listed_titles()
    print(f"editions in {data_root()}:")
    for folder in listed_editions():
        mark = " (default)" if folder.name == default else ""
        title = f": {titles[folder.name]}" if titles.get(folder.name) else ""
        print(f"  {folder.name}{mark}{title}")
    return 0


def _new(arguments) -> int:
    """A new edition folder from a plain-text or Markdown file: paragraphs numbered, every file with its header."""
    from reader import textfiles
    from reader.newedition import edition_files

    folder = Path(arguments.folder)
    if folder.exists() and any(folder.iterdir()):
        raise CommandError(f"{folder}: exists and is not empty; expected a new folder for the edition")
    source = Path(arguments.text)
    if not source.is_file():
        raise CommandError(f"{source}: no such file; expected a plain-text or Markdown file")
    text = textfiles.read_text(source)
    files = edition_files(text, arguments.title)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        _write(folder / name, content)
    paragraphs = files["paragraphs.csv"].count("\n") - 1
    print(f"wrote a new edition in {folder}: {len(files)} files, {paragraphs} paragraphs")
    print(f"next: fill in the lines marked FILL IN in {folder / 'edition.yaml'}, then run: reader check {folder}")
    return 0


def _notebooks(arguments) -> int:
    from reader.loader import load
    from reader.notebooks import write_notebooks

    edition = load(arguments.path)
    folder = Path(arguments.out or f"{edition.name}-notebooks")
    written = write_notebooks(edition, folder, _write)
    print(
        f"wrote {len(written)} notebooks to {folder}: open them in JupyterLab and run them, or run them all with "
        f"jupyter execute --inplace {folder / '*.ipynb'}"
    )
    return 0


def _mentions(arguments) -> int:
    """Write mentions.csv from the cards' aliases (the edition's other files must already be valid)."""
    from reader.loader import read_table, register_cards
    from reader.mentions import find_mentions
    from reader.paths import edition_folder
    from reader.schema import TABLES_BY_NAME

    folder = edition_folder(arguments.path)
    paragraphs = read_table(folder, TABLES_BY_NAME["paragraphs"])
    entities = read_table(folder, TABLES_BY_NAME["entities"])
    if paragraphs is None or entities is None:  # both are required: read_table raised already if one is missing
        raise EditionError("paragraphs.csv and entities.csv are needed to find the mentions")
    texts = dict(zip(paragraphs["paragraph"], paragraphs["text"], strict=True))
    card_tables = [entities, *[cards for cards in [register_cards(folder)] if cards is not None]]  # a course's too
    aliases = {
        alias: entity_id
        for cards in card_tables
        for entity_id, entity_aliases in zip(cards["entity_id"], cards["aliases"], strict=True)
        for alias in entity_aliases
    }
    kinds = {
        entity_id: kind
        for cards in card_tables
        for entity_id, kind in zip(cards["entity_id"], cards["kind"], strict=True)
    }
    spans = find_mentions(texts, aliases, kinds)
    if not arguments.write:
        for span in spans:
            print(f"¶{span.paragraph}\t{span.start}\t{span.end}\t{span.surface}\t{span.entity_id}")
        print(f"{len(spans)} mentions (not written; add --write to update mentions.csv)")
        return 0
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["paragraph", "start", "end", "surface", "entity_id"])
    for span in spans:
        writer.writerow([span.paragraph, span.start, span.end, span.surface, span.entity_id])
    _write(folder / "mentions.csv", rows.getvalue())
    print(f"wrote {len(spans)} mentions to {folder / 'mentions.csv'}")
    return 0


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise CommandError(f"--port {text}: expected a port number from 1 to 65535")
    return int(text)


def _app(arguments) -> int:
    from reader.app_server import (
        PROJECTOR_VARIABLE,
        PortUnavailable,
        check_port_free,
        served_url,
        voila_command,
        voila_environment,
    )
    from reader.loader import load

    port = _port(arguments.port)
    edition_argument, voila_arguments = arguments.edition, list(arguments.voila_arguments)
    if edition_argument and edition_argument.startswith("-"):  # `reader app -- --VoilaOption=...`: no edition given
        edition_argument, voila_arguments = None, [edition_argument, *voila_arguments]
    from reader.paths import edition_folder, listed_editions

    folder = edition_folder(edition_argument).resolve() if edition_argument else None
    # Checked here, once: a broken edition stops now with its problems listed, not in thirty students' pages; and
    # the validated edition is cached, so every student's kernel reads it without validating (or importing pandas).
    # With no edition named, every edition editions.yaml lists is served, with a choice of text (reader.open_course).
    course = [] if folder is not None or os.environ.get("READER_EDITION") else listed_editions()
    served = [load(listed) for listed in course] if len(course) > 1 else [load(folder)]
    for edition in served:
        print(f"edition {edition.name}: valid ({edition.paragraph_count} paragraphs)", flush=True)
    try:
        check_port_free(arguments.host, port)
    except PortUnavailable as error:
        raise CommandError(str(error)) from error
    if arguments.db and not arguments.class_mode:
        raise CommandError("--db is for a class: add --class")
    command = voila_command(
        port=port,
        host=arguments.host,
        open_browser=not arguments.no_browser and not arguments.class_mode,  # the teacher opens their own link
        extra=voila_arguments,
    )
    if arguments.class_mode and len(served) > 1:
        served = [load(None)]  # a class reads one text: the default edition, unless the command names one
    edition = served[0]
    # One edition: every kernel reads it; several: each kernel offers the choice of text.
    environment = voila_environment(edition.folder.resolve() if len(served) == 1 else None)
    if arguments.projector:
        environment[PROJECTOR_VARIABLE] = "1"
    if arguments.class_mode:
        return _class_app(arguments, edition, command, environment, served_url(arguments.host, port))
    # Voilà is told not to try other ports, so this is the address served (or Voilà stops with an error).
    print(f"serving the reader on {served_url(arguments.host, port)} (Ctrl-C to stop)", flush=True)
    os.execvpe(command[0], command, environment)
    return 0


def _class_app(arguments, edition, command: list[str], environment: dict[str, str], address: str) -> int:
    """The class service on 127.0.0.1 beside Voilà; the links and the code printed; both stopped together."""
    from urllib.parse import quote

    from reader.classroom.class_server import (
        FOLDER_VARIABLE,
        SERVICE_VARIABLE,
        ClassSetupError,
        ServiceProcess,
        prepare_class,
        run_voila_with_service,
    )

    try:
        settings = prepare_class(edition.name, edition.title, arguments.db)
        service = ServiceProcess(settings.database)
        service_url = service.start()
    except ClassSetupError as error:
        raise CommandError(str(error)) from error
    environment = {**environment, SERVICE_VARIABLE: service_url, FOLDER_VARIABLE: str(settings.folder)}
    state = "the class of the last session (clear it in the teacher's view)" if settings.reused else "a new class"
    print(f"class: {state}; its files are in {settings.folder}", flush=True)
    print(f"serving the reader on {address} (Ctrl-C to stop)", flush=True)
    print(f"  students open: {address}", flush=True)
    print(f"  class code:    {settings.code}", flush=True)
    print(f"  teacher (keep it to yourself): {address}?teacher={quote(settings.teacher_secret, safe='')}", flush=True)
    if arguments.host in ("127.0.0.1", "localhost", "::1"):
        print("  (this computer only: for students' own devices, add --host 0.0.0.0; see the README)", flush=True)
    return run_voila_with_service(command, environment, service)


def _class_service(arguments) -> int:
    from reader.classroom.hub_service import main as hub_service

    argv = ["--hub", "--state-dir", arguments.state_dir]
    argv += ["--db", arguments.db] if arguments.db else []
    argv += ["--edition", arguments.edition] if arguments.edition else []
    if not arguments.hub:
        raise CommandError("class-service: only --hub is supported; on one machine use `reader app --class`")
    return hub_service(argv)


def _export(arguments) -> int:
    from reader.handout import build_handout
    from reader.loader import load

    edition = load(arguments.path)
    output = Path(arguments.output or f"{edition.name}-handout.html")
    handout = build_handout(edition, teacher=arguments.teacher)
    _write(output, handout)
    size = len(handout.encode("utf-8"))
    print(f"wrote {output} ({size // 1024} KB): open it in any browser, or print it")
    return 0


def _site(arguments) -> int:
    from reader.site import SiteError
    from reader.site.build import build_site

    try:
        summary = build_site(arguments.edition, arguments.out)
    except SiteError as error:
        raise CommandError(str(error)) from error
    size = summary.size_bytes / 1_000_000
    print(f"wrote the site of {summary.edition} to {summary.folder} ({summary.files} files, {size:.1f} MB)")
    print(f"try it: python -m http.server --directory {summary.folder} 8000, then open http://127.0.0.1:8000/")
    return 0


def _print_problems(error: EditionError, limit: int | None = None, prefix: str = "") -> None:
    for problem in error.problems[:limit]:
        print(f"error: {prefix}{problem}", file=sys.stderr)
    if limit is not None and len(error.problems) > limit:
        print(f"… and {len(error.problems) - limit} more like these", file=sys.stderr)
    print(
        f"not valid: {prefix}{len(error.problems)} problem{'s' if len(error.problems) != 1 else ''}",
        file=sys.stderr,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reader", description="The annotated reader's command line.")
    parser.add_argument("--version", action="version", version=f"reader {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate an edition folder and print a summary")
    check.add_argument(
        "path",
        nargs="?",
        help="an edition folder, or a bundled edition's name (default: every edition of editions.yaml)",
    )
    check.add_argument(
        "--all", action="store_true", help="every edition of editions.yaml, even if READER_EDITION is set"
    )
    check.set_defaults(run=_check)
    editions = commands.add_parser("editions", help="list the editions data/editions.yaml names")
    editions.set_defaults(run=_editions)
    new = commands.add_parser("new", help="make a new edition folder from a plain-text or Markdown file")
    new.add_argument("text", help="the text: paragraphs separated by blank lines")
    new.add_argument("--title", required=True, help="the text's title, as written")
    new.add_argument("folder", help="the new edition's folder (must not exist, or be empty)")
    new.set_defaults(run=_new)
    notebooks = commands.add_parser("notebooks", help="write the edition's notebooks (guided reading, register ...)")
    notebooks.add_argument(
        "path", nargs="?", help="an edition folder, or a bundled edition's name (default: the default edition)"
    )
    notebooks.add_argument("--out", help="the folder to write them to (default: <edition>-notebooks)")
    notebooks.set_defaults(run=_notebooks)
    mentions = commands.add_parser("mentions", help="find every mention of every card's spellings in the text")
    mentions.add_argument(
        "path", nargs="?", help="an edition folder, or a bundled edition's name (default: the default edition)"
    )
    mentions.add_argument("--write", action="store_true", help="write them to the edition's mentions.csv")
    mentions.set_defaults(run=_mentions)
    export = commands.add_parser("export", help="write a standalone HTML handout (no kernel or network needed)")
    export.add_argument(
        "path", nargs="?", help="an edition folder, or a bundled edition's name (default: the default edition)"
    )
    export.add_argument("-o", "--output", help="the HTML file to write (default: <edition>-handout.html)")
    export.add_argument("--teacher", action="store_true", help="include the questions' expected points")
    export.set_defaults(run=_export)
    app = commands.add_parser(
        "app",
        help="serve the reader as an app through Voilà, code hidden, on localhost",
        epilog="Other options (--Name.option=value) are passed to Voilà.",
    )
    app.add_argument(
        "edition", nargs="?", help="an edition folder, or a bundled edition's name (default: the default edition)"
    )
    app.add_argument("--port", default=str(DEFAULT_PORT), help=f"the port, 1 to 65535 (default {DEFAULT_PORT})")
    app.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"the address to serve on (default {DEFAULT_HOST}: this computer only; 0.0.0.0: every network)",
    )
    app.add_argument("--no-browser", action="store_true", help="do not open a browser")
    app.add_argument(
        "--projector",
        action="store_true",
        help="open in projector mode: the paragraph alone in large type, arrow keys turn the page",
    )
    app.add_argument(
        "--class",
        dest="class_mode",
        action="store_true",
        help="a class: students join with a class code, each keeps their own notes; the teacher sees the class",
    )
    app.add_argument(
        "--db",
        help="with --class: the class store (default: SQLite in ~/reader-class/EDITION/; or postgresql+psycopg://...)",
    )
    app.set_defaults(run=_app)
    service = commands.add_parser(
        "class-service", help="the class store as a JupyterHub-managed service (see docs/jupyterhub.md)"
    )
    service.add_argument("--hub", action="store_true", help="run under JupyterHub (its user is the student)")
    service.add_argument("--db", help="a postgresql+psycopg:// URL (or READER_CLASS_DB; default SQLite)")
    service.add_argument("--edition", help="the edition folder (default: READER_EDITION or the bundled one)")
    service.add_argument("--state-dir", default=".", help="where the class's class.json is kept (default: here)")
    service.set_defaults(run=_class_service)
    site = commands.add_parser(
        "site", help="build a static site of the reader that runs in the browser (no server, nothing fetched)"
    )
    site.add_argument("edition", nargs="?", help="an edition folder (default: the bundled edition)")
    site.add_argument(
        "--out", required=True, help="the folder to write the site to (new, empty, or a site built before)"
    )
    site.set_defaults(run=_site)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments, unknown = parser.parse_known_args(argv)
    if unknown and arguments.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    arguments.voila_arguments = unknown  # `reader app` passes options it does not know to Voilà
    try:
        return arguments.run(arguments)
    except EditionError as error:
        # `reader check` lists every problem; other commands stop at a screenful.
        _print_problems(error, limit=None if arguments.command == "check" else MAX_PROBLEMS_SHOWN)
        return 1
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug of ours: still one line for the user, never a traceback
        print(f"error: unexpected {type(error).__name__}: {error} (please report this)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
