# record: the recording format (gzip blocks of JSON lines) written by
# `vitals record` and read by `vitals replay`
libvitals_a_SOURCES += record/recfile.c record/recfile.h record/rec_lines.c record/rec_lines.h
