/* main — parses nothing itself: hands argv to the app (tui/app.c), or to
 * `vitals profile`, which needs no dashboard. */
#include <string.h>

#include "profile/profile_cli.h"
#include "tui/app.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "profile") == 0)
		return profile_cli_main(argc - 1, argv + 1);
	return app_main(argc, argv);
}
