#!/bin/sh
# The real pm2 (tests/apps, from npm) in cluster mode, with a PM2_HOME of its
# own: its daemon and its apps are one group, named as pm2 names them ("pm2",
# "web#0"...).  In tmux: the folded group's RSS and heap are the sums of its
# members', `a` on it attaches every member, and one that `pm2 scale` adds
# later too.  In JSON: --attach of the daemon attaches the apps, a scaled-up
# one as well, and every sample names the group and the app.
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need node
need tmux
need pgrep
PM2_CLI=$VITALS_SRCDIR/tests/apps/node_modules/pm2/bin/pm2
[ -f "$PM2_CLI" ] || { echo "SKIP: pm2 not installed in tests/apps (scripts/install-deps)"; exit 77; }
lock_inspector
tmp=$(mktemp -d)
PM2_HOME=$tmp/pm2
export PM2_HOME
pm2() { node "$PM2_CLI" "$@" >>"$tmp/pm2.log" 2>&1; }
# pm2 kill, always: its daemon outlives this script otherwise (and a SIGKILL
# of the PID it wrote, should pm2 itself not manage).
pm2_stop() {
	[ -f "$PM2_HOME/pm2.pid" ] || return 0
	_god=$(cat "$PM2_HOME/pm2.pid")
	timeout 20 node "$PM2_CLI" kill >>"$tmp/pm2.log" 2>&1
	kill -KILL "$_god" 2>/dev/null
	rm -f "$PM2_HOME/pm2.pid"
}
# On a failure, what pm2 itself logged: its daemon has been seen exiting on
# its own, apps and all, seconds after `pm2 start` (CI, twice).
pm2_fail() {
	fail "$*
pm2 daemon log: $(tail -15 "$PM2_HOME/pm2.log" 2>/dev/null)
pm2 cli log: $(tail -8 "$tmp/pm2.log" 2>/dev/null)"
}
trap 'pm2_stop; cleanup; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# pm2_up: a fresh daemon running the app web in cluster mode, 2 instances;
# god = the daemon's PID.
# Each daemon gets a PM2_HOME of its own: a late `pm2 kill` or the old
# daemon's RPC sockets must not reach the new one.
pm2_n=0
pm2_up() {
	pm2_stop
	pm2_n=$((pm2_n + 1))
	PM2_HOME=$tmp/pm2.$pm2_n
	pm2 start "$FIXTURES/pm2_app.js" -i 2 --name web || pm2_fail "pm2 start: $(tail -5 "$tmp/pm2.log")"
	god=$(cat "$PM2_HOME/pm2.pid")
	wait_for 20 sh -c "[ \$(pgrep -P $god -f pm2_app.js | wc -l) -ge 2 ]" || pm2_fail "pm2 did not start 2 instances"
}
# The daemon's apps: its children running the app (it also runs short-lived
# helpers, such as git for its version metadata, which are no app of ours).
pm2_apps() { pgrep -P "$god" -f pm2_app.js | tr '\n' ' '; }
# rss_heap LINE: the RSS and heap used of a table row in MiB ("57.1M ... 6.87M/4.05G")
rss_heap() {
	echo "$1" | awk '
		function mib(s,  u, v) { u = substr(s, length(s)); v = substr(s, 1, length(s) - 1) + 0
			return u == "G" ? v * 1024 : u == "M" ? v : u == "K" ? v / 1024 : v / 1048576 }
		{ for (i = 1; i < NF; i++) if ($i ~ /%$/) { split($(i + 3), h, "/"); print mib($(i + 1)), mib(h[1]); exit } }'
}

# The dashboard, not attaching: `a` on the folded group does.
pm2_up
tmux_start 200 30 "cd $tmp && TERM=xterm-256color $VITALS -p $god; sleep 60"
tmux_wait_text 15 "web#1" || pm2_fail "pm2's apps not named as pm2 names them: $(tmux_screen | head -6)"
tmux_screen | grep " $god " | grep -q " pm2 " || pm2_fail "pm2's daemon not named pm2: $(tmux_screen | head -6)"
tmux_keys F5
tmux_wait_text 5 "└─ web#" || pm2_fail "no tree under the daemon: $(tmux_screen | head -6)"
tmux_keys Home -
wait_for 15 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -Eq 'pm2 \+([2-9]|[1-9][0-9]) '" ||
	pm2_fail "the group did not fold: $(tmux_screen | head -6)"
