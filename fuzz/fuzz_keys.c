/* fuzz_keys — key and mouse input: bytes from the terminal decoded by
 * ncurses (terminfo xterm-256color, keypad and mouse on, as the dashboard
 * runs) into keys and mouse events, then through vitals' own handling of
 * them: the key table (keys_find), the line editor of the filter, search
 * and number prompts (lineedit_key) and the row a click lands on
 * (view_overview_pid_at, as tui/app.c's handle_mouse).  A terminal, or
 * someone pasting into it, can send any bytes.
 *
 * Checks: a key maps to a binding with an action or to none; an edited
 * line stays NUL-terminated valid UTF-8 within its buffer with the cursor
 * on a character boundary (digits only in a number prompt); a click is on
 * one of the listed processes or on none.
 *
 * Input: the bytes typed (at most 4 KiB). */
#include <curses.h>
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/model.h"
#include "tui/keys.h"
#include "widgets/lineedit.h"
#include "tui/rows.h"
#include "tui/ui.h"
#include "tui/view_overview.h"

#define IN_FD 100	/* where each input is put for ncurses to read */

static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		if (!n || (n == 2 && *p < 0xc2))
			return false;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

static void check_line(const char *buf, size_t cap, size_t cur, bool digits)
{
	size_t len = strnlen(buf, cap);
	if (len >= cap || cur > len || !utf8_ok(buf) || ((unsigned char)buf[cur] & 0xc0) == 0x80 ||
	    lineedit_cursor_col(buf, cur) < 0)
		abort();
	if (digits && strspn(buf, "0123456789") != len)
		abort();
}

static model M;
static ui_state UI;
static row_list ROWS;

static bool setup(void)
{
	static int state;	/* 0 not yet, 1 ready, -1 no terminal */
	if (state)
		return state > 0;
	state = -1;
	setlocale(LC_CTYPE, "C.UTF-8");	/* as the dashboard: UTF-8 keys are characters */
	int fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, IN_FD) < 0)
		return false;
	close(fd);
	FILE *in = fdopen(IN_FD, "r"), *out = fopen("/dev/null", "w");
	if (!in || !out || !newterm("xterm-256color", out, in))
		return false;	/* no terminfo here: nothing to decode with */
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(0);	/* every byte is there already */
	mouseinterval(0);	/* no wait for a click to complete */
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	model_init(&M, NULL);
	for (int i = 0; i < 40; i++) {
		vproc *p = model_add(&M, 1000 + i, 1);
		if (p)
			snprintf(p->name, sizeof p->name, "node%d", i);
	}
	UI.selected_pid = 1020;
	rows_build(&ROWS, &M, &UI);
	state = 1;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!setup() || size > 4096)
		return 0;
	/* the input waits in a pipe whose writer stays open, read without
	 * blocking: like a terminal with nothing more typed.  (At end of file
	 * inside a UTF-8 sequence ncurses retries the read for ever; a
	 * terminal gives no end of file.) */
	static int writer = -1;
	int p[2];
	if (pipe2(p, O_NONBLOCK) < 0)
		return 0;
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (writer >= 0)
		close(writer);
	writer = p[1];
	dup2(p[0], IN_FD);
	close(p[0]);
	fcntl(IN_FD, F_SETFL, O_NONBLOCK);
	flushinp();

	char filter[64] = "", number[6] = "";
	size_t fcur = 0, ncur = 0;
	wint_t ch;
	int rc;
	for (int n = 0; n < 8192 && (rc = get_wch(&ch)) != ERR; n++) {
		bool is_key = rc == KEY_CODE_YES;
		if (is_key && ch == KEY_MOUSE) {
			MEVENT ev;
			if (getmouse(&ev) == OK) {
				int pid = view_overview_pid_at(&M, &UI, &ROWS, ev.y, 50, 200);
				if (pid && (pid < 1000 || pid >= 1040))
					abort();
			}
			continue;
		}
		/* as tui/app.c: a typed character whose code is also a curses
		 * key code is not that key */
		const key_binding *b = is_key || ch < 256 ? keys_find((int)ch) : NULL;
		if (b && b->act == KA_NONE)
			abort();
		lineedit_key(filter, sizeof filter, &fcur, ch, is_key, false);
		check_line(filter, sizeof filter, fcur, false);
		lineedit_key(number, sizeof number, &ncur, ch, is_key, true);
		check_line(number, sizeof number, ncur, true);
	}
	return 0;
}
