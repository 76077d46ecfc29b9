/* autohunt — --auto-snapshot's leak hunt: a firing heap leak alert starts
 * a hunt of that process: three heap snapshots, [actions]
 * auto_snapshot_spacing apart, each taken only with memory headroom; the
 * third done, the report "what grew and what holds it" (heap_hunt_text:
 * heap leaks on the three, heap diff first → last) is made on the thread
 * pool and written next to the snapshots (0600, temp file + rename), and
 * its path goes to the alert log, the alert pane and --json (a leak_report
 * event).  The functions take the app: see tui/app_priv.h. */
#ifndef VITALS_AUTOHUNT_H
#define VITALS_AUTOHUNT_H

#define HUNT_SNAPSHOTS 3
#define APP_MAX_HUNTS 4

#endif
