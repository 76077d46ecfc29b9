/* heapview — the heap explorer inside the dashboard: `e` opens the selected
 * process's last heap snapshot in heap/explore_tui's screen (after two
 * snapshots of the process, their diff, with the same navigation); Esc or q
 * at the top level returns to the dashboard.  The snapshot is loaded on the
 * thread pool and its first screen (counts and self sizes) shown at once;
 * the retained sizes fill in when the explorer's thread has them, as in
 * `vitals heap explore` (tui/heapview.c); the screen and keys are
 * heap/explore_tui's, not a copy. */
#ifndef VITALS_HEAPVIEW_H
#define VITALS_HEAPVIEW_H

/* The functions are in tui/app_priv.h (they take the app). */

#endif
