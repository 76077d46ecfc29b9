/* bundle_main — the static stub of the one-file vitals (`make bundle`, see
 * bundle.h for the file's layout and bundle/pack.sh for what goes in).
 *
 * Run as a bundle (a payload follows the stub): unpack the payload once per
 * user and content into a 0700 directory of the first usable of
 * $VITALS_BUNDLE_DIR, $XDG_RUNTIME_DIR, $TMPDIR, /tmp, /dev/shm, /var/tmp
 * (`vitals-bundle-UID-CRC`: unpacked into a temporary sibling, marked
 * complete, then renamed, so a half-unpacked tree is never used; a file
 * system mounted noexec is passed over, as the loader could not map the
 * libraries there), then exec its loader on the unpacked vitals:
 *   ld.so --library-path DIR/lib --argv0 ARGV0 DIR/bin/vitals ARGS…
 * with VITALS_DATA (the probe, themes, demo) and TERMINFO_DIRS pointing in.
 * Nothing from the system's /usr/lib is used, so it runs in a container
 * that has none of vitals's libraries (or no /usr at all).
 *
 * Run without a payload: `bundle_stub --pack OUT DIR` writes OUT = this stub
 * + DIR's tree (deflated) + trailer.
 *
 * Data: the payload is read whole into memory (a few MB), inflated into one
 * buffer (~15 MB), written out and freed before the exec.  Links only libc
 * and zlib, statically.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <zlib.h>

#include "bundle/bundle.h"

#define PAYLOAD_MAX (512u << 20)	/* inflated; a real one is ~15 MB */
#define BASE_MAX 1024		/* a longer base directory is passed over */
#define DIR_MAX (BASE_MAX + 64)

/* ---------- reading our own file ---------- */

