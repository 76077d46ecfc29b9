/* cdp — one inspector client: HTTP /json/list, WebSocket, Runtime.evaluate;
 * see cdp.h.
 *
 * Data: a cdp owns at most one TCP connection (`conn`) at a time — first for
 * GET /json/list, then a fresh one for the WebSocket (Node's inspector answers
 * one request per HTTP connection) — a read buffer, and the wslay context.
 * Phases: LISTING → HANDSHAKE → OPEN → ENDING (cdp_end: close frame and
 * our FIN sent, waiting for the inspector's EOF).
 *
 * Invariants:
 *  - A conn is freed only in its close callback; when the cdp lets go of it
 *    first, conn->live is cleared so late libuv callbacks do nothing.
 *  - The cdp is freed when it was closed (by cdp_close, or by a failure
 *    reported through ops->fail) and no conn is left open.
 *  - Callbacks run from the read/connect callbacks, never from inside wslay
 *    (a callback may cdp_close): after each one, `closed` is checked before
 *    anything else is touched.
 */
#include "collectors/cdp.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <nettle/version.h>
#include <wslay/wslay.h>

#include "collectors/netns.h"
#include "base/xalloc.h"

#define HTTP_BODY_MAX (1 << 20)
#define WS_MSG_MAX (4 << 20)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum phase { PH_LISTING, PH_HANDSHAKE, PH_OPEN, PH_ENDING };

typedef struct conn {
	uv_tcp_t tcp;
	uv_connect_t creq;
	uv_shutdown_t sreq;	/* cdp_end's; cancelled by the close, before conn_closed */
	cdp *owner;		/* always: counts in owner->nconns until closed */
	bool live;		/* false once the cdp no longer wants it */
	char rd[65536];
} conn;

struct cdp {
	uv_loop_t *loop;
	const cdp_ops *ops;
	void *ud;
	bool closed;
	int nconns;		/* conns not yet through their close callback */
	int pid;
	struct sockaddr_storage addr;
	int port;
	enum phase phase;
	conn *cn;

	char *rbuf;		/* bytes read and not consumed yet */
	size_t rlen, rcap, roff;
	char ws_path[256];
	char ws_key[32];
	wslay_event_context_ptr ws;
	int next_id, want_id;
	bool got_reply, reply_err;
	char *reply_value;	/* JSON text of result.result.value */
	char reply_msg[200];
};

long cdp_http_head(const char *buf, size_t len, int *status, long *content_length,
			 char *accept, size_t acceptlen)
{
	const size_t max = 16384;
	*status = 0;
	*content_length = -1;
	if (accept && acceptlen)
		accept[0] = 0;
	const char *end = memmem(buf, len < max ? len : max, "\r\n\r\n", 4);
	if (!end)
		return len >= max ? -1 : 0;
	size_t hlen = (size_t)(end - buf) + 4;
	if (hlen < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	if (!isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]))
		return -1;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	const char *p = memchr(buf, '\n', hlen);
	while (p && p + 1 < end) {
		p++;
		const char *eol = memchr(p, '\r', (size_t)(end + 2 - p));
		if (!eol)
			break;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (colon) {
			size_t nl = (size_t)(colon - p);
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(eol - v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			if (nl == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
				if (vl == 0 || vl > 9 || strspn(v, "0123456789") < vl)
					return -1;
				*content_length = 0;
				for (size_t i = 0; i < vl; i++)
					*content_length = *content_length * 10 + (v[i] - '0');
			} else if (accept && nl == 20 && strncasecmp(p, "Sec-WebSocket-Accept", 20) == 0) {
				snprintf(accept, acceptlen, "%.*s", (int)vl, v);
			}
		}
		p = eol + 1;
	}
	return (long)hlen;
}

int cdp_ws_path(const char *body, size_t len, char *path, size_t n, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "inspector sent bad JSON in /json/list: %s", je.text);
		return -1;
	}
	int rc = -1;
	snprintf(err, errlen, "inspector lists no debuggable target");
	if (json_is_array(root)) {
		size_t i;
		json_t *t;
		json_array_foreach(root, i, t) {
			const char *url = json_string_value(json_object_get(t, "webSocketDebuggerUrl"));
			if (!url || strncmp(url, "ws://", 5) != 0)
				continue;
			const char *slash = strchr(url + 5, '/');
			if (!slash || strlen(slash) >= n || strlen(slash) > 200 ||
			    strpbrk(slash, " \r\n\t")) {
				snprintf(err, errlen, "inspector sent an unusable webSocketDebuggerUrl");
				continue;
			}
			snprintf(path, n, "%s", slash);
			rc = 0;
			break;
		}
	}
	json_decref(root);
	return rc;
}

