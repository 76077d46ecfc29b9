/* bundle — the payload of the one-file vitals (`make bundle`): a tree of
 * files (the dynamic vitals, its exact shared libraries, the loader, the
 * probe, themes and a few terminfo entries) appended, deflated, to a small
 * static stub that unpacks it once and runs vitals through that loader.
 *
 * The file: [stub ELF][payload: zlib stream][trailer, BUNDLE_TRAILER bytes:
 * u64 payload offset, u64 payload length, u32 crc32 of the payload, "VBND"]
 * (little-endian).  The inflated payload: "VBUNDLE1", then entries
 * { u8 type 'd' | 'f' | 'e'; u32 mode; u16 name length; u64 size; name;
 * size bytes of data for 'f' }, ending with one 'e'.
 *
 * Names are relative paths of plain components: no leading '/', no "." or
 * ".." component, no empty component, no NUL, < BUNDLE_NAME_MAX bytes; a
 * payload breaking any rule is refused whole (bundle_parse), so unpacking
 * never writes outside its directory.  Modes keep the owner's bits only.
 */
#ifndef VITALS_BUNDLE_H
#define VITALS_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#define BUNDLE_MAGIC "VBUNDLE1"	/* 8 bytes, no NUL in the payload */
#define BUNDLE_TRAILER 24
#define BUNDLE_NAME_MAX 256

typedef struct bundle_entry {
	char type;		/* 'd' directory, 'f' file */
	unsigned mode;		/* owner bits (0700 mask) */
	char name[BUNDLE_NAME_MAX];
	const uint8_t *data;	/* 'f': size bytes inside the parsed buffer */
	uint64_t size;
} bundle_entry;

/* Called per entry, in order (a directory before what it holds); non-zero
 * stops the walk and is returned by bundle_parse. */
typedef int (*bundle_entry_cb)(void *ud, const bundle_entry *e);

/* Walk an inflated payload.  0 when whole and well-formed (cb saw every
 * entry), a cb's non-zero, or -1 with one line in err. */
int bundle_parse(const uint8_t *buf, size_t len, bundle_entry_cb cb, void *ud, char *err,
		 size_t errlen);

/* The trailer at the end of a file of size len: payload offset, length and
 * crc.  -1 when absent or inconsistent (offset + length + trailer != len). */
int bundle_trailer(const uint8_t tail[BUNDLE_TRAILER], uint64_t len, uint64_t *off,
		   uint64_t *plen, uint32_t *crc);

/* Encode one entry's header (type, mode, name, size) into out; the bytes
 * used, or 0 when the name breaks the rules above.  out holds at least
 * 15 + BUNDLE_NAME_MAX bytes. */
size_t bundle_entry_head(uint8_t *out, char type, unsigned mode, const char *name, uint64_t size);

/* Encode the trailer. */
void bundle_trailer_make(uint8_t out[BUNDLE_TRAILER], uint64_t off, uint64_t plen, uint32_t crc);

#endif
