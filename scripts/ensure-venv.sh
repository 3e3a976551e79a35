# Sourced by ./run-tests and ./open-reader: make .venv with Python 3.11+ and install the project with one extra.
# Re-installs only when pyproject.toml has changed since the last install.
extra="$1"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "The reader needs Python 3.11 or newer; set PYTHON=/path/to/python3.11 (found: $("$python" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $("$python" --version) ..."
  "$python" -m venv .venv
fi
stamp=".venv/.installed-$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing the reader and its '$extra' dependencies into .venv (first time: about a minute) ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extra]"
  touch "$stamp"
fi
