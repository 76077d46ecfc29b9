#!/bin/sh
# remote.sh — vitals --remote HOST against a real sshd on a loopback port
# (started here with throwaway keys; skipped where sshd cannot run, e.g. not
# root): the remote `vitals record -o -` of a probed node app shows up in the
# dashboard as HOST:name with its heap, q stops the remote recorder too, and
# a host that cannot be reached is one status line, not a garbled screen.
# Two hosts (ssh aliases of the one sshd, each recording its own app): a
# HOST column with plain names, `/` filters by host, and --json says "host".
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need tmux
need ssh
need ssh-keygen
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "SKIP: sshd not installed (openssh-server)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: sshd needs root here (privilege separation)"; exit 77; }
T=$VITALS_SOCK_DIR
PROBE="$VITALS_SRCDIR/probe/vitals-probe.js"

ssh-keygen -q -t ed25519 -N '' -f "$T/host_key" || fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -f "$T/id" || fail "ssh-keygen"
cp "$T/id.pub" "$T/authorized_keys"
port=$((20000 + $$ % 20000))
cat >"$T/sshd_config" <<EOF2
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
EOF2
mkdir -p /run/sshd
start_bg "$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log"
SSH="ssh -p $port -i $T/id -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
wait_for 10 $SSH 127.0.0.1 true || { echo "SKIP: sshd did not start: $(tail -3 "$T/sshd.log")"; exit 77; }

start_bg "$NODE" -r "$PROBE" "$VITALS_SRCDIR/demo/leaky.js"
app=$!
wait_for 10 test -S "$VITALS_SOCK_DIR/$app.sock" || fail "probe socket did not appear"

# the host is $1 of the command, never pasted into it
export VITALS_REMOTE_COMMAND="exec $SSH -- \"\$1\" VITALS_SOCK_DIR=$VITALS_SOCK_DIR $VITALS record -o - $app"
tmux_start 140 40 "TERM=xterm-256color $VITALS --remote 127.0.0.1; echo EXIT=\$?; sleep 60"
tmux_wait_text 20 "127.0.0.1:leaky.js" || fail "remote process not shown: $(tmux_screen | head -5)"
tmux_screen | grep "127.0.0.1:leaky.js" | grep -q " $app " || fail "pid: $(tmux_screen | head -5)"
wait_for 10 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep '127.0.0.1:leaky.js' | grep -q '[0-9.]*[KM]/[0-9.]*G'" ||
	fail "no heap from the remote probe: $(tmux_screen | head -5)"
pass "remote process with its heap, over ssh"
tmux_keys a
tmux_wait_text 5 "read-only" || fail "attach on a remote process not refused: $(tmux_screen | tail -2)"
tmux_keys q
tmux_wait_text 10 "EXIT=0" || fail "q: $(tmux_screen | tail -2)"
wait_for 10 sh -c "! pgrep -f '$VITALS [r]ecord -o - $app' >/dev/null" || fail "the remote recorder was left running"
pass "q ends the remote recorder"
tmux -L "$_tmux_sock" kill-server

