/* prom_server — /metrics over libmicrohttpd on the libuv loop; see
 * prom_server.h.
 *
 * Data: the daemon (which owns the listening socket we bound, and every
 * connection), a uv_poll on its epoll descriptor, a uv_timer for the timeout
 * it asks for, and the exposition state (app/worker labels).  Invariant:
 * after every MHD_run the timer is armed with MHD_get_timeout's answer, so a
 * connection MHD left ready without a new epoll event is still served (it
 * answers 0 then).  The server is freed when both handles have closed.
 * libmicrohttpd is reached through export/mhd_lib (dlopen on first use).
 */
#include "export/prom_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "base/xalloc.h"
#include "export/mhd_lib.h"
#include "export/prom_exposition.h"

#define MAX_CONNECTIONS 16
#define IDLE_TIMEOUT_S 10

struct prom_server {
	const mhd_lib *mhd;	/* libmicrohttpd, loaded by the first server */
	uv_loop_t *loop;
	const model *m;
	const alerts *al;
	struct MHD_Daemon *d;
	uv_poll_t poll;		/* on MHD's epoll fd; poll.data == this */
	uv_timer_t timer;	/* timer.data == this */
	int open_handles;
	prom_exposition *ex;
	prom_stats st;
	char addr[80];
};

int prom_server_parse_bind(const char *bind, char *host, size_t hostlen, int *port, char *err, size_t errlen)
{
	const char *ps = bind;
	host[0] = 0;
	if (bind[0] == '[') {
		const char *end = strchr(bind, ']');
		if (!end || end[1] != ':') {
			snprintf(err, errlen, "'%s': expected [IPv6]:PORT", bind);
			return -1;
		}
		snprintf(host, hostlen, "%.*s", (int)(end - bind - 1), bind + 1);
		ps = end + 2;
	} else if (strchr(bind, ':')) {
		const char *colon = strrchr(bind, ':');
		if (strchr(bind, ':') != colon) {
			snprintf(err, errlen, "'%s': put an IPv6 address in brackets, [::1]:PORT", bind);
			return -1;
		}
		if (colon == bind) {
			snprintf(err, errlen, "'%s': give a host before ':' (0.0.0.0 for every interface)", bind);
			return -1;
		}
		snprintf(host, hostlen, "%.*s", (int)(colon - bind), bind);
		ps = colon + 1;
	}
	if (!host[0])
		snprintf(host, hostlen, "127.0.0.1");
	char *end;
	errno = 0;
	long p = strtol(ps, &end, 10);
	if (!*ps || *end || errno || p < 0 || p > 65535 || ps[0] == '-' || ps[0] == '+') {
		snprintf(err, errlen, "'%s': the port must be a number from 0 to 65535", bind);
		return -1;
	}
	*port = (int)p;
	return 0;
}

/* Bind and listen on host:port; the fd (non-blocking), or -1 with err set. */
static int listen_on(const char *host, int port, bool *v6, char *addr, size_t addrlen, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	char ports[8];
	snprintf(ports, sizeof ports, "%d", port);
	int rc = getaddrinfo(host, ports, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", host, gai_strerror(rc));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (res->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	}
	if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char ip[INET6_ADDRSTRLEN] = "?";
	int bound = port;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		/* scan-build: getsockname returned 0, so it filled ss */
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
			bound = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
			bound = ntohs(s4->sin_port);
		}
	}
	snprintf(addr, addrlen, *v6 ? "[%s]:%d" : "%s:%d", ip, bound);
	return fd;
}

/* gzip text (level 1: a scrape every few seconds must stay cheap; the
 * exposition's repetition compresses ~10x even so).  NULL if it fails. */
static char *gzip_text(const char *text, size_t len, size_t *outlen)
{
	z_stream z = { 0 };
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, len);
	char *out = xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

