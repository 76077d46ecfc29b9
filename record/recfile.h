/* recfile — the block layer of a vitals recording (`vitals record`,
 * `vitals replay`, and the stream `vitals record -o -` that --remote reads).
 *
 * A recording is a sequence of gzip members, each holding whole JSON lines
 * (the schema of rec_apply.h: the headless --json lines plus "gc" and a
 * "record" header).  Concatenated gzip members are one valid gzip file, so
 * `zcat FILE` reads a recording; each member carries its own CRC and is
 * written with one write(), so a recorder that is killed leaves a file
 * readable up to its last complete block.
 *
 * Writer: lines go into a stdio stream (rec_writer_stream, backed by a
 * growing buffer owned here) and become one member at rec_writer_flush.
 * Files are opened O_APPEND with mode 0600; rotation by size or at a change
 * of day renames FILE to FILE.YYYYmmdd-HHMMSS and starts FILE afresh.  A
 * block whose write fails is truncated away, so a file holds whole blocks
 * only (a crash mid-write leaves a cut block: the reader stops there).
 *
 * Reader: pure (no I/O): bytes are fed in, complete lines come out only from
 * members whose CRC was checked; a member's decoded size is bounded
 * (REC_BLOCK_MAX), so hostile input costs bounded memory. */
#ifndef VITALS_RECFILE_H
#define VITALS_RECFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REC_BLOCK_MAX (8u << 20)	/* largest decoded block a reader accepts */
#define REC_VERSION 1

typedef struct rec_writer rec_writer;

typedef struct rec_writer_opts {
	const char *path;	/* "-" = stdout (a stream: one block per flush) */
	uint64_t max_bytes;	/* rotate past this size; 0 = never by size */
	bool daily;		/* rotate when the local date changes */
} rec_writer_opts;

/* NULL with a one-line reason in err. */
rec_writer *rec_writer_open(const rec_writer_opts *o, char *err, size_t errlen);
/* Where to write lines (fputs/fprintf); valid until rec_writer_close. */
FILE *rec_writer_stream(rec_writer *w);
/* Bytes written into the current block so far. */
size_t rec_writer_pending(rec_writer *w);
/* Compress the pending lines into one member and write it (nothing when
 * none are pending); then rotate if due.  rotated is set when a new file was
 * started (the caller writes its header and a "found" for each process).
 * 0, or -errno with err set. */
int rec_writer_flush(rec_writer *w, int64_t now_ms, bool *rotated, char *err, size_t errlen);
/* Total compressed bytes written by this writer (for benches). */
uint64_t rec_writer_bytes(const rec_writer *w);
void rec_writer_close(rec_writer *w);

typedef struct rec_reader rec_reader;

rec_reader *rec_reader_new(void);
void rec_reader_free(rec_reader *r);
/* Give the reader the next n bytes; they must stay valid until
 * rec_reader_next returns 0 (all consumed). */
void rec_reader_feed(rec_reader *r, const void *data, size_t n);
/* No more bytes will come. */
void rec_reader_eof(rec_reader *r);
/* The next line (without '\n'; valid until the next call): 1; 0 when more
 * input is needed (or, after eof, at a clean end); -1 on damage, with a
 * one-line reason from rec_reader_error (every line before the damage has
 * been handed out). */
int rec_reader_next(rec_reader *r, const char **line, size_t *len);
const char *rec_reader_error(const rec_reader *r);
/* Compressed bytes consumed so far. */
uint64_t rec_reader_offset(const rec_reader *r);

#endif