void cdp_ws_accept(const char *key, char out[29])
{
	struct sha1_ctx ctx;
	uint8_t digest[SHA1_DIGEST_SIZE];
	sha1_init(&ctx);
	sha1_update(&ctx, strlen(key), (const uint8_t *)key);
	sha1_update(&ctx, strlen(WS_GUID), (const uint8_t *)WS_GUID);
#if NETTLE_VERSION_MAJOR >= 4
	sha1_digest(&ctx, digest);
#else
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
#endif
	base64_encode_raw(out, SHA1_DIGEST_SIZE, digest);
	out[BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE)] = 0;
}

int cdp_reply_parse(const char *msg, size_t len, int want_id, char **value, char *err,
			size_t errlen)
{
	if (value)
		*value = NULL;
	json_error_t je;
	json_t *root = json_loadb(msg, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "inspector sent bad JSON: %s", je.text);
		return -1;
	}
	json_t *id = json_object_get(root, "id");
	if (!json_is_integer(id) || json_integer_value(id) != want_id) {
		json_decref(root);
		return 0;
	}
	int rc = 1;
	json_t *e = json_object_get(root, "error");
	json_t *res = json_object_get(root, "result");
	json_t *exc = json_object_get(res, "exceptionDetails");
	if (e) {
		const char *m = json_string_value(json_object_get(e, "message"));
		snprintf(err, errlen, "inspector error: %s", m ? m : "(no message)");
		rc = -1;
	} else if (exc) {
		json_t *ex = json_object_get(exc, "exception");
		const char *d = json_string_value(json_object_get(ex, "description"));
		if (!d)
			d = json_string_value(json_object_get(exc, "text"));
		char line[160];
		snprintf(line, sizeof line, "%s", d ? d : "exception");
		line[strcspn(line, "\r\n")] = 0;	/* first line of a stack */
		snprintf(err, errlen, "threw: %s", line);
		rc = -1;
	} else if (!json_is_object(res)) {
		snprintf(err, errlen, "inspector reply without a result");
		rc = -1;
	} else if (value) {
		json_t *v = json_object_get(json_object_get(res, "result"), "value");
		if (v)
			*value = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	}
	json_decref(root);
	return rc;
}

/* ---------- connections ---------- */

typedef struct wreq {
	uv_write_t req;
	char data[];
} wreq;

static void on_listing_bytes(cdp *c);
static void on_handshake_bytes(cdp *c);
static void on_ws_bytes(cdp *c);
static int cdp_connect(cdp *c, char *err, size_t errlen);

static void write_cb(uv_write_t *req, int status)
{
	(void)status;
	free(req);	/* wreq starts with req */
}

static void cdp_free_if_done(cdp *c)
{
	if (!c->closed || c->nconns > 0)
		return;
	if (c->ws)
		wslay_event_context_free(c->ws);
	free(c->rbuf);
	free(c->reply_value);
	free(c);
}

static void conn_closed(uv_handle_t *h)
{
	conn *cn = h->data;
	cdp *c = cn->owner;
	free(cn);
	c->nconns--;
	cdp_free_if_done(c);
}

/* Let go of the connection (and the WebSocket riding on it). */
static void cdp_drop_conn(cdp *c)
{
	if (c->ws) {
		wslay_event_context_free(c->ws);
		c->ws = NULL;
	}
	if (c->cn) {
		c->cn->live = false;
		uv_close((uv_handle_t *)&c->cn->tcp, conn_closed);
		c->cn = NULL;
	}
	c->rlen = c->roff = 0;
}

void cdp_close(cdp *c)
{
	if (!c || c->closed)
		return;
	c->closed = true;
	cdp_drop_conn(c);
	cdp_free_if_done(c);
}

/* Report a failure and close: the owner hears nothing more. */
static void cdp_fail(cdp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cdp_fail(cdp *c, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const cdp_ops *ops = c->ops;
	void *ud = c->ud;
	bool listing = c->phase == PH_LISTING;
	cdp_close(c);	/* frees nothing yet: the conn's close is pending or done */
	ops->fail(ud, listing, msg);
}

static int conn_write(cdp *c, const void *data, size_t len)
{
	if (!c->cn)
		return -1;
	wreq *w = xmalloc(sizeof *w + len);
	memcpy(w->data, data, len);
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	int r = uv_write(&w->req, (uv_stream_t *)&c->cn->tcp, &b, 1, write_cb);
	if (r < 0)
		free(w);
	return r;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)hint;
	conn *cn = h->data;
	*buf = uv_buf_init(cn->rd, sizeof cn->rd);
}