static enum MHD_Result reply_text(const mhd_lib *mhd, struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response *r = mhd->create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
								 MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd->add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result rc = mhd->queue_response(c, code, r);
	mhd->destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	prom_server *s = cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(s->mhd, c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/") == 0)
		return reply_text(s->mhd, c, MHD_HTTP_OK, "vitals: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(s->mhd, c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");

	uint64_t t0 = uv_hrtime();
	const char *accept = s->mhd->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *enc = s->mhd->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool om = prom_exposition_wants_openmetrics(accept);
	size_t len = 0, sent;
	char *body = prom_exposition_render(s->ex, s->m, s->al, om, &len);
	char *gz = enc && strstr(enc, "gzip") ? gzip_text(body, len, &sent) : NULL;
	if (gz) {
		free(body);
	} else {
		sent = len;
	}
	s->st.scrapes++;
	s->st.last_bytes = len;
	s->st.last_sent = sent;
	s->st.last_render_ms = (double)(uv_hrtime() - t0) / 1e6;
	struct MHD_Response *r = s->mhd->create_response_from_buffer_with_free_callback(sent, gz ? gz : body, free);
	if (!r) {
		free(gz ? gz : body);
		return MHD_NO;
	}
	s->mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, prom_exposition_type(om));
	if (gz)
		s->mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	s->mhd->add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	enum MHD_Result rc = s->mhd->queue_response(c, MHD_HTTP_OK, r);
	s->mhd->destroy_response(r);
	return rc;
}

static void on_timer(uv_timer_t *t);

/* Let MHD do what is ready, then wait for what it waits for. */
static void server_run(prom_server *s)
{
	s->mhd->run(s->d);
	MHD_UNSIGNED_LONG_LONG to;
	if (s->mhd->get_timeout(s->d, &to) == MHD_YES)
		uv_timer_start(&s->timer, on_timer, to, 0);
	else
		uv_timer_stop(&s->timer);
}

static void on_timer(uv_timer_t *t)
{
	server_run(t->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	server_run(h->data);
}

prom_server *prom_server_new(uv_loop_t *loop, const model *m, const alerts *al, const char *bind,
			     char *err, size_t errlen)
{
	char host[256];
	int port;
	bool v6 = false;
	if (prom_server_parse_bind(bind, host, sizeof host, &port, err, errlen) < 0)
		return NULL;
	const mhd_lib *mhd = mhd_lib_get(err, errlen);
	if (!mhd)
		return NULL;
	prom_server *s = xcalloc(1, sizeof *s);
	s->mhd = mhd;
	int fd = listen_on(host, port, &v6, s->addr, sizeof s->addr, err, errlen);
	if (fd < 0) {
		free(s);
		return NULL;
	}
	s->loop = loop;
	s->m = m;
	s->al = al;
	s->d = s->mhd->start_daemon(MHD_USE_EPOLL | (v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, on_request, s,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_END);
	const union MHD_DaemonInfo *info = s->d ? s->mhd->get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!info) {
		snprintf(err, errlen, "cannot start the HTTP server on %s", s->addr);
		if (s->d)
			s->mhd->stop_daemon(s->d);
		else
			close(fd);
		free(s);
		return NULL;
	}
	s->ex = prom_exposition_new();
	uv_poll_init(loop, &s->poll, info->epoll_fd);
	uv_timer_init(loop, &s->timer);
	s->poll.data = s->timer.data = s;
	s->open_handles = 2;
	uv_poll_start(&s->poll, UV_READABLE, on_poll);
	return s;
}

static void handle_closed(uv_handle_t *h)
{
	prom_server *s = h->data;
	if (--s->open_handles == 0) {
		prom_exposition_free(s->ex);
		free(s);
	}
}

void prom_server_close(prom_server *s)
{
	if (!s)
		return;
	uv_poll_stop(&s->poll);
	uv_close((uv_handle_t *)&s->poll, handle_closed);
	uv_close((uv_handle_t *)&s->timer, handle_closed);
	s->mhd->stop_daemon(s->d);	/* closes the epoll fd: the poll is stopped already */
	s->d = NULL;
}

const char *prom_server_address(const prom_server *s)
{
	return s->addr;
}

prom_stats prom_server_stats(const prom_server *s)
{
	return s->st;
}
