#!/bin/sh
# bundle.sh — the one-file vitals (`make bundle`, bundle/) runs where nothing
# is installed: copied alone into an empty directory and run there under
# chroot (a mount namespace of its own with only /proc, /dev and a tmpfs
# /tmp mounted in: no /usr, no /lib, no /etc, no terminfo).  Root only, else
# skipped.  Checks, inside that root:
#  - --version;
#  - --json --attach to node running as in a container (ns_start): attached,
#    heap/GC/lag agree with the app's own, 9229 closed afterwards;
#  - --prometheus serves the app's heap (libmicrohttpd and gnutls travel too);
#  - the dashboard draws in tmux (terminfo and ncurses from the bundle);
#  - chrooted in the app's own mount namespace: the probe reached through
#    /proc/PID/root all the same (another root is another file system view);
# and, on the host, that a copy cut short or damaged says so in one line.
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/netns.sh"
. "${VITALS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
need "$NODE"
need ss
need curl
need tmux
need chroot
ns_can || { echo "SKIP: needs root and unshare/nsenter/ip for namespaces and chroot"; exit 77; }
# a sanitizer build's vitals wants its suppressions file and reports from
# the host's paths: the bundle is for release builds
ldd "$VITALS" | grep -q libasan && { echo "SKIP: a sanitizer build (the bundle is for release builds)"; exit 77; }
B=$VITALS_BUILDDIR/vitals-bundle
${MAKE:-make} -s -C "$VITALS_BUILDDIR" vitals-bundle >/dev/null || fail "make vitals-bundle failed"
[ -x "$B" ] || fail "no $B (make bundle)"
lock_inspector
WORK=$(mktemp -d "$VITALS_BUILDDIR/bundle-test.XXXXXX")
trap 'cleanup; rm -rf "$WORK"' EXIT INT TERM
echo "vitals-bundle: $(stat -c %s "$B") bytes"

R=$WORK/root
mkdir -p "$R/proc" "$R/dev" "$R/tmp"
cp "$B" "$R/vitals"
[ "$(ls "$R" | tr '\n' ' ')" = "dev proc tmp vitals " ] || fail "the root holds more than the bundle: $(ls "$R")"
# inroot CMD... — run CMD chrooted into $R, in a mount namespace of its own;
# none of the test's directories exist there
cat > "$WORK/inroot.sh" <<EOS
#!/bin/sh
exec unshare -m sh -c 'mount --bind /proc "\$0/proc" && mount --rbind /dev "\$0/dev" &&
	mount -t tmpfs -o mode=1777 tmpfs "\$0/tmp" &&
	exec env -u VITALS_SOCK_DIR -u XDG_CONFIG_HOME -u XDG_RUNTIME_DIR -u TMPDIR chroot "\$0" "\$@"' "$R" "\$@"
EOS
chmod +x "$WORK/inroot.sh"
INROOT=$WORK/inroot.sh

v=$("$INROOT" /vitals --version 2>&1)
[ "$v" = "$("$VITALS" --version)" ] || fail "--version in the empty root: $v"
pass "--version in an empty root: $v"

REPORT_FILE=$WORK/report ns_start "$NODE" "$FIXTURES/ns_app.js" || fail "ns_start failed"
P=$NS_PID
wait_for 20 test -s "$WORK/report" || fail "namespaced app did not start"
"$INROOT" /vitals --json --attach --duration 5 -i 0.5 "$P" > "$WORK/out" 2>"$WORK/err"
grep '"event":"probe_attached"' "$WORK/out" | grep -q "\"pid\":$P," ||
	fail "attach from the empty root: $(cat "$WORK/err"; grep '"t":"process"' "$WORK/out")"
"$NODE" "$FIXTURES/ns_compare.js" "$WORK/out" "$WORK/report" || fail "vitals disagrees with the app's own heap/GC/lag"
nsenter -t "$P" -n ss -Hltn "sport = :9229" | grep -q . && fail "an inspector listens on 9229 inside the app's namespace"
pass "--json --attach from the empty root: attached, heap/GC/lag agree, 9229 closed"

