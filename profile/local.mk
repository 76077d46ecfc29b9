# profile: V8 CPU profiles (vitals profile summary).  See profile/profile.h
# for the data model and how the numbers match DevTools' Bottom-Up view.
libvitals_a_SOURCES += profile/profile.c profile/profile.h \
	profile/profile_cli.c profile/profile_cli.h
# unit tests on hand-made profiles; profile.sh on real ones from node --cpu-prof
if HAVE_CMOCKA
check_PROGRAMS += tests/test_profile
tests_test_profile_SOURCES = tests/test_profile.c
tests_test_profile_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_test_profile_LDADD = $(VITALS_LIBS) $(CMOCKA_LIBS)
TESTS += tests/test_profile
endif
TESTS += tests/profile.sh
EXTRA_DIST += tests/profile.sh
# fuzz harness (see fuzz/local.mk): parser + analysis + both reports
FUZZ_HARNESSES += profile
check_PROGRAMS += fuzz/fuzz_profile
fuzz_fuzz_profile_SOURCES = fuzz/fuzz_profile.c fuzz/replay.c
fuzz_fuzz_profile_LDADD = $(VITALS_LIBS)
TESTS += fuzz/replay_profile.sh
EXTRA_DIST += fuzz/replay_profile.sh
# bench/profile_devtools.sh: every row against DevTools' own model (needs
# npm install in bench/); not run by make check
EXTRA_DIST += bench/profile_devtools.sh bench/profile_devtools.mjs bench/fixtures/profile_gc.js
