# tests/netns.sh — source it first, before tests/lib.sh: as root, the test
# runs again in a network namespace of its own (loopback up), so the port
# 9229 it attaches through is its own: `make check` and distcheck pass while
# another process holds 9229 on the machine, and attach tests run at once.
# Elsewhere (not root, no unshare) the test runs as it is and lock_inspector
# makes attach tests take turns.
if [ -z "${VITALS_IN_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	command -v ip >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	VITALS_IN_NETNS=1 exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' /bin/sh "$0" "$@"
fi
