# Sourced by ./run-tests: the JupyterHub tests run a real hub, whose proxy (configurable-http-proxy) comes from the
# npm registry into .cache/chp (npm itself from Debian's packages, installed when missing and run as root).
CHP_VERSION=5.3.0
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing npm from Debian's packages for the JupyterHub tests ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is not installed: the JupyterHub tests will be skipped here (never in CI). Install it: apt-get install npm" >&2
  fi
fi
if command -v npm >/dev/null 2>&1 && [ ! -x .cache/chp/node_modules/.bin/configurable-http-proxy ]; then
  echo "Installing configurable-http-proxy $CHP_VERSION from the npm registry into .cache/chp ..."
  mkdir -p .cache/chp
  npm install --silent --no-audit --no-fund --prefix .cache/chp "configurable-http-proxy@$CHP_VERSION" >/dev/null
fi
