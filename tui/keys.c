/* keys — the key table; see keys.h.  Keys are data here: what a key does is
 * carried out by app_act (tui/app_actions.c), drawing by the next paint. */
#include "tui/keys.h"

#include <curses.h>

/* Hint shorthands: in the overview's footer at o, the detail view's at d. */
#define H(k, what, o, d) { k, NULL, what, { o, d } }
#define NOHINT { NULL, NULL, NULL, { 0, 0 } }

const key_binding key_table[] = {
	{ { 'q', KEY_F(10), 0 }, "q F10", "quit (the launched program gets SIGTERM)", KA_QUIT, NULL, H("q", "quit", 1, 0) },
	{ { '?', 'h', KEY_F(1), 0 }, "? h F1", "this help", KA_HELP, NULL, H("?", "help", 12, 11) },
	{ { KEY_UP, 'k', 0 }, "↑ k", "select previous process (help, diff, profile: scroll up)", KA_UP, "Up k",
	  { "\xe2\x86\x91\xe2\x86\x93", "j/k", "select", { 2, 0 } } },
	{ { KEY_DOWN, 'j', 0 }, "↓ j", "select next process (help, diff, profile: scroll down)", KA_DOWN, "Down j", NOHINT },
	{ { KEY_PPAGE, 0 }, "PgUp", "page up (detail view: scroll the log back)", KA_PGUP, NULL,
	  H("PgUp/Dn", "log", 0, 10) },
	{ { KEY_NPAGE, 0 }, "PgDn", "page down (detail view: scroll the log forward)", KA_PGDN, NULL, NOHINT },
	{ { KEY_HOME, 0 }, "Home", "first process (help, diff: top)", KA_HOME, NULL, NOHINT },
	{ { KEY_END, 0 }, "End", "last process (help, diff: bottom)", KA_END, NULL, NOHINT },
	{ { '\n', '\r', KEY_ENTER, 0 }, "Enter", "details of the selected process", KA_ENTER, NULL,
	  H(NULL, "detail", 3, 0) },
	{ { 27, KEY_BACKSPACE, 0 }, "Esc Bksp", "back to the overview / clear the filter", KA_BACK, NULL,
	  H("Esc", "back", 0, 1) },
	{ { '/', KEY_F(4), 0 }, "/ F4", "filter processes by name (cursor keys, Ctrl-A/E/U/W edit the line)", KA_FILTER, NULL,
	  H("/", "filter", 7, 0) },
	{ { KEY_F(3), 0 }, "F3", "search: select the next process whose name matches (F3 again: next)", KA_SEARCH,
	  NULL, NOHINT },
	{ { 'a', 0 }, "a", "attach the probe to the selected process (no restart); on a folded group, all its members, later ones too", KA_ATTACH, NULL,
	  H(NULL, "attach", 4, 2) },
	{ { '1', 0 }, "1", "time window: 1 minute", KA_WINDOW1, NULL, H("1-5", "window", 9, 8) },
	{ { '2', 0 }, "2", "time window: 5 minutes", KA_WINDOW2, NULL, NOHINT },
	{ { '3', 0 }, "3", "time window: 15 minutes", KA_WINDOW3, NULL, NOHINT },
	{ { '4', 0 }, "4", "time window: 1 hour", KA_WINDOW4, NULL, NOHINT },
	{ { '5', 0 }, "5", "time window: all history", KA_WINDOW5, NULL, NOHINT },
	{ { ' ', 0 }, "space", "pause / resume the live view", KA_PAUSE, NULL, H(NULL, "pause", 10, 9) },
	{ { KEY_LEFT, 0 }, "←", "scroll back in time (pauses)", KA_LEFT, "Left", NOHINT },
	{ { KEY_RIGHT, 0 }, "→", "scroll forward in time (resumes at now)", KA_RIGHT, "Right", NOHINT },
	{ { ']', 0 }, "]", "replay: play faster (2x, 4x ... 64x)", KA_FASTER, NULL, NOHINT },
	{ { '[', 0 }, "[", "replay: play slower", KA_SLOWER, NULL, NOHINT },
	{ { 'G', 0 }, "G", "replay: jump to a time (14:05, 14:05:30, +10m, -30s)", KA_JUMP, NULL, NOHINT },
	{ { '<', 0 }, "<", "sort by the previous column (profile: self / total time)", KA_SORT_PREV, NULL, H("<>", "sort", 8, 0) },
	{ { '>', 0 }, ">", "sort by the next column", KA_SORT_NEXT, NULL, NOHINT },
	{ { 'i', 0 }, "i", "invert the sort order", KA_INVERT, NULL, NOHINT },
	{ { KEY_F(5), 0 }, "F5", "tree: processes under their parents (cluster workers, pm2 apps)", KA_TREE,
	  NULL, NOHINT },
	{ { '-', 0 }, "-", "tree: fold the selected process's group into one row of totals", KA_FOLD, NULL,
	  NOHINT },
	{ { '+', '=', 0 }, "+", "tree: unfold it again", KA_UNFOLD, NULL, NOHINT },
	{ { KEY_F(6), 0 }, "F6", "sort by: a menu of the columns", KA_SORT_MENU, NULL, NOHINT },
	{ { KEY_F(9), 0 }, "F9", "send a signal to the selected process (a menu, then y/n)", KA_SIGNAL, NULL,
	  NOHINT },
	{ { 's', 0 }, "s", "heap snapshot of the selected process, or of the selected worker thread (asks first)", KA_SNAPSHOT, NULL,
	  H(NULL, "snapshot", 5, 3) },
	{ { 'p', 0 }, "p", "CPU profile of the selected process (asks for seconds; shows its top functions)", KA_PROFILE, NULL,
	  H(NULL, "profile", 6, 4) },
	{ { 'r', 0 }, "r", "Node diagnostic report of the selected process", KA_REPORT, NULL,
	  H(NULL, "report", 0, 5) },
	{ { 'g', 0 }, "g", "force a full garbage collection in the selected process", KA_GC, NULL,
	  H(NULL, "gc", 0, 6) },
	{ { 'd', 0 }, "d", "diff the last two heap snapshots of the selected process", KA_DIFF, NULL,
	  H(NULL, "diff", 0, 7) },
	{ { 'e', 0 }, "e", "explore the last heap snapshot (after two: what changed, new objects, what holds them)",
	  KA_EXPLORE, NULL, NOHINT },
	{ { 'x', 0 }, "x", "clear exited processes from the list", KA_DISMISS, NULL, NOHINT },
	{ { 't', 0 }, "t", "next colour theme", KA_THEME, NULL, H(NULL, "theme", 11, 0) },
	{ { 'm', 0 }, "m", "mouse on/off (off keeps copy & paste working)", KA_MOUSE, NULL, NOHINT },
};
const size_t key_table_len = sizeof key_table / sizeof key_table[0];

const key_binding *keys_find(int key)
{
	for (size_t i = 0; i < key_table_len; i++)
		for (int k = 0; k < 4 && key_table[i].keys[k]; k++)
			if (key_table[i].keys[k] == key)
				return &key_table[i];
	return NULL;
}

size_t keys_hints(key_screen s, const key_binding **out, size_t max)
{
	size_t n = 0;
	/* places are small numbers: collect them in place order */
	for (unsigned place = 1; place <= key_table_len && n < max; place++)
		for (size_t i = 0; i < key_table_len && n < max; i++)
			if (key_table[i].hint.at[s] == place)
				out[n++] = &key_table[i];
	return n;
}