static int rbuf_append(cdp *c, const char *data, size_t n)
{
	if (c->roff && c->roff == c->rlen)
		c->roff = c->rlen = 0;
	if (c->rlen + n > c->rcap) {
		size_t cap = c->rcap ? c->rcap : 65536;
		while (cap < c->rlen + n)
			cap *= 2;
		if (cap > HTTP_BODY_MAX + WS_MSG_MAX)
			return -1;
		c->rbuf = xrealloc(c->rbuf, cap);
		c->rcap = cap;
	}
	memcpy(c->rbuf + c->rlen, data, n);
	c->rlen += n;
	return 0;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	conn *cn = s->data;
	cdp *c = cn->owner;
	if (!cn->live || nread == 0)
		return;
	if (nread < 0 && c->phase == PH_ENDING) {
		/* EOF (or a reset) after our close: the session is over */
		const cdp_ops *ops = c->ops;
		void *ud = c->ud;
		cdp_close(c);
		ops->ended(ud);
		return;
	}
	if (nread < 0) {
		const char *why = nread == UV_EOF ? "closed the connection" : uv_strerror((int)nread);
		if (c->phase == PH_LISTING)
			cdp_fail(c, "port %d of PID %d %s instead of answering", c->port, c->pid, why);
		else
			cdp_fail(c, "inspector of PID %d %s", c->pid, why);
		return;
	}
	if (rbuf_append(c, buf->base, (size_t)nread) < 0) {
		cdp_fail(c, "inspector of PID %d sent too much data", c->pid);
		return;
	}
	if (c->phase == PH_LISTING)
		on_listing_bytes(c);
	else if (c->phase == PH_HANDSHAKE)
		on_handshake_bytes(c);
	else if (c->phase == PH_OPEN)
		on_ws_bytes(c);
	else
		c->rlen = c->roff = 0;	/* ending: the close frame's echo, late events */
}

static void connect_cb(uv_connect_t *req, int status)
{
	conn *cn = req->data;
	cdp *c = cn->owner;
	if (!cn->live)
		return;
	if (status < 0) {
		cdp_fail(c, "cannot connect to the inspector of PID %d on port %d: %s", c->pid, c->port,
			 uv_strerror(status));
		return;
	}
	uv_tcp_nodelay(&cn->tcp, 1);	/* else ~40 ms per round trip (Nagle + delayed ACK) */
	int r = uv_read_start((uv_stream_t *)&cn->tcp, alloc_cb, read_cb);
	char req_text[512], host[80];
	if (c->addr.ss_family == AF_INET6)
		snprintf(host, sizeof host, "[::1]:%d", c->port);
	else
		snprintf(host, sizeof host, "127.0.0.1:%d", c->port);
	if (c->phase == PH_LISTING) {
		snprintf(req_text, sizeof req_text,
			 "GET /json/list HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\n\r\n", host);
	} else {
		snprintf(req_text, sizeof req_text,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
			 c->ws_path, host, c->ws_key);
	}
	if (r < 0 || conn_write(c, req_text, strlen(req_text)) < 0)
		cdp_fail(c, "cannot talk to the inspector of PID %d", c->pid);
}

/* Open a new TCP connection for the current phase, from a socket made in
 * the target's network namespace.  0 or -1 with err. */
static int cdp_connect(cdp *c, char *err, size_t errlen)
{
	int fd = netns_socket(c->pid, c->addr.ss_family, err, errlen);
	if (fd < 0)
		return -1;
	conn *cn = xcalloc(1, sizeof *cn);
	cn->owner = c;
	cn->live = true;
	uv_tcp_init(c->loop, &cn->tcp);
	cn->tcp.data = cn;
	cn->creq.data = cn;
	c->nconns++;
	c->cn = cn;
	c->rlen = c->roff = 0;
	int r = uv_tcp_open(&cn->tcp, fd);
	if (r < 0)
		close(fd);
	else
		r = uv_tcp_connect(&cn->creq, &cn->tcp, (struct sockaddr *)&c->addr, connect_cb);
	if (r < 0) {
		snprintf(err, errlen, "cannot connect to the inspector of PID %d: %s", c->pid,
			 uv_strerror(r));
		cdp_drop_conn(c);
		return -1;
	}
	return 0;
}

