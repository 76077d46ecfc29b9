/* mhd_lib — libmicrohttpd, loaded when --prometheus asks for it.
 *
 * Linking libmicrohttpd pulls GnuTLS and its dependencies (p11-kit, nettle,
 * hogweed, gmp, tasn1, idn2, unistring) into every vitals process: ~2.8 MB
 * of resident memory at start (measured: a C program that prints its RSS,
 * 1.3 MB alone, 4.1 MB linked with -lmicrohttpd), most of it for a server
 * nobody started.  So vitals does not link it: the first --prometheus
 * dlopen()s it (MHD_SONAME, found by configure) and resolves the functions
 * the server uses into one table.  The table is filled once and never
 * unloaded; the library's own header gives every prototype (typeof), so a
 * call through the table is type-checked like a direct one.
 */
#ifndef VITALS_MHD_LIB_H
#define VITALS_MHD_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>

typedef struct mhd_lib {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_create_response_from_buffer_with_free_callback) *create_response_from_buffer_with_free_callback;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
} mhd_lib;

/* The loaded library (loading it on the first call), or NULL with a
 * one-line reason in err. */
const mhd_lib *mhd_lib_get(char *err, size_t errlen);

#endif
