/* mhd_lib — libmicrohttpd through dlopen; see mhd_lib.h.
 *
 * Data: one static table, filled on the first successful mhd_lib_get and
 * read-only afterwards (vitals has one loop thread; the server is started
 * from it).  The handle is never closed: the server may run until exit.
 */
#include "export/mhd_lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"

#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif

static mhd_lib lib;
static bool loaded;

/* Resolve name into *slot; false (err set) when the library lacks it. */
static bool sym(void *h, const char *name, void *slot, char *err, size_t errlen)
{
	void *p = dlsym(h, name);
	if (!p) {
		snprintf(err, errlen, "%s has no %s (libmicrohttpd >= 0.9.71 is needed)", MHD_SONAME, name);
		return false;
	}
	*(void **)slot = p;
	return true;
}

const mhd_lib *mhd_lib_get(char *err, size_t errlen)
{
	if (loaded)
		return &lib;
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		snprintf(err, errlen, "cannot load %s (Debian: apt install libmicrohttpd12): %s", MHD_SONAME,
			 why ? why : "not found");
		return NULL;
	}
	mhd_lib t;
#define SYM(f) sym(h, "MHD_" #f, &t.f, err, errlen)
	if (!(SYM(start_daemon) && SYM(stop_daemon) && SYM(get_daemon_info) && SYM(run) && SYM(get_timeout) &&
	      SYM(create_response_from_buffer) && SYM(create_response_from_buffer_with_free_callback) &&
	      SYM(add_response_header) && SYM(queue_response) && SYM(destroy_response) &&
	      SYM(lookup_connection_value))) {
		dlclose(h);
		return NULL;
	}
#undef SYM
	lib = t;
	loaded = true;
	return &lib;
}
