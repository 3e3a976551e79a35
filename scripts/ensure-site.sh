# Sourced by ./run-tests and ./run-benchmarks (after ensure-venv.sh): the browser runtime of `reader site`, fetched
# once into ~/.cache/soviet-reader/site (READER_SITE_CACHE overrides it): Pyodide from the npm registry, pure-Python
# wheels from PyPI. Idempotent: a complete cache is left as it is. Needs npm (Debian: apt-get install npm).
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing npm from Debian's packages for the static site's runtime ..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
.venv/bin/python -m reader.site.runtime
