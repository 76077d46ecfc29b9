/* prom_server — serves /metrics (export/prom_exposition) over HTTP with
 * libmicrohttpd, inside vitals' one libuv loop.
 *
 * libmicrohttpd runs in its "external epoll" mode: the loop polls its epoll
 * descriptor and a timer for its timeouts, and every request is answered on
 * the loop thread, so a scrape reads the model as it is between two ticks
 * (no lock, no second thread).  A response is gzip-compressed when the
 * scraper accepts it (Prometheus does).  GET or HEAD /metrics only; / says
 * where the metrics are; anything else is 404.  At most 16 connections, idle
 * ones closed after 10 s.
 */
#ifndef VITALS_PROM_SERVER_H
#define VITALS_PROM_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/alerts.h"
#include "base/model.h"

typedef struct prom_server prom_server;

/* What one scrape cost, for the status line and bench/. */
typedef struct prom_stats {
	uint64_t scrapes;
	size_t last_bytes;	/* body of the last scrape, before compression */
	size_t last_sent;	/* as sent (compressed or not) */
	double last_render_ms;	/* building the text (+ compressing it) */
} prom_stats;

/* Listen on bind ("[HOST:]PORT", host 127.0.0.1 when absent; IPv6 as
 * [::1]:PORT; port 0 = any free port).  m and al are read at each scrape and
 * must outlive the server (al may be NULL).  NULL with a one-line reason in
 * err on a bad address or a failed bind. */
prom_server *prom_server_new(uv_loop_t *loop, const model *m, const alerts *al, const char *bind,
			     char *err, size_t errlen);
/* Stop listening and close every connection; frees the server once libuv
 * has closed its handles (run the loop afterwards). */
void prom_server_close(prom_server *s);
/* "127.0.0.1:9464": where it listens (the real port when 0 was asked). */
const char *prom_server_address(const prom_server *s);
prom_stats prom_server_stats(const prom_server *s);

/* Split "[HOST:]PORT" into host (default 127.0.0.1) and port.  0, or -1 with
 * err set.  (Exposed for tests.) */
int prom_server_parse_bind(const char *bind, char *host, size_t hostlen, int *port, char *err, size_t errlen);

#endif
