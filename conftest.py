"""Session-wide test settings, for the tests in tests/ and the notebooks nbval runs alike."""

import os
import tempfile


def pytest_configure(config):
    # Kernels started by nbval inherit this: no test writes into a real student's notes folder.
    os.environ["READER_NOTES_DIR"] = tempfile.mkdtemp(prefix="reader-notes-test-")
    # Nor into the user's cache of validated editions.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="reader-cache-test-")
