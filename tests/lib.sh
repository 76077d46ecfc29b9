# tests/lib.sh — shared helpers for the shell integration tests.
# Source it: . "$VITALS_SRCDIR/tests/lib.sh".  Exit 77 = skipped (automake).
set -u
: "${VITALS_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${VITALS_BUILDDIR:=$(pwd)}"
: "${NODE:=node}"
VITALS="$VITALS_BUILDDIR/vitals"
FIXTURES="$VITALS_SRCDIR/tests/fixtures"
# Every test gets its own socket directory so parallel tests never meet.
VITALS_SOCK_DIR=$(mktemp -d /tmp/vitals-test.XXXXXX)
chmod 700 "$VITALS_SOCK_DIR"
export VITALS_SOCK_DIR
# ... and its own empty config home: the user's settings never change a
# test, and settings saved by the dashboard (htop-style) stay in the test.
XDG_CONFIG_HOME=$VITALS_SOCK_DIR/config
export XDG_CONFIG_HOME
_pids=""
_ns_pids=""	# PID 1 of namespaces (ns_start): only SIGKILL reaches them from here
_tmux_sock=""
cleanup() {
	for p in $_ns_pids; do kill -KILL "$p" 2>/dev/null; done
	for p in $_pids; do kill "$p" 2>/dev/null; done
	[ -n "$_tmux_sock" ] && tmux -L "$_tmux_sock" kill-server 2>/dev/null
	rm -rf "$VITALS_SOCK_DIR"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $1 not installed"; exit 77; }; }

# start_bg CMD... — start in the background, remember the PID in $!
start_bg() { "$@" & _pids="$_pids $!"; }

# load_factor — how many times longer than on a quiet machine a bound on
# "it happens" should be: the run queue per core over 2, from 1 to 4.  At
# load 50 on 2 cores a key's effect took over 5 s to reach the screen; a bound
# that only ends a wait costs nothing while the test passes.
load_factor() {
	awk -v n="$(nproc)" '{ f = $1 / (2 * n); if (f < 1) f = 1; if (f > 4) f = 4; printf "%d\n", f + 0.5 }' /proc/loadavg 2>/dev/null || echo 1
}

# wait_for SECONDS CMD... — poll until CMD succeeds (SECONDS × load_factor)
wait_for() {
	_t=$(( $1 * $(load_factor) )); shift
	_end=$(( $(date +%s) + _t ))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

# tmux_start COLS ROWS CMD — run CMD in a private tmux server
# A fresh server (socket) per session: a server killed just before may still
# be going away, and a new one on its socket can die with it under load.
_tmux_n=0
tmux_start() {
	[ -n "$_tmux_sock" ] && tmux -L "$_tmux_sock" kill-server 2>/dev/null
	_tmux_n=$((_tmux_n + 1))
	_tmux_sock="vt$$-$_tmux_n"
	_c=$1; _r=$2; shift 2
	tmux -L "$_tmux_sock" -f /dev/null new-session -d -s t -x "$_c" -y "$_r" "$*"
}
tmux_keys() { tmux -L "$_tmux_sock" send-keys -t t "$@"; }
tmux_screen() { tmux -L "$_tmux_sock" capture-pane -p -t t; }
# tmux_wait_text SECONDS TEXT — until TEXT is on screen
tmux_wait_text() {
	_t=$1; shift
	wait_for "$_t" sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -qF -- \"\$1\"" _ "$1"
}

# lock_inspector — hold the machine-wide test lock on port 9229 until this
# test exits: attaching uses the one inspector port, so attach tests (and
# benches) take turns even when run from different build trees at once.
lock_inspector() {
	[ -n "${VITALS_IN_NETNS:-}" ] && return 0	# a network namespace of its own (netns.sh)
	exec 9>/tmp/vitals-test-9229.lock
	flock -w 180 9 || fail "could not get the inspector port lock in 180 s"
}

# NS_TMP_SH — shell text that mounts a tmpfs of its own over /tmp (in a mount
# namespace of the caller's: root only).  It would hide the source and build
# trees when they live under /tmp (a CI clone may): they are bound back from
# descriptors opened before the tmpfs covers them (-c: mount must not
# canonicalise /proc/self/fd/N back into a path under the new /tmp).
NS_TMP_SH='
	exec 3<"${VITALS_SRCDIR:-/}" 4<"${VITALS_BUILDDIR:-/}"
	mount -t tmpfs -o mode=1777 tmpfs /tmp || exit 1
	for fd_dir in "3:${VITALS_SRCDIR:-}" "4:${VITALS_BUILDDIR:-}"; do
		fd=${fd_dir%%:*} d=${fd_dir#*:}
		case "$d" in /tmp/*)
			mkdir -p "$d" && mount -c --bind "/proc/self/fd/$fd" "$d" || exit 1 ;;
		esac
	done
	exec 3<&- 4<&-
'
export VITALS_SRCDIR VITALS_BUILDDIR
# ns_start CMD... — run CMD as in a container: fresh PID, network and mount
# namespaces (root only), its own tmpfs /tmp, loopback up.  NS_PID is CMD's
# PID as the host sees it (1 inside).  As the init of its namespace it gets
# no signal from here that it does not handle, but SIGKILL, and unshare(1)
# ignores SIGTERM while it waits: ns_stop and cleanup SIGKILL NS_PID.
ns_start() {
	unshare --fork --kill-child --pid --net --mount --mount-proc sh -c "$NS_TMP_SH"'
		ip link set lo up && exec "$@"' sh "$@" &
	NS_UNSHARE=$!; _pids="$_pids $NS_UNSHARE"
	NS_PID=
	wait_for 10 grep -q . "/proc/$NS_UNSHARE/task/$NS_UNSHARE/children" || return 1
	NS_PID=$(tr -d ' ' < "/proc/$NS_UNSHARE/task/$NS_UNSHARE/children")
	_ns_pids="$_ns_pids $NS_PID"
}
# ns_stop — end the namespace of the last ns_start
ns_stop() { kill -KILL "$NS_PID" 2>/dev/null; wait "$NS_UNSHARE" 2>/dev/null; }
# ns_can — whether ns_start can work here (root, unshare, nsenter, ip)
ns_can() {
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 &&
		command -v ip >/dev/null 2>&1 && unshare --pid --net --mount --fork true 2>/dev/null
}
