/* cdp — a minimal client of one Node inspector (Chrome DevTools Protocol):
 * GET /json/list over HTTP/1.1, a WebSocket (wslay, verified
 * Sec-WebSocket-Accept) to the first target it lists, and Runtime.evaluate
 * calls, one at a time.  Used by collectors/inspector (the attach state
 * machine), which decides where to connect and what to evaluate.
 *
 * A cdp is a request with a life of its own: made by cdp_open(), it reports
 * through its ops until cdp_close(), after which no callback runs; it frees
 * itself when its libuv handle has closed (keep running the loop).
 */
#ifndef VITALS_CDP_H
#define VITALS_CDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

typedef struct cdp cdp;

typedef struct cdp_ops {
	/* The WebSocket is open: cdp_evaluate() may be called. */
	void (*open)(void *ud);
	/* The reply to the last cdp_evaluate(): err 0 with value (JSON text of
	 * result.result.value, NULL when undefined), or err -1 with msg (an
	 * inspector error or a thrown exception). */
	void (*reply)(void *ud, int err, const char *value, const char *msg);
	/* The connection failed; the cdp is closed already.  listing: before
	 * the WebSocket opened (this port may simply not be an inspector: try
	 * another); msg is one line naming the PID and port. */
	void (*fail)(void *ud, bool listing, const char *msg);
	/* After cdp_end(): the inspector closed its side of the connection, so
	 * it has ended our session (the cdp is closed already). */
	void (*ended)(void *ud);
} cdp_ops;

/* Connect to the inspector of pid (for messages; its network namespace is
 * where the connections are made, see netns.h) at addr (IPv4/IPv6; an
 * unspecified address means loopback) and port.  NULL with err on failure;
 * otherwise exactly one of open/fail follows, unless cdp_close() first. */
cdp *cdp_open(uv_loop_t *loop, int family, const unsigned char addr[16], int port, int pid,
	      const cdp_ops *ops, void *ud, char *err, size_t errlen);
/* Send one Runtime.evaluate (awaitPromise off, returnByValue on).  0, or -1
 * with err (the connection stays usable only when the encoding failed). */
int cdp_evaluate(cdp *c, const char *expr, size_t len, bool cmdline_api, char *err, size_t errlen);
/* Whether the WebSocket is open and the session not closed by the peer. */
bool cdp_is_open(const cdp *c);
/* End the session properly: a WebSocket close frame, our half of the TCP
 * connection shut, then ops->ended once the inspector has closed its half
 * (or ops->fail if the connection breaks instead).  Node's inspector ends a
 * session (and prints "Debugger ending on ...") on its I/O thread as it
 * closes the connection, so after ended() nothing of ours holds the
 * inspector open.  0, or -1 when no session is open or the shutdown failed:
 * then nothing follows (cdp_close it). */
int cdp_end(cdp *c);
/* Stop: no callback runs after this.  Safe from inside a callback. */
void cdp_close(cdp *c);

/* ---- pure helpers, exposed for tests and the fuzz harness ---- */

/* Parse an HTTP/1.x response head in buf[0..len).  Returns the head's length
 * (through the blank line) when complete, 0 when more bytes are needed, -1
 * when malformed or longer than 16 KiB.  *status: the code; *content_length:
 * Content-Length or -1; accept (may be NULL): Sec-WebSocket-Accept or "". */
long cdp_http_head(const char *buf, size_t len, int *status, long *content_length, char *accept,
		   size_t acceptlen);
/* From a /json/list body, the path of the first webSocketDebuggerUrl
 * ("/2f0c…").  0, or -1 with a reason in err. */
int cdp_ws_path(const char *body, size_t len, char *path, size_t n, char *err, size_t errlen);
/* Sec-WebSocket-Accept for key: base64(SHA1(key + RFC 6455 GUID)), 28 chars + NUL. */
void cdp_ws_accept(const char *key, char out[29]);
/* The WebSocket half of a cdp on bytes instead of a socket, for the fuzz
 * harness: frames as from the inspector (arriving in reads of chunk bytes,
 * 0 = at once) go through cdp's own wslay client while it waits for the
 * reply to want_id; what wslay would send back (pong, close) is dropped.
 * Returns 1 (reply; *value as cdp_reply_parse gives it, caller frees), -1
 * (the reply is an error: msg says it), 0 (no reply in the bytes) or -2
 * (wslay refused the bytes: cdp would end the session). */
int cdp_ws_replay(const uint8_t *frames, size_t len, size_t chunk, int want_id, char **value, char *msg,
		  size_t msglen);
/* Look at one CDP message for the reply to want_id.  Returns 1 and (when
 * value is not NULL) a copy of result.result.value as JSON text (caller frees)
 * or NULL when the value is undefined; 0 when the message is something else
 * (an event, another id); -1 with err when it is our reply but an error or a
 * thrown exception, or not JSON. */
int cdp_reply_parse(const char *msg, size_t len, int want_id, char **value, char *err,
		    size_t errlen);

#endif
