/* heap_main — runs heap_cli_main as a program (`heap_main summary FILE` is
 * `vitals heap summary FILE`), so tests/heap.sh can exercise the analyser
 * whether or not `vitals heap` is wired into app_main. */
#include "heap/heap_cli.h"

int main(int argc, char **argv)
{
	static char name[] = "heap";
	argv[0] = name;
	return heap_cli_main(argc, argv);
}
