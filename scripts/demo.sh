#!/bin/sh
# make demo: start an executive on conf/openais.conf (on a socket and run directory of
# its own), print the cluster membership with abi_tests/clm_demo.c through libSaClm,
# stop the executive.
set -eu
PYTHON=${PYTHON:-python3}
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/aisexec-demo.XXXXXX)
sock="@aisexec-demo-$$"
conf="$work/openais.conf"
# the example configuration, with a socket and run directory of the demo's own
sed -e "s|^aisexec {|aisexec {\n\tipc_socket: $sock\n\trun_dir: $work/run|" \
    "$top/conf/openais.conf" > "$conf"
PYTHONPATH="$top/executive" "$PYTHON" -m aisexec.main -f -c "$conf" > "$work/aisexec.log" 2>&1 &
pid=$!
cleanup() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
i=0
until AIS_IPC_SOCKET="$sock" "$top/$BUILD/abi_tests/clm_demo" >"$work/out" 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "demo: the executive did not come up:" >&2
        cat "$work/aisexec.log" "$work/out" >&2
        exit 1
    fi
    sleep 0.1
done
echo "== executive log =="
cat "$work/aisexec.log"
echo "== cluster membership through libSaClm =="
cat "$work/out"