tmux_keys a
tmux_wait_text 45 "3 attached" || { tmux_keys +; sleep 1; pm2_fail "a on the group did not attach its 3 members: $(tmux_screen)
listening: $(ss -ltnp 2>/dev/null | grep 9229)"; }
tmux_keys +
pm2 scale web 3 || pm2_fail "pm2 scale: $(tail -5 "$tmp/pm2.log")"
tmux_wait_text 20 "web#2" || pm2_fail "the app pm2 scaled up is not on screen: $(tmux_screen | head -7)"
tmux_wait_text 45 "4 attached" || pm2_fail "the member that came later was not attached: $(tmux_screen | head -7)"
# The sums, paused so that every row shows the same moment: fmt_bytes keeps 3
# digits, so the total may differ from the sum of the rounded members by its
# own rounding (0.5 %) and theirs (0.05 M each).
tmux_keys ' '
tmux_wait_text 5 "PAUSED" || pm2_fail "no pause"
sleep 0.5
sum=$(tmux_screen | grep -E " (pm2|[├└]─ web#[0-9]) " | while read -r l; do rss_heap "$l"; done |
	awk '{ r += $1; h += $2; n++ } END { print n, r, h }')
[ "${sum%% *}" = 4 ] || pm2_fail "not 4 rows in the group: $(tmux_screen | head -7)"
tmux_keys Home -
# +3 live members, or more when a short-lived helper of pm2's exited meanwhile
# (its row is folded in too; the totals are the live members')
wait_for 5 sh -c "tmux -L '$_tmux_sock' capture-pane -p -t t | grep -Eq 'pm2 \+([3-9]|[1-9][0-9]) '" ||
	pm2_fail "the group of 4 did not fold: $(tmux_screen | head -5)"
tot=$(rss_heap "$(tmux_screen | grep -E "pm2 \+[0-9]+ ")")
echo "$sum $tot" | awk '{ for (i = 0; i < 2; i++) { s = $(2 + i); t = $(4 + i)
	d = s - t; if (d < 0) d = -d; if (d > 0.006 * t + 0.25) exit 1 } }' ||
	pm2_fail "folded totals (RSS, heap MiB: $tot) are not the sums of the members ($sum)"
pass "tmux: pm2 and web#0..2 in one group, folded totals = sums (members: $sum; total: $tot); a on the group attached the member scaled up later"
tmux_keys q

# JSON: --attach of the daemon attaches its apps, and a member added later.
pm2_up
apps=$(pm2_apps)
start_bg sh -c "exec '$VITALS' --json --attach --interval 0.5 --duration 90 $god > '$tmp/j.json'"
attached() { grep '"t":"sample"' "$tmp/j.json" | grep "\"pid\":$1," | grep -q "\"probe\":\"attached\""; }
for p in $god $apps; do
	wait_for 40 attached "$p" || pm2_fail "--attach of pm2's daemon: $p not attached: $(grep "\"pid\":$p," "$tmp/j.json" | grep -v '"t":"sample"' | cut -c1-400)
every event: $(grep -v '"t":"sample"' "$tmp/j.json" | cut -c1-300)
listening: $(ss -ltnp 2>/dev/null | grep 9229)"
done
pm2 scale web 3 || pm2_fail "pm2 scale: $(tail -5 "$tmp/pm2.log")"
wait_for 20 sh -c "[ \$(pgrep -P $god -f pm2_app.js | wc -l) -ge 3 ]" || pm2_fail "pm2 did not scale up"
new=$(pgrep -P "$god" -f pm2_app.js | grep -vxF "$(echo "$apps" | tr ' ' '\n')" | head -1)
wait_for 40 attached "$new" || pm2_fail "the app pm2 scaled up ($new) was not attached"
for p in $god $apps $new; do
	grep '"t":"sample"' "$tmp/j.json" | grep "\"pid\":$p," | tail -1 | grep -q "\"group\":$god," ||
		pm2_fail "$p not in the group of pm2 ($god): $(grep "\"pid\":$p," "$tmp/j.json" | tail -1 | cut -c1-200)"
done
grep "\"pid\":$god," "$tmp/j.json" | grep -q '"app":"pm2"' || pm2_fail "the daemon's samples lack app pm2"
grep "\"pid\":$new," "$tmp/j.json" | grep -q '"app":"web#2"' || pm2_fail "the new app's samples lack app web#2"
pass "JSON: --attach $god attached pm2 and its apps, web#2 (scaled up later) too, all in group $god"
