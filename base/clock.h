/* clock — the two clocks vitals reads.  Wall time (ms since the epoch) stamps
 * samples, events and file names; monotonic time (ms since an arbitrary
 * start) measures intervals, so a clock step never makes a rate negative. */
#ifndef VITALS_CLOCK_H
#define VITALS_CLOCK_H
#include <stdint.h>

int64_t clock_wall_ms(void);
int64_t clock_mono_ms(void);
#endif
