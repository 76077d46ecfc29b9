/* keys — the key table: every key the dashboard understands, with its help
 * text, in one array.  The dispatcher and the help screen both read it, so the
 * help can never disagree with what the keys do. */
#ifndef VITALS_KEYS_H
#define VITALS_KEYS_H

#include <stddef.h>

struct app;

typedef void (*key_fn)(struct app *a);

typedef struct key_binding {
	int keys[4];		/* curses key codes / characters; 0 ends */
	const char *label;	/* as shown in help: "↓ j" */
	const char *help;
	key_fn fn;
	const char *label_ascii;	/* for ASCII terminals when label is not ASCII */
} key_binding;

extern const key_binding key_table[];
extern const size_t key_table_len;

/* The binding for key, or NULL. */
const key_binding *keys_find(int key);

#endif