static int read_all(int fd, uint8_t *buf, size_t n, off_t at)
{
	while (n > 0) {
		ssize_t r = pread(fd, buf, n, at);
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
		at += r;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Our own file's payload: offset, length and crc, or -1 when it has none. */
static int self_payload(int fd, uint64_t *off, uint64_t *plen, uint32_t *crc, uint64_t *size)
{
	struct stat st;
	uint8_t tail[BUNDLE_TRAILER];
	if (fstat(fd, &st) < 0 || st.st_size < BUNDLE_TRAILER)
		return -1;
	*size = (uint64_t)st.st_size;
	if (read_all(fd, tail, sizeof tail, st.st_size - BUNDLE_TRAILER) < 0)
		return -1;
	return bundle_trailer(tail, *size, off, plen, crc);
}

/* ---------- unpacking ---------- */

typedef struct unpack {
	int dirfd;
	char err[300];
} unpack;

static int unpack_entry(void *ud, const bundle_entry *e)
{
	unpack *u = ud;
	if (e->type == 'd') {
		if (mkdirat(u->dirfd, e->name, 0700) < 0 && errno != EEXIST) {
			snprintf(u->err, sizeof u->err, "cannot make %s: %s", e->name, strerror(errno));
			return 1;
		}
		return 0;
	}
	int fd = openat(u->dirfd, e->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			e->mode | 0600);
	if (fd < 0 || write_all(fd, e->data, (size_t)e->size) < 0 || close(fd) < 0) {
		snprintf(u->err, sizeof u->err, "cannot write %s: %s", e->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path) < 0 ? -1 : 0;
}

/* A usable unpacked tree at path: ours, 0700, marked complete. */
static int tree_ok(const char *path)
{
	struct stat st;
	char mark[PATH_MAX];
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
	    (st.st_mode & 0777) != 0700)
		return 0;
	snprintf(mark, sizeof mark, "%s/.complete", path);
	return access(mark, F_OK) == 0;
}

/* Inflate the payload (compressed bytes z, zlen). */
static uint8_t *inflate_all(const uint8_t *z, size_t zlen, size_t *out_len, char *err, size_t errlen)
{
	z_stream s = { 0 };
	size_t cap = zlen * 4 + 4096, n = 0;
	uint8_t *out = malloc(cap);
	if (!out || inflateInit(&s) != Z_OK) {
		snprintf(err, errlen, "out of memory");
		free(out);
		return NULL;
	}
	s.next_in = (Bytef *)z;
	s.avail_in = (uInt)zlen;
	int r;
	do {
		if (cap - n < 65536) {
			uint8_t *o = cap < PAYLOAD_MAX ? realloc(out, cap * 2) : NULL;
			if (!o) {
				snprintf(err, errlen, "bundle payload too large");
				break;
			}
			out = o;
			cap *= 2;
		}
		s.next_out = out + n;
		s.avail_out = (uInt)(cap - n);
		r = inflate(&s, Z_NO_FLUSH);
		n = cap - s.avail_out;
	} while (r == Z_OK);
	inflateEnd(&s);
	if (r != Z_STREAM_END || s.avail_in != 0) {
		if (!err[0])
			snprintf(err, errlen, "bundle payload is corrupt (zlib %d)", r);
		free(out);
		return NULL;
	}
	*out_len = n;
	return out;
}

/* Unpack into base/NAME (see the top); the tree's path in dest. */
static int unpack_into(const char *base, const uint8_t *payload, size_t plen, uint32_t crc,
		       char *dest, size_t dn, char *err, size_t errlen)
{
	snprintf(dest, dn, "%s/vitals-bundle-%u-%08x", base, (unsigned)getuid(), crc);
	if (tree_ok(dest))
		return 0;
	char tmp[DIR_MAX + 8];
	snprintf(tmp, sizeof tmp, "%.*s.XXXXXX", DIR_MAX - 1, dest);
	if (!mkdtemp(tmp)) {
		snprintf(err, errlen, "cannot make a directory in %.200s: %s", base, strerror(errno));
		return -1;
	}
	unpack u = { .dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC) };
	int r = u.dirfd < 0 ? -1 : bundle_parse(payload, plen, unpack_entry, &u, u.err, sizeof u.err);
	if (r == 0) {
		int fd = openat(u.dirfd, ".complete", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		r = fd < 0 ? -1 : close(fd);
		if (r < 0)
			snprintf(u.err, sizeof u.err, "cannot write in %.200s: %s", tmp, strerror(errno));
	}
	if (u.dirfd >= 0)
		close(u.dirfd);
	if (r == 0 && rename(tmp, dest) == 0)
		return 0;
	/* failed, or another run unpacked it first (rename: not empty) */
	nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (r == 0 && tree_ok(dest))
		return 0;
	snprintf(err, errlen, "%s", r ? u.err : "cannot rename the unpacked bundle");
	return -1;
}

/* Exec the unpacked vitals; returns only on failure. */
static void run(const char *dir, int argc, char **argv)
{
	char ld[PATH_MAX], lib[PATH_MAX], exe[PATH_MAX], data[PATH_MAX], ti[3 * PATH_MAX];
	snprintf(ld, sizeof ld, "%s/ld.so", dir);
	snprintf(lib, sizeof lib, "%s/lib", dir);
	snprintf(exe, sizeof exe, "%s/bin/vitals", dir);
	snprintf(data, sizeof data, "%s/share/vitals", dir);
	setenv("VITALS_DATA", data, 0);
	/* the system's entries first, ours for the terminals it lacks */
	const char *old = getenv("TERMINFO_DIRS");
	snprintf(ti, sizeof ti, "%s%s/etc/terminfo:/lib/terminfo:/usr/share/terminfo:%s/terminfo",
		 old ? old : "", old ? ":" : "", dir);
	setenv("TERMINFO_DIRS", ti, 1);
	char **av = calloc((size_t)argc + 7, sizeof *av);
	if (!av)
		return;
	int n = 0;
	av[n++] = ld;
	av[n++] = "--library-path";
	av[n++] = lib;
	av[n++] = "--argv0";
	av[n++] = argv[0];
	av[n++] = exe;
	for (int i = 1; i < argc; i++)
		av[n++] = argv[i];
	av[n] = NULL;
	execv(ld, av);
	free(av);
}

static int run_bundle(int fd, uint64_t off, uint64_t plen, uint32_t crc, int argc, char **argv)
{
	char err[400] = "", dir[DIR_MAX];
	uint8_t *z = plen < PAYLOAD_MAX ? malloc(plen ? plen : 1) : NULL;
	if (!z || read_all(fd, z, plen, (off_t)off) < 0 || crc32(0, z, (uInt)plen) != crc) {
		fprintf(stderr, "vitals: this bundle is damaged (its payload does not check); copy it again\n");
		return 127;
	}
	close(fd);
	size_t len = 0;
	uint8_t *payload = inflate_all(z, plen, &len, err, sizeof err);
	free(z);
	if (!payload) {
		fprintf(stderr, "vitals: %s\n", err);
		return 127;
	}
	const char *bases[] = { getenv("VITALS_BUNDLE_DIR"), getenv("XDG_RUNTIME_DIR"), getenv("TMPDIR"),
				"/tmp", "/dev/shm", "/var/tmp" };
	for (size_t i = 0; i < sizeof bases / sizeof *bases; i++) {
		const char *b = bases[i];
		struct statvfs vfs;
		if (!b || !*b || strlen(b) > BASE_MAX || access(b, W_OK | X_OK) < 0 || statvfs(b, &vfs) < 0)
			continue;
		if (vfs.f_flag & ST_NOEXEC) {
			snprintf(err, sizeof err, "%.200s is mounted noexec", b);
			continue;
		}
		if (unpack_into(b, payload, len, crc, dir, sizeof dir, err, sizeof err) < 0)
			continue;
		free(payload);
		payload = NULL;
		run(dir, argc, argv);
		snprintf(err, sizeof err, "cannot run %.200s/ld.so: %s", dir, strerror(errno));
		break;
	}
	free(payload);
	fprintf(stderr, "vitals: cannot unpack the bundle (%s); set VITALS_BUNDLE_DIR to a "
		"writable directory that allows exec\n", err[0] ? err : "no writable directory");
	return 127;
}

/* ---------- packing ---------- */

typedef struct pack {
	uint8_t *buf;
	size_t len, cap;
	size_t root_len;
	int failed;
} pack;

static pack P;

static void pack_put(const void *p, size_t n)
{
	if (P.cap - P.len < n) {
		size_t cap = (P.cap + n) * 2;
		uint8_t *b = realloc(P.buf, cap);
		if (!b) {
			fprintf(stderr, "bundle: out of memory\n");
			exit(1);
		}
		P.buf = b;
		P.cap = cap;
	}
	memcpy(P.buf + P.len, p, n);
	P.len += n;
}

static int pack_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	if (f->level == 0)
		return 0;
	const char *name = path + P.root_len + 1;
	uint8_t head[15 + BUNDLE_NAME_MAX];
	size_t hn;
	if (flag == FTW_D) {
		hn = bundle_entry_head(head, 'd', 0700, name, 0);
	} else if (flag == FTW_F && S_ISREG(st->st_mode)) {
		hn = bundle_entry_head(head, 'f', st->st_mode, name, (uint64_t)st->st_size);
	} else {
		fprintf(stderr, "bundle: %s: only directories and regular files\n", path);
		return -1;
	}
	if (!hn) {
		fprintf(stderr, "bundle: %s: name not allowed\n", path);
		return -1;
	}
	pack_put(head, hn);
	if (flag == FTW_F && st->st_size > 0) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		size_t at = P.len;
		if (fd >= 0) {
			uint8_t *tmp = malloc((size_t)st->st_size);
			int ok = tmp && read_all(fd, tmp, (size_t)st->st_size, 0) == 0;
			if (ok)
				pack_put(tmp, (size_t)st->st_size);
			free(tmp);
			close(fd);
		}
		if (P.len != at + (size_t)st->st_size) {
			fprintf(stderr, "bundle: cannot read %s\n", path);
			return -1;
		}
	}
	return 0;
}

