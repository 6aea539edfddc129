#!/bin/sh
# Installs the executive's Python package under PREFIX/lib/aisexec/python and the
# commands PREFIX/bin/aisexec and PREFIX/bin/ais-keygen, which find it by their own
# location (no environment variable needed).
set -eu
PREFIX=$1
PYTHON=${PYTHON:-python3}
top=$(cd "$(dirname "$0")/.." && pwd)
pkg="$PREFIX/lib/aisexec/python"
rm -rf "$pkg/aisexec"
mkdir -p "$pkg" "$PREFIX/bin"
cp -R "$top/executive/aisexec" "$pkg/aisexec"
find "$pkg/aisexec" -name __pycache__ -prune -exec rm -rf {} +
# the IPC definitions the executive reads at start (one definition, shipped with it)
cp "$top/libsa/ipc_wire.h" "$top/libsa/ipc.h" "$pkg/aisexec/"
for cmd in aisexec:aisexec.main ais-keygen:aisexec.keygen; do
    name=${cmd%%:*}
    module=${cmd#*:}
    cat > "$PREFIX/bin/$name" <<EOS
#!$PYTHON
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "lib", "aisexec", "python"))
from $module import main

sys.exit(main())
EOS
    chmod 755 "$PREFIX/bin/$name"
done