"$INROOT" /vitals --no-tui --prometheus 127.0.0.1:0 --duration 8 -i 0.5 "$P" 2>"$WORK/prom.err" &
_pids="$_pids $!"
wait_for 10 grep -q "metrics on http://" "$WORK/prom.err" || fail "--prometheus in the empty root: $(cat "$WORK/prom.err")"
url=$(sed -n 's|.*metrics on \(http://[^ ]*/metrics\).*|\1|p' "$WORK/prom.err")
wait_for 6 sh -c "curl -sf '$url' | grep -q '^nodejs_heap_size_used_bytes{'" ||
	fail "no heap metric at $url: $(curl -s "$url" | head -5)"
pass "--prometheus from the empty root serves the app's heap"

tmux_start 120 30 "TERM=xterm-256color $INROOT /vitals $P 2>&1; sleep 20"
tmux_wait_text 10 "CONTAINER" || fail "no dashboard in the empty root: $(tmux_screen)"
tmux_screen | grep " $P " | grep -q "ns:pid,net,mnt" || fail "the app's row: $(tmux_screen)"
pass "the dashboard draws from the empty root (the bundle's terminfo)"

# one mount namespace, two roots: the app outside the chroot, vitals inside;
# the probe's socket is in the app's /tmp, reached through /proc/PID/root
unshare -m sh -c "$NS_TMP_SH"'
	R=$1 W=$2 NODE=$3 APP=$4
	mount --bind /proc "$R/proc" && mount --rbind /dev "$R/dev" && mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || exit 1
	"$NODE" "$APP" "$W/same.pid" 2>/dev/null &
	i=0; while [ ! -s "$W/same.pid" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	env -u VITALS_SOCK_DIR -u XDG_CONFIG_HOME -u XDG_RUNTIME_DIR -u TMPDIR \
		chroot "$R" /vitals --json --attach --duration 3 -i 0.5 "$(cat "$W/same.pid")" > "$W/out4" 2>"$W/err4"
	kill $!' sh "$R" "$WORK" "$NODE" "$FIXTURES/idle.js"
grep '"event":"probe_attached"' "$WORK/out4" | grep -q '"container":"ns:root"' ||
	fail "attach from a chroot in the app's mount namespace: $(cat "$WORK/err4"; grep '"t":"process"' "$WORK/out4")"
grep -q '"t":"sample".*"heap_used":[1-9]' "$WORK/out4" || fail "no heap samples through /proc/PID/root from the chroot"
pass "from a chroot sharing the app's mount namespace: attached through /proc/PID/root (ns:root)"

head -c -4096 "$B" > "$WORK/bad" && chmod +x "$WORK/bad"
"$WORK/bad" --version > "$WORK/bad.out" 2>&1 && fail "a damaged bundle ran"
[ "$(wc -l < "$WORK/bad.out")" = 1 ] && grep -q "^vitals: " "$WORK/bad.out" ||
	fail "a damaged bundle's message: $(cat "$WORK/bad.out")"
pass "a copy cut short: $(cat "$WORK/bad.out")"
# one byte of the payload changed: the crc says so before anything is unpacked
cp "$B" "$WORK/bad2"
printf 'X' | dd of="$WORK/bad2" bs=1 seek=$(( $(stat -c %s "$B") - 5000 )) conv=notrunc 2>/dev/null
"$WORK/bad2" --version > "$WORK/bad.out" 2>&1 && fail "a damaged bundle ran"
[ "$(wc -l < "$WORK/bad.out")" = 1 ] && grep -q "^vitals: .*damaged" "$WORK/bad.out" ||
	fail "a damaged bundle's message: $(cat "$WORK/bad.out")"
pass "a damaged copy: $(cat "$WORK/bad.out")"
