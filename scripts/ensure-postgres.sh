# Sourced by ./run-tests: the class store's tests start a real PostgreSQL server (Debian's `postgresql`) in a
# temporary folder. As root with apt-get (CI, a fresh machine), install it when missing; otherwise say how.
# Debian keeps initdb and postgres in /usr/lib/postgresql/N/bin (off PATH): tests/class_servers.py looks there.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages for the class store's tests ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: the class store's PostgreSQL tests will be skipped here (never in CI)." >&2
    echo "Install it with: sudo apt-get install postgresql" >&2
  fi
fi