# --- two hosts: web1 runs leaky.js, web2 healthy.js (aliases of 127.0.0.1) ---
start_bg "$NODE" -r "$PROBE" "$VITALS_SRCDIR/demo/healthy.js"
app2=$!
wait_for 10 test -S "$VITALS_SOCK_DIR/$app2.sock" || fail "probe socket of the second app did not appear"
echo "$app" >"$T/pid-web1"
echo "$app2" >"$T/pid-web2"
export VITALS_REMOTE_COMMAND="exec $SSH -o HostName=127.0.0.1 -- \"\$1\" VITALS_SOCK_DIR=$VITALS_SOCK_DIR $VITALS record -o - \$(cat '$T/pid-'\"\$1\")"
tmux_start 140 40 "TERM=xterm-256color $VITALS --remote web1 --remote web2; echo EXIT=\$?; sleep 60"
tmux_wait_text 20 "healthy.js" || fail "web2's process not shown: $(tmux_screen | head -6)"
tmux_wait_text 20 "leaky.js" || fail "web1's process not shown: $(tmux_screen | head -6)"
tmux_screen | grep -Eq '^ *HOST +[^ ]*PID +NAME' || fail "no HOST column: $(tmux_screen | head -4)"
tmux_screen | grep -Eq "^ *web1 +$app +leaky\.js " || fail "web1's row: $(tmux_screen | grep leaky)"
tmux_screen | grep -Eq "^ *web2 +$app2 +healthy\.js " || fail "web2's row: $(tmux_screen | grep healthy)"
! tmux_screen | grep -E '^ *web[12] ' | grep -q "web[12]:" || fail "HOST:name beside a HOST column: $(tmux_screen | head -6)"
tmux_keys / w e b 2 Enter
tmux_wait_text 5 'filter "web2"' || fail "no filter: $(tmux_screen | head -2)"
wait_for 5 sh -c "! tmux -L '$_tmux_sock' capture-pane -p -t t | grep -q leaky.js" || fail "/web2 still shows web1's row"
tmux_screen | grep -Eq "^ *web2 +$app2 +healthy\.js " || fail "/web2 hid web2's row: $(tmux_screen | head -6)"
tmux_keys Escape
tmux_wait_text 5 "leaky.js" || fail "Esc did not clear the filter"
tmux_keys q
tmux_wait_text 10 "EXIT=0" || fail "q with two hosts: $(tmux_screen | tail -2)"
pass "two hosts: a HOST column, plain names, /web2 filters by host"
tmux -L "$_tmux_sock" kill-server

# (the run is long enough for two ssh sessions to start on a loaded machine)
lf=$(load_factor)
timeout $((40 * lf)) "$VITALS" --json --remote web1 --remote web2 --duration $((6 * lf)) >"$T/hosts.json" 2>"$T/hosts.err" ||
	fail "--json --remote: exit $?: $(cat "$T/hosts.err")"
for h in "web1 $app" "web2 $app2"; do
	set -- $h
	grep -q "\"t\":\"process\",\"ts\":[0-9]*,\"pid\":$2,\"host\":\"$1\",\"event\":\"found\"" "$T/hosts.json" ||
		fail "no found line of $2 on $1: $(head -3 "$T/hosts.json")"
	grep "\"t\":\"sample\"" "$T/hosts.json" | grep "\"pid\":$2,\"host\":\"$1\"" | grep -q '"heap_used":' ||
		fail "no sample with the heap of $2 on $1: $(grep '"sample"' "$T/hosts.json" | head -2)"
done
! grep '"t":"sample"' "$T/hosts.json" | grep -v '"host":"web[12]"' | grep -q . || fail "a sample without its host"
wait_for 10 sh -c "! pgrep -f '$VITALS [r]ecord -o - ' >/dev/null" || fail "--json --duration left a remote recorder running"
pass "--json --remote: $(grep -c '"t":"sample"' "$T/hosts.json") sample lines, each with its host"

# an unreachable host: one status line saying why
export VITALS_REMOTE_COMMAND="exec ssh -p 1 -o BatchMode=yes -o ConnectTimeout=5 -- \"\$1\" vitals record -o -"
tmux_start 140 40 "TERM=xterm-256color $VITALS --remote 127.0.0.1; echo EXIT=\$?; sleep 60"
tmux_wait_text 15 "the remote command ended (exit 255)" || fail "no message for an unreachable host: $(tmux_screen | tail -3)"
tmux_screen | grep -q "127.0.0.1: the remote command ended (exit 255): ssh: connect to host 127.0.0.1 port 1" ||
	fail "message: $(tmux_screen | tail -3)"
msg=$(tmux_screen | grep 'remote command ended' | sed 's/^ *//')
tmux_keys q
tmux_wait_text 10 "EXIT=0" || fail "q: $(tmux_screen | tail -2)"
pass "unreachable host: $msg"
