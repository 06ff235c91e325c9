#!/usr/bin/env bash
# Install the Debian packages Qt needs (and desktop-file-utils for a packaging test), when we
# are root and any is missing; otherwise say which are missing and go on (the tests run
# offscreen and need fewer of them).
set -u
# The house-server tests (issue 22, tests/pg_server.py) start a throwaway PostgreSQL from the
# system's binaries (Debian: /usr/lib/postgresql/15/bin): always part of the set.
set -- "$@" postgresql
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  # Only the binaries are wanted: no system cluster created and started on port 5432.
  # (createcluster.d is read by Debian's createcluster.conf, which stays the package's own file.)
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/casuskamer-tests.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "warning: could not install: ${missing[*]}" >&2
else
  echo "Missing system packages (install them as root): ${missing[*]}" >&2
fi
exit 0
