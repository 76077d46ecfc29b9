/* fmt — short human-readable numbers (the one formatter for bytes, percent,
 * durations: the table, alerts and messages all print sizes the same way).
 * Every function writes a NUL-terminated string of at most n-1 bytes and
 * returns its length; NaN prints as "-" so a missing value is visible. */
#ifndef VITALS_FMT_H
#define VITALS_FMT_H

#include <stddef.h>
#include <stdint.h>

/* 1023B, 12.3K, 84.2M, 1.50G (1024-based) */
size_t fmt_bytes(char *buf, size_t n, double bytes);
/* 0.0% .. 99.9%, 100%, 1234% */
size_t fmt_pct(char *buf, size_t n, double pct);
/* 0.12ms, 3.4ms, 123ms, 1.23s */
size_t fmt_ms(char *buf, size_t n, double ms);
/* HH:MM:SS local time of a wall-clock ms time */
size_t fmt_clock(char *buf, size_t n, int64_t t_ms);
/* a duration: 42s, 3m12s, 2h05m, 3d04h */
size_t fmt_duration(char *buf, size_t n, int64_t ms);

#endif
