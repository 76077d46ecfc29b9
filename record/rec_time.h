/* rec_time — the moment a replay is asked to jump to, as typed at its
 * prompt (`vitals replay`, key G): "14:05", "14:05:30",
 * "2026-12-01 14:05", or a step from the moment shown, "+10m", "-30s",
 * "+1h30m", "-90" (seconds).
 *
 * A time of day without a date is taken on the day, of the one before, the
 * day of or the one after the moment shown, nearest to it (local time), so
 * that a recording across midnight jumps where one means.  Pure: no I/O;
 * the result is not clamped to the recording (the replay does that). */
#ifndef VITALS_REC_TIME_H
#define VITALS_REC_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parse s relative to now_ms (the moment shown): 0 with *out set (ms since
 * the epoch), or -1 with a one-line reason in err. */
int rec_time_parse(const char *s, int64_t now_ms, int64_t *out, char *err, size_t errlen);

#endif
