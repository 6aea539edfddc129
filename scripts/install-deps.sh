#!/bin/sh
# Installs what building and testing need on a fresh Debian machine (run as root).
# Idempotent and quiet when everything is already there.
set -eu
PYTHON=${PYTHON:-python3}

apt_pkgs=""
command -v gcc >/dev/null 2>&1 || apt_pkgs="$apt_pkgs gcc"
command -v g++ >/dev/null 2>&1 || apt_pkgs="$apt_pkgs g++"
command -v pkg-config >/dev/null 2>&1 || apt_pkgs="$apt_pkgs pkg-config"
command -v objdump >/dev/null 2>&1 || apt_pkgs="$apt_pkgs binutils"
command -v ip >/dev/null 2>&1 || apt_pkgs="$apt_pkgs iproute2"
command -v setpriv >/dev/null 2>&1 || apt_pkgs="$apt_pkgs util-linux"
command -v groupadd >/dev/null 2>&1 || apt_pkgs="$apt_pkgs passwd"
[ -f /usr/include/openssl/evp.h ] || apt_pkgs="$apt_pkgs libssl-dev"
if [ -n "$apt_pkgs" ]; then
    echo "install-deps: apt-get install$apt_pkgs"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $apt_pkgs
fi

if ! "$PYTHON" -c 'import cffi, pycparser, yaml, cryptography, pytest, uvloop' 2>/dev/null \
   || ! "$PYTHON" -m ruff --version >/dev/null 2>&1 \
   || ! "$PYTHON" -m mesonbuild.mesonmain --version >/dev/null 2>&1 \
   || ! command -v ninja >/dev/null 2>&1; then
    echo "install-deps: pip install"
    "$PYTHON" -m pip install -q cffi pycparser pyyaml cryptography uvloop pytest ruff meson ninja
fi

# members of group "ais" may use the executive without being root
getent group ais >/dev/null 2>&1 || groupadd -r ais