static int do_pack(const char *out, const char *root)
{
	/* the stub: our own file (without a payload) */
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (self < 0 || fstat(self, &st) < 0) {
		perror("bundle: /proc/self/exe");
		return 1;
	}
	uint8_t *stub = malloc((size_t)st.st_size);
	if (!stub || read_all(self, stub, (size_t)st.st_size, 0) < 0) {
		fprintf(stderr, "bundle: cannot read the stub\n");
		return 1;
	}
	close(self);
	P.root_len = strlen(root);
	pack_put(BUNDLE_MAGIC, 8);
	if (nftw(root, pack_entry, 16, FTW_PHYS) != 0)
		return 1;
	uint8_t end[15];
	pack_put(end, bundle_entry_head(end, 'e', 0, NULL, 0));
	uLongf zlen = compressBound(P.len);
	uint8_t *z = malloc(zlen);
	if (!z || compress2(z, &zlen, P.buf, P.len, 9) != Z_OK) {
		fprintf(stderr, "bundle: compression failed\n");
		return 1;
	}
	uint8_t trailer[BUNDLE_TRAILER];
	bundle_trailer_make(trailer, (uint64_t)st.st_size, zlen, (uint32_t)crc32(0, z, (uInt)zlen));
	/* written next to out, then renamed: a half-written bundle never runs */
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write_all(fd, stub, (size_t)st.st_size) < 0 || write_all(fd, z, zlen) < 0 ||
	    write_all(fd, trailer, sizeof trailer) < 0 || close(fd) < 0 || rename(tmp, out) < 0) {
		fprintf(stderr, "bundle: cannot write %s: %s\n", out, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("bundle: %s: %zu bytes (stub %lld, payload %lu deflated from %zu)\n", out,
	       (size_t)st.st_size + zlen + BUNDLE_TRAILER, (long long)st.st_size, (unsigned long)zlen,
	       P.len);
	free(stub);
	free(z);
	free(P.buf);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t off, plen, size;
	uint32_t crc;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vitals: cannot read the bundle through /proc/self/exe: %s "
			"(is /proc mounted?)\n", strerror(errno));
		return 127;
	}
	if (self_payload(fd, &off, &plen, &crc, &size) == 0)
		return run_bundle(fd, off, plen, crc, argc, argv);
	close(fd);
	if (argc == 4 && strcmp(argv[1], "--pack") == 0)
		return do_pack(argv[2], argv[3]);
	/* a stub alone, or a bundle cut short on its way */
	fprintf(stderr, "vitals: %s carries no vitals (a copy cut short?); copy the bundle again "
		"(a bare stub: --pack OUT DIR makes one)\n", argv[0]);
	return 127;
}
