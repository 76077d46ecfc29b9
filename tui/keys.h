/* keys — the key table: every key the dashboard understands, with its help
 * text, the action it stands for and its place in the footers, in one array.
 * The dispatcher (tui/app_actions.c), the help screen and the key hints of
 * the views all read it, so neither the help nor a footer can disagree with
 * what the keys do.  Pure data: keys.c knows nothing of the application. */
#ifndef VITALS_KEYS_H
#define VITALS_KEYS_H

#include <stddef.h>

/* What a key asks for; tui/app_actions.c carries it out. */
typedef enum key_action {
	KA_NONE = 0,
	KA_QUIT, KA_HELP, KA_UP, KA_DOWN, KA_PGUP, KA_PGDN, KA_HOME, KA_END,
	KA_ENTER, KA_BACK, KA_FILTER, KA_ATTACH,
	KA_WINDOW1, KA_WINDOW2, KA_WINDOW3, KA_WINDOW4, KA_WINDOW5,
	KA_PAUSE, KA_LEFT, KA_RIGHT, KA_SORT_PREV, KA_SORT_NEXT, KA_INVERT,
	KA_SNAPSHOT, KA_PROFILE, KA_REPORT, KA_GC, KA_DIFF, KA_DISMISS, KA_THEME, KA_MOUSE,
	KA_SEARCH, KA_SORT_MENU, KA_SIGNAL, KA_TREE, KA_FOLD, KA_UNFOLD,
	KA_FASTER, KA_SLOWER, KA_JUMP, KA_EXPLORE,
} key_action;

/* The screens with a footer of key hints. */
typedef enum key_screen { KEYS_OVERVIEW = 0, KEYS_DETAIL, KEYS_NSCREENS } key_screen;

/* A binding's hint in the footers: "KEY what". */
typedef struct key_hint {
	const char *key;	/* as the footer shows it ("1-5"); NULL: the binding's label */
	const char *key_ascii;	/* for ASCII terminals when key is not ASCII */
	const char *what;	/* "window" */
	unsigned char at[KEYS_NSCREENS];	/* place in each footer, 1 = first; 0 = absent */
} key_hint;

typedef struct key_binding {
	int keys[4];		/* curses key codes / characters; 0 ends */
	const char *label;	/* as shown in help: "↓ j" */
	const char *help;
	key_action act;
	const char *label_ascii;	/* for ASCII terminals when label is not ASCII */
	key_hint hint;
} key_binding;

extern const key_binding key_table[];
extern const size_t key_table_len;

/* The binding for key, or NULL. */
const key_binding *keys_find(int key);
/* The bindings hinted in screen s's footer, in footer order, into out
 * (at most max); returns how many. */
size_t keys_hints(key_screen s, const key_binding **out, size_t max);

#endif
