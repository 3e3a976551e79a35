"""Who is who in a class, what each student wrote, and how a class is served.

- :mod:`reader.classroom.store`: the class store (SQLite by default, PostgreSQL when a URL is given).
- :mod:`reader.classroom.service`: the store's small HTTP API (tornado), ``python -m reader.classroom.service``.
- :mod:`reader.classroom.client`: :class:`~reader.classroom.client.ClassNotes`, a student's kernel's side of it.

Nothing is imported here, so that ``import reader`` stays as light as it was (SQLAlchemy and tornado load only when
a class is used).
"""
