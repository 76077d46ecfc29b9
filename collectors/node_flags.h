/* node_flags — the inspector options of a Node process, read from its
 * command line and its NODE_OPTIONS: whether it opened an inspector at start
 * (--inspect, --inspect-brk, --inspect-wait), on which host and port, and
 * whether SIGUSR1 may open one (--disable-sigusr1).  Pure parsers of outside
 * input (another user's command line): unit-tested and fuzzed
 * (fuzz/fuzz_inspector.c).
 */
#ifndef VITALS_NODE_FLAGS_H
#define VITALS_NODE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

/* Inspector flags found in a command line or NODE_OPTIONS. */
typedef struct node_flags {
	bool inspect;		/* --inspect, --inspect-brk or --inspect-wait: open from the start */
	bool no_sigusr1;	/* --disable-sigusr1 */
	int port;		/* from --inspect[=..] / --inspect-port; -1 = default 9229, 0 = random */
	char host[64];		/* "" = default 127.0.0.1 */
} node_flags;

void node_flags_init(node_flags *f);
/* Scan a /proc/PID/cmdline (NUL-separated; options stop at the script name). */
void node_flags_cmdline(node_flags *f, const char *buf, size_t len);
/* Scan a NODE_OPTIONS value (blank-separated, "double quotes" and \ escapes). */
void node_flags_node_options(node_flags *f, const char *s);

#endif
