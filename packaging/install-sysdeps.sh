#!/usr/bin/env bash
# Install the Debian packages Qt needs (and desktop-file-utils for a packaging test), when we
# are root and any is missing; otherwise say which are missing and go on (the tests run
# offscreen and need fewer of them).
set -u
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || echo "warning: could not install: ${missing[*]}" >&2
else
  echo "Missing system packages (install them as root): ${missing[*]}" >&2
fi
exit 0