/* ---------- phases ---------- */

static void on_listing_bytes(cdp *c)
{
	int status;
	long clen;
	char msg[256];
	long h = cdp_http_head(c->rbuf, c->rlen, &status, &clen, NULL, 0);
	if (h == 0)
		return;
	if (h < 0 || status != 200 || clen < 0 || clen > HTTP_BODY_MAX) {
		cdp_fail(c, "port %d of PID %d is not a Node inspector (HTTP %d)", c->port, c->pid,
			 status);
		return;
	}
	if (c->rlen < (size_t)h + (size_t)clen)
		return;	/* the connection stays open: wait for exactly clen bytes */
	if (cdp_ws_path(c->rbuf + h, (size_t)clen, c->ws_path, sizeof c->ws_path, msg,
			sizeof msg) < 0) {
		cdp_fail(c, "PID %d port %d: %s", c->pid, c->port, msg);
		return;
	}
	cdp_drop_conn(c);
	uint8_t raw[16];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		cdp_fail(c, "getrandom failed");
		return;
	}
	base64_encode_raw(c->ws_key, sizeof raw, raw);
	c->ws_key[BASE64_ENCODE_RAW_LENGTH(sizeof raw)] = 0;
	c->phase = PH_HANDSHAKE;
	if (cdp_connect(c, msg, sizeof msg) < 0)
		cdp_fail(c, "%s", msg);
}

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *ud)
{
	(void)flags;
	cdp *c = ud;
	size_t avail = c->rlen - c->roff;
	if (avail == 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = avail < len ? avail : len;
	memcpy(buf, c->rbuf + c->roff, n);
	c->roff += n;
	return (ssize_t)n;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
			  void *ud)
{
	(void)flags;
	cdp *c = ud;
	if (conn_write(c, data, len) < 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
	(void)ctx;
	(void)ud;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Inside wslay: only note the reply; it is delivered after recv returns. */
static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		      void *ud)
{
	(void)ctx;
	cdp *c = ud;
	if (arg->opcode != WSLAY_TEXT_FRAME || c->got_reply || !c->want_id)
		return;
	char *value = NULL;
	int r = cdp_reply_parse((const char *)arg->msg, arg->msg_length, c->want_id, &value,
				c->reply_msg, sizeof c->reply_msg);
	if (r == 0)
		return;
	c->got_reply = true;
	c->reply_err = r < 0;
	free(c->reply_value);
	c->reply_value = value;
}

/* The client side of the WebSocket: wslay with the callbacks above. */
static int ws_init(cdp *c)
{
	static const struct wslay_event_callbacks cbs = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.genmask_callback = ws_genmask_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};
	if (wslay_event_context_client_init(&c->ws, &cbs, c) != 0) {
		c->ws = NULL;
		return -1;
	}
	wslay_event_config_set_max_recv_msg_length(c->ws, WS_MSG_MAX);
	return 0;
}

int cdp_ws_replay(const uint8_t *frames, size_t len, size_t chunk, int want_id, char **value, char *msg,
		  size_t msglen)
{
	cdp c;
	memset(&c, 0, sizeof c);
	c.rbuf = (char *)frames;	/* only read (ws_recv_cb) */
	c.want_id = want_id;
	c.phase = PH_OPEN;
	if (ws_init(&c) < 0)
		return -2;
	int r = 0;
	/* as reads of chunk bytes arrive: on_ws_bytes without the sending */
	while (r == 0 && !c.got_reply && c.rlen < len) {
		c.rlen = chunk && len - c.rlen > chunk ? c.rlen + chunk : len;
		r = wslay_event_recv(c.ws);
	}
	wslay_event_context_free(c.ws);
	snprintf(msg, msglen, "%s", c.reply_msg);
	*value = NULL;
	if (r != 0) {
		free(c.reply_value);
		return -2;
	}
	if (!c.got_reply)
		return 0;
	*value = c.reply_value;
	return c.reply_err ? -1 : 1;
}

static void on_handshake_bytes(cdp *c)
{
	int status;
	long clen;
	char accept[64], want[29];
	long h = cdp_http_head(c->rbuf, c->rlen, &status, &clen, accept, sizeof accept);
	if (h == 0)
		return;
	if (h < 0 || status != 101) {
		cdp_fail(c, "inspector of PID %d refused the WebSocket (HTTP %d)", c->pid, status);
		return;
	}
	cdp_ws_accept(c->ws_key, want);
	if (strcmp(accept, want) != 0) {
		cdp_fail(c, "inspector of PID %d sent a wrong Sec-WebSocket-Accept", c->pid);
		return;
	}
	c->roff = (size_t)h;	/* any bytes after the head are WebSocket frames */
	if (ws_init(c) < 0) {
		cdp_fail(c, "out of memory");
		return;
	}
	c->phase = PH_OPEN;
	c->ops->open(c->ud);
	if (!c->closed && c->rlen > c->roff)
		on_ws_bytes(c);
}

static void on_ws_bytes(cdp *c)
{
	if (!c->ws)
		return;
	int r = wslay_event_recv(c->ws);
	if (r == 0 && wslay_event_want_write(c->ws))
		r = wslay_event_send(c->ws);
	if (r != 0) {
		cdp_fail(c, "WebSocket error talking to the inspector of PID %d", c->pid);
		return;
	}
	if (c->roff == c->rlen)
		c->roff = c->rlen = 0;
	if (c->got_reply) {
		c->got_reply = false;
		c->want_id = 0;
		c->ops->reply(c->ud, c->reply_err ? -1 : 0, c->reply_value, c->reply_msg);
	} else if (wslay_event_get_close_received(c->ws)) {
		cdp_fail(c, "inspector of PID %d closed the session", c->pid);
	}
}

/* ---------- public API ---------- */

cdp *cdp_open(uv_loop_t *loop, int family, const unsigned char addr[16], int port, int pid,
	      const cdp_ops *ops, void *ud, char *err, size_t errlen)
{
	cdp *c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->ops = ops;
	c->ud = ud;
	c->pid = pid;
	c->port = port;
	static const unsigned char any6[16];
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&c->addr;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (memcmp(addr, any6, 16) == 0)
			a->sin6_addr = in6addr_loopback;
		else
			memcpy(&a->sin6_addr, addr, 16);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&c->addr;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		memcpy(&a->sin_addr, addr, 4);
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	}
	c->phase = PH_LISTING;
	if (cdp_connect(c, err, errlen) < 0) {
		c->ops = NULL;
		cdp_close(c);
		return NULL;
	}
	return c;
}

