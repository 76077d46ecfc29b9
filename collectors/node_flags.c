/* node_flags — parse Node's inspector options; see node_flags.h.
 *
 * Data: none kept; a node_flags is filled in place, later options winning as
 * they do in node.  Options end where node's own do: at the script name, at
 * -e/-p and at "--"; the value of an option that takes one (model's table,
 * model_node_opt_takes_value) is skipped so that `-r --inspect` is a file.
 */
#include "collectors/node_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/model.h"
#include "base/xalloc.h"

void node_flags_init(node_flags *f)
{
	memset(f, 0, sizeof *f);
	f->port = -1;
}

/* "[host:]port", "[v6]:port", "host" */
static void flags_hostport(node_flags *f, const char *v)
{
	const char *port = NULL;
	char host[64] = "";
	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (!end)
			return;
		snprintf(host, sizeof host, "%.*s", (int)(end - v - 1), v + 1);
		if (end[1] == ':')
			port = end + 2;
	} else if (strchr(v, ':')) {
		const char *colon = strrchr(v, ':');
		snprintf(host, sizeof host, "%.*s", (int)(colon - v), v);
		port = colon + 1;
	} else if (*v && strspn(v, "0123456789") == strlen(v)) {
		port = v;
	} else {
		snprintf(host, sizeof host, "%s", v);
	}
	if (host[0])
		snprintf(f->host, sizeof f->host, "%s", host);
	if (port && *port && strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5) {
		long p = strtol(port, NULL, 10);
		if (p <= 65535)
			f->port = (int)p;
	}
}

/* One option; returns true when it takes the next argument as its value
 * (only for the inspector-port spellings, whose value we want). */
static bool flags_option(node_flags *f, const char *arg, const char *next)
{
	static const struct { const char *name; bool opens; } opts[] = {
		{ "--inspect", true }, { "--inspect-brk", true }, { "--inspect-wait", true },
		{ "--inspect-brk-node", true }, { "--inspect-port", false }, { "--debug-port", false },
	};
	if (strcmp(arg, "--disable-sigusr1") == 0) {
		f->no_sigusr1 = true;
		return false;
	}
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
		size_t n = strlen(opts[i].name);
		if (strncmp(arg, opts[i].name, n) != 0 || (arg[n] != 0 && arg[n] != '='))
			continue;
		if (opts[i].opens)
			f->inspect = true;
		if (arg[n] == '=') {
			flags_hostport(f, arg + n + 1);
		} else if (!opts[i].opens && next) {
			flags_hostport(f, next);
			return true;
		}
		return false;
	}
	return false;
}

void node_flags_cmdline(node_flags *f, const char *buf, size_t len)
{
	/* argv[0] first, then node's own options up to the script or -e/-p/-- */
	const char *end = buf + len, *p = buf;
	if (p < end)
		p += strnlen(p, (size_t)(end - p)) + 1;
	while (p < end) {
		size_t n = strnlen(p, (size_t)(end - p));
		if (p + n == end)	/* unterminated: ignore the fragment */
			break;
		const char *next = p + n + 1 < end ? p + n + 1 : NULL;
		if (next && strnlen(next, (size_t)(end - next)) == (size_t)(end - next))
			next = NULL;
		if (p[0] != '-' || strcmp(p, "--") == 0 || strcmp(p, "-") == 0)
			break;
		if (strcmp(p, "-e") == 0 || strcmp(p, "--eval") == 0 || strcmp(p, "-p") == 0 ||
		    strcmp(p, "--print") == 0)
			break;
		bool consumed = flags_option(f, p, next);
		p += n + 1;
		if ((consumed || model_node_opt_takes_value(p - n - 1)) && next)
			p = next + strlen(next) + 1;
	}
}

void node_flags_node_options(node_flags *f, const char *s)
{
	/* Tokenise like node's ParseNodeOptionsEnvVar: blanks separate, "…"
	 * groups, \ escapes inside quotes. */
	char **tok = NULL;
	size_t ntok = 0, slen = strlen(s);
	char *cur = xmalloc(slen + 1);
	size_t cl = 0;
	bool in_tok = false, quoted = false;
	for (size_t i = 0; i <= slen; i++) {
		char c = s[i];
		if (c == 0 || (!quoted && (c == ' ' || c == '\t' || c == '\n'))) {
			if (in_tok) {
				cur[cl] = 0;
				tok = xrealloc(tok, (ntok + 1) * sizeof *tok);
				tok[ntok++] = xstrdup(cur);
			}
			in_tok = false;
			cl = 0;
			continue;
		}
		in_tok = true;
		if (c == '"') {
			quoted = !quoted;
		} else if (quoted && c == '\\' && s[i + 1]) {
			cur[cl++] = s[++i];
		} else {
			cur[cl++] = c;
		}
	}
	for (size_t i = 0; i < ntok; i++) {
		if (flags_option(f, tok[i], i + 1 < ntok ? tok[i + 1] : NULL) || model_node_opt_takes_value(tok[i]))
			i++;	/* skip the option's value */
	}
	for (size_t i = 0; i < ntok; i++)
		free(tok[i]);
	free(tok);
	free(cur);
}
