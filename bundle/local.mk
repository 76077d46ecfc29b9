# bundle (engineer: containers): `make bundle` writes vitals-bundle, one file
# that copies into a container and runs there with nothing installed: a
# static stub (bundle/bundle_main.c, libc + zlib) carrying the dynamic vitals,
# its exact shared libraries and loader, the probe, themes and terminfo
# (bundle/pack.sh).  tests/bundle.sh makes it when it runs (not every make
# check: a sanitizer build's would not be used, and packing takes seconds).
libvitals_a_SOURCES += bundle/bundle.c bundle/bundle.h
check_PROGRAMS += bundle/bundle_stub
bundle_bundle_stub_SOURCES = bundle/bundle_main.c bundle/bundle.c bundle/bundle.h
bundle_bundle_stub_CFLAGS = $(BUNDLE_CFLAGS) $(ZLIB_CFLAGS)
bundle_bundle_stub_LDFLAGS = -static -s
bundle_bundle_stub_LDADD = $(ZLIB_LIBS)
vitals-bundle: vitals$(EXEEXT) bundle/bundle_stub$(EXEEXT) $(srcdir)/bundle/pack.sh
	$(AM_V_GEN)rm -rf bundle/stage && \
	$(MAKE) $(AM_MAKEFLAGS) install-exec install-data DESTDIR="$(abs_builddir)/bundle/stage" >/dev/null && \
	$(SHELL) $(srcdir)/bundle/pack.sh bundle/bundle_stub$(EXEEXT) \
		"bundle/stage$(bindir)/vitals$(EXEEXT)" "bundle/stage$(pkgdatadir)" $@ "$(MHD_DLOPEN)" && \
	rm -rf bundle/stage
bundle: vitals-bundle
.PHONY: bundle
CLEANFILES += vitals-bundle
EXTRA_DIST += bundle/pack.sh
TESTS += tests/bundle.sh
EXTRA_DIST += tests/bundle.sh
# the payload reader (it reads the end of its own file: checked all the same)
FUZZ_HARNESSES += bundle
check_PROGRAMS += fuzz/fuzz_bundle
fuzz_fuzz_bundle_SOURCES = fuzz/fuzz_bundle.c fuzz/replay.c
fuzz_fuzz_bundle_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_bundle.sh
EXTRA_DIST += fuzz/replay_bundle.sh
