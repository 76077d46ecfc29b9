#!/bin/sh
# remote.sh — vitals --remote HOST against a real sshd on a loopback port
# (started here with throwaway keys; skipped where sshd cannot run, e.g. not
# root): the remote `vitals record -o -` of a probed node app shows up in the
# dashboard as HOST:name with its heap, q stops the remote recorder too, and
# a host that cannot be reached is one status line, not a garbled screen.
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