int cdp_evaluate(cdp *c, const char *expr, size_t len, bool cmdline_api, char *err, size_t errlen)
{
	if (c->closed || !c->ws) {
		snprintf(err, errlen, "the inspector session of PID %d is not open", c->pid);
		return -1;
	}
	c->want_id = ++c->next_id;
	c->got_reply = false;
	json_t *req = json_pack("{s:i, s:s, s:{s:s%, s:b, s:b, s:b}}", "id", c->want_id,
				"method", "Runtime.evaluate", "params", "expression", expr, len,
				"includeCommandLineAPI", cmdline_api, "returnByValue", 1,
				"awaitPromise", 0);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!text) {
		snprintf(err, errlen, "cannot encode the request (is the probe file valid UTF-8?)");
		return -1;
	}
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, (const uint8_t *)text, strlen(text) };
	int r = wslay_event_queue_msg(c->ws, &m);
	free(text);
	if (r == 0)
		r = wslay_event_send(c->ws);
	if (r != 0) {
		snprintf(err, errlen, "cannot send to the inspector of PID %d", c->pid);
		return -1;
	}
	return 0;
}

static void shutdown_cb(uv_shutdown_t *req, int status)
{
	(void)req;
	(void)status;	/* a failure shows as the read's error, which ends it too */
}

int cdp_end(cdp *c)
{
	if (c->closed || !c->ws || !c->cn || c->phase != PH_OPEN)
		return -1;
	c->phase = PH_ENDING;
	c->want_id = 0;
	/* a close frame first (the session's proper end), then our FIN for an
	 * inspector that would ignore it; either makes it close its side */
	if (wslay_event_queue_close(c->ws, WSLAY_CODE_NORMAL_CLOSURE, NULL, 0) == 0)
		(void)wslay_event_send(c->ws);
	c->cn->sreq.data = c->cn;
	return uv_shutdown(&c->cn->sreq, (uv_stream_t *)&c->cn->tcp, shutdown_cb) < 0 ? -1 : 0;
}

bool cdp_is_open(const cdp *c)
{
	return c && !c->closed && c->ws && !wslay_event_get_close_received(c->ws);
}
