#!/bin/sh
# install-deps.sh - install the Debian packages sgxemu needs, if missing.
#
# Called by `make test`, `make demo`, `make bench` and `make fuzz`. Does
# nothing when everything is present; otherwise runs apt-get as root (the
# project's machines run as root; elsewhere, run it once with sudo).
set -eu

needed="gcc make binutils libssl-dev openssl libcriterion-dev clang libclang-rt-14-dev"
missing=""
for p in $needed; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install$missing (run: sudo sh scripts/install-deps.sh)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || true
# shellcheck disable=SC2086
apt-get install -y -qq $missing >/dev/null
