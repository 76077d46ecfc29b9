#!/bin/sh
# rootless.sh — a rootless container (user namespace): an ordinary user runs
# `unshare --user --map-root-user --net --pid --mount --fork node app.js`
# (its own /tmp too), and vitals, run as that same user, attaches: it enters
# the container's user namespace first, then its network namespace
# (collectors/netns.c).  Needs root to switch users (setpriv); skipped when
# the kernel forbids unprivileged user namespaces.  Checks:
#  - attached as the owner; heap/GC/lag agree with the app's own; 9229 closed;
#  - a network namespace the user does not own (made by root, the app run as
#    the user inside): one message naming the missing capability, and no
#    inspector opened (SIGUSR1 is not sent when vitals could not get in).
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
need setpriv
ns_can || { echo "SKIP: needs root (to run as another user) and unshare/nsenter/ip"; exit 77; }
U=65534	# nobody: a user with no capability anywhere
AS_USER="setpriv --reuid=$U --regid=$U --clear-groups"
$AS_USER unshare --user --map-root-user --net --pid --mount --fork true 2>/dev/null ||
	{ echo "SKIP: the kernel forbids unprivileged user namespaces (user.max_user_namespaces, or an LSM)"; exit 77; }
lock_inspector
WORK=$(mktemp -d "$VITALS_BUILDDIR/rootless-test.XXXXXX")
chown "$U:$U" "$WORK"
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM
# vitals as the user, with a socket dir, config and output dir of its own
vitals_as_user() {
	(cd "$WORK" && $AS_USER env HOME="$WORK" VITALS_SOCK_DIR="$WORK/sock" XDG_CONFIG_HOME="$WORK/cfg" \
		"$VITALS" "$@")
}
# child_of PID — the one child of PID
child_of() { wait_for 10 grep -q . "/proc/$1/task/$1/children" && tr -d ' ' < "/proc/$1/task/$1/children"; }

# --- the rootless container ------------------------------------------------------
REPORT_FILE=$WORK/report $AS_USER unshare --user --map-root-user --net --pid --mount --mount-proc --fork \
	sh -c "$NS_TMP_SH"'
	ip link set lo up && exec "$@"' sh "$NODE" "$FIXTURES/ns_app.js" 2>"$WORK/app.err" &
_pids="$_pids $!"
P=$(child_of $!) || fail "the rootless container did not start"
_ns_pids="$_ns_pids $P"
wait_for 20 test -s "$WORK/report" || fail "the app did not start: $(cat "$WORK/app.err")"
[ "$(stat -c %u "/proc/$P")" = $U ] || fail "the app does not run as uid $U"
[ "$(readlink /proc/$P/ns/user)" != "$(readlink /proc/self/ns/user)" ] || fail "the app shares our user namespace"

vitals_as_user --json --attach --duration 5 -i 0.5 "$P" > "$WORK/out" 2>"$WORK/err"
grep '"event":"probe_attached"' "$WORK/out" | grep -q "\"pid\":$P," ||
	fail "attach as the owner of the rootless container: $(cat "$WORK/err"; grep '"t":"process"' "$WORK/out")"
"$NODE" "$FIXTURES/ns_compare.js" "$WORK/out" "$WORK/report" || fail "vitals disagrees with the app's own heap/GC/lag"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the container"
pass "rootless container: attached as its owner (uid $U), heap/GC/lag agree, 9229 closed"

# --- a network namespace the user does not own -----------------------------------
unshare --net --fork sh -c 'ip link set lo up && exec "$@"' sh $AS_USER "$NODE" "$FIXTURES/idle.js" "$WORK/idle.pid" \
	2>"$WORK/app2.err" &
_pids="$_pids $!"
P2=$(child_of $!) || fail "the second app did not start"
_ns_pids="$_ns_pids $P2"
wait_for 20 test -s "$WORK/idle.pid" || fail "the second app did not start: $(cat "$WORK/app2.err")"
vitals_as_user --json --attach --duration 2 "$P2" > "$WORK/out2" 2>"$WORK/err2"
grep '"event":"attach_failed"' "$WORK/out2" | grep -q 'permission denied entering the network namespace of PID '"$P2"': that needs CAP_SYS_ADMIN' ||
	fail "no clear refusal: $(cat "$WORK/err2"; grep '"t":"process"' "$WORK/out2")"
grep -q "Debugger listening" "$WORK/app2.err" && fail "an inspector was opened though vitals could not get in: $(cat "$WORK/app2.err")"
nsenter -t "$P2" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 in the second namespace"
pass "a namespace the user cannot enter: $(sed -n 's/.*"detail":"\([^"]*\)".*/\1/p' "$WORK/out2" | head -1)"
