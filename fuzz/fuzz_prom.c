/* fuzz_prom — the Prometheus exposition (export/prom_exposition) over
 * process names, command lines, heap space names and handle types made of
 * any bytes: what a process or a probe can put there.  The input is split at
 * NUL bytes into those strings for up to three processes (two of them
 * probed).  Checks, beyond "no crash": in both formats every line is a
 * comment (# HELP, # TYPE, # EOF) or `name{labels} value`, label values are
 * valid UTF-8 with only \\, \" and \n escapes, and nothing is left open. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/model.h"
#include "export/prom_exposition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n || (len == 2 && c < 0xc2))
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* One sample line: name{k="v",...} value */
static void check_sample(const char *l, size_t n)
{
	size_t i = 0;
	while (i < n && (l[i] == '_' || l[i] == ':' || (l[i] >= 'a' && l[i] <= 'z') || (l[i] >= 'A' && l[i] <= 'Z') ||
			 (i > 0 && l[i] >= '0' && l[i] <= '9')))
		i++;
	if (i == 0 || i >= n || l[i] != '{')
		abort();
	i++;
	while (i < n && l[i] != '}') {
		size_t k = i;
		while (i < n && (l[i] == '_' || (l[i] >= 'a' && l[i] <= 'z')))
			i++;
		if (i == k || i + 1 >= n || l[i] != '=' || l[i + 1] != '"')
			abort();
		i += 2;
		while (i < n && l[i] != '"') {
			if (l[i] == '\\') {
				if (i + 1 >= n || (l[i + 1] != '\\' && l[i + 1] != '"' && l[i + 1] != 'n'))
					abort();
				i += 2;
				continue;
			}
			if ((unsigned char)l[i] < 0x20)
				abort();
			size_t u = utf8_len((const unsigned char *)l + i, n - i);
			if (!u)
				abort();
			i += u;
		}
		if (i >= n)
			abort();
		i++;	/* closing quote */
		if (i < n && l[i] == ',')
			i++;
	}
	if (i + 2 > n || l[i] != '}' || l[i + 1] != ' ')
		abort();
	char *end;
	strtod(l + i + 2, &end);
	if (end == l + i + 2 || (size_t)(end - l) != n)
		abort();
}

static void check(const char *s, size_t len, bool om)
{
	if (strlen(s) != len)
		abort();
	const char *l = s;
	while (*l) {
		const char *nl = strchr(l, '\n');
		if (!nl)
			abort();	/* every line ends */
		size_t n = (size_t)(nl - l);
		if (l[0] == '#') {
			if (strncmp(l, "# HELP ", 7) != 0 && strncmp(l, "# TYPE ", 7) != 0 && strncmp(l, "# EOF", 5) != 0)
				abort();
		} else {
			check_sample(l, n);
		}
		l = nl + 1;
	}
	if (om && (len < 6 || strcmp(s + len - 6, "# EOF\n") != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* strings: NUL-separated pieces of the input (a copy that ends in NUL) */
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	const char *str[16];
	size_t ns = 0;
	for (size_t i = 0; i <= size && ns < 16;) {
		str[ns++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	while (ns < 16)
		str[ns++] = "";
	model m;
	model_init(&m, NULL);
	for (int k = 0; k < 3; k++) {
		vproc *p = model_add(&m, 100 + k, (uint64_t)k);
		snprintf(p->name, sizeof p->name, "%s", str[5 * k]);
		if (*str[5 * k + 1])
			p->cmdline = strdup(str[5 * k + 1]);
		p->rss_bytes = 1e6 * (k + 1);
		if (k == 2)
			continue;
		vnode *n = model_node(&m, p);
		n->samples = 1;
		n->heap_used = 1234;
		snprintf(n->node_version, sizeof n->node_version, "%s", str[5 * k + 2]);
		heap_space *sp = model_space(&m, n, str[5 * k + 3]);
		if (sp)
			sp->used = 42;
		handle_count *h = model_handle(&m, n, str[5 * k + 4]);
		if (h)
			h->count = 3;
		gc_event ev = { .t_ms = 1, .dur_ms = (float)(size % 7000), .kind = (uint8_t)(size & 0x1f) };
		model_gc_push(n, &ev);
	}
	prom_exposition *e = prom_exposition_new();
	for (int om = 0; om < 2; om++) {
		size_t len = 0;
		char *s = prom_exposition_render(e, &m, NULL, om, &len);
		check(s, len, om);
		free(s);
	}
	prom_exposition_free(e);
	model_free(&m);
	free(buf);
	return 0;
}
