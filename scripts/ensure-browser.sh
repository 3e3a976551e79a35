# Sourced by ./run-tests: the browser tests need Debian's Chromium (Playwright's own browser download does not
# work offline). As root with apt-get (CI, a fresh machine), install it; otherwise say how.
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/lib/chromium/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium from Debian's packages for the browser tests ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is not installed: the browser tests will be skipped here (they never skip in CI)." >&2
    echo "Install it with: sudo apt-get install chromium" >&2
  fi
fi
