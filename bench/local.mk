# bench: sources and tests of this area (see Makefile.am)
