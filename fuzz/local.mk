# fuzz: libFuzzer harnesses, one per parser of outside input (fuzz/fuzz_NAME.c,
# seed corpus fuzz/corpus/NAME/).  `make check` replays each corpus through the
# harness (fuzz/replay.c); fuzz/run.sh NAME [SECONDS] fuzzes for real with clang.
# To add a harness: append it to FUZZ_HARNESSES below and give it a corpus dir.
FUZZ_HARNESSES =
EXTRA_DIST += fuzz/corpus fuzz/run.sh fuzz/replay.c
