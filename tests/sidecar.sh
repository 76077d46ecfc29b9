#!/bin/sh
# sidecar.sh — vitals as a sidecar (`kubectl debug --target` style): it runs
# in the target's PID namespace but in a mount namespace of its own, with its
# own /tmp and /proc (tests/lib.sh NS_TMP_SH), so the target's probe socket
# is reachable only through /proc/PID/root.  The app (tests/fixtures/ns_app.js)
# runs as in a container (ns_start: its own PID, network and mount namespaces
# and /tmp).  Root only, else skipped.  Checks:
#  - `vitals --json --attach` with no PID, started via `nsenter -t PID -p` +
#    `unshare -m`: it finds the app (PID 1 there), attaches, and its heap,
#    GC and lag agree with what the app measures itself;
#  - the probe's socket is in the *app's* /tmp, and nothing listens on 9229
#    inside the app's network namespace afterwards;
#  - the same with the network namespace shared too (a pod's containers
#    share one): vitals connects without entering it;
#  - an app of another uid and a sidecar root without CAP_SYS_PTRACE (no
#    /proc/PID/root, no /proc/PID/fd links): one message saying so, and no
#    inspector opened (SIGUSR1 would open one vitals could not find).
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
ns_can || { echo "SKIP: needs root and unshare/nsenter/ip for PID, network and mount namespaces"; exit 77; }
lock_inspector
WORK=$(mktemp -d "$VITALS_BUILDDIR/sidecar-test.XXXXXX")
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM

# sidecar NSENTER_FLAGS VITALS_ARGS... — vitals in the app's namespaces named
# by the flags (-p, -n), in a mount namespace, /proc and /tmp of its own
sidecar() {
	_f=$1; shift
	# shellcheck disable=SC2086
	nsenter -t "$P" $_f -- unshare -m --mount-proc sh -c "$NS_TMP_SH"'
		export VITALS_SOCK_DIR=/tmp/sidecar-sock XDG_CONFIG_HOME=/tmp/sidecar-config
		unset XDG_RUNTIME_DIR
		exec ${SIDECAR_WRAP:-} "$@"' sh "$VITALS" "$@"
}

REPORT_FILE=$WORK/report ns_start "$NODE" "$FIXTURES/ns_app.js" || fail "ns_start failed"
P=$NS_PID
wait_for 20 test -s "$WORK/report" || fail "namespaced app did not start"

sidecar -p --json --attach --duration 5 -i 0.5 > "$WORK/out" 2>"$WORK/err"
grep '"event":"found"' "$WORK/out" | grep '"pid":1,' | grep -q ns_app.js ||
	fail "the sidecar does not see the app as PID 1: $(cat "$WORK/err"; grep '"found"' "$WORK/out")"
grep '"event":"probe_attached"' "$WORK/out" | grep -q '"pid":1,' ||
	fail "the sidecar did not attach: $(cat "$WORK/err"; grep '"t":"process"' "$WORK/out")"
grep '"event":"found"' "$WORK/out" | grep -q '"container":"ns:net,mnt"' ||
	fail "container field: $(grep '"found"' "$WORK/out")"
"$NODE" "$FIXTURES/ns_compare.js" "$WORK/out" "$WORK/report" || fail "vitals disagrees with the app's own heap/GC/lag"
# the probe put its socket in the app's /tmp (as the app names itself: PID 1)
test -S "/proc/$P/root/tmp/vitals-0/1.sock" || fail "no probe socket in the app's /tmp: $(ls -la "/proc/$P/root/tmp/vitals-0" 2>&1)"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the app's namespace"
pass "sidecar (own mount namespace and /tmp, the app's PID namespace): found, attached, heap/GC/lag agree, 9229 closed"

# --- a pod: the network namespace is shared too --------------------------------
ns_stop
REPORT_FILE=$WORK/report2 ns_start "$NODE" "$FIXTURES/ns_app.js" || fail "ns_start failed"
P=$NS_PID
wait_for 20 test -s "$WORK/report2" || fail "second namespaced app did not start"
sidecar "-p -n" --json --attach --duration 3 -i 0.5 > "$WORK/out2" 2>"$WORK/err2"
grep '"event":"probe_attached"' "$WORK/out2" | grep '"pid":1,' | grep -q '"container":"ns:mnt"' ||
	fail "sidecar sharing the network namespace: $(cat "$WORK/err2"; grep '"t":"process"' "$WORK/out2")"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the pod's namespace"
pass "sidecar sharing the PID and network namespaces (a pod): attached, 9229 closed"

# --- root without CAP_SYS_PTRACE, an app of another uid -------------------------
ns_stop
U=65534
mkdir "$WORK/u" && chown "$U" "$WORK/u" && chmod 711 "$WORK"
ns_start setpriv --reuid=$U --regid=$U --clear-groups "$NODE" "$FIXTURES/idle.js" "$WORK/u/pid" 2>"$WORK/app3.err" ||
	fail "ns_start failed"
P=$NS_PID
wait_for 20 test -s "$WORK/u/pid" || fail "third app did not start: $(cat "$WORK/app3.err")"
SIDECAR_WRAP="setpriv --bounding-set=-sys_ptrace --inh-caps=-sys_ptrace" \
	sidecar "-p -n" --json --attach --duration 2 1 > "$WORK/out3" 2>"$WORK/err3"
grep '"event":"attach_failed"' "$WORK/out3" | grep -q "no access to PID 1's sockets and files (/proc/1/root: Permission denied): run vitals as its user (uid $U) or with CAP_SYS_PTRACE" ||
	fail "no clear refusal without CAP_SYS_PTRACE: $(cat "$WORK/err3"; grep '"t":"process"' "$WORK/out3")"
grep -q "Debugger listening" "$WORK/app3.err" && fail "an inspector was opened though vitals could not reach it"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the app's namespace"
pass "sidecar without CAP_SYS_PTRACE, app of uid $U: refused before SIGUSR1, in one line"
