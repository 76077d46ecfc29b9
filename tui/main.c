/* main — parses nothing itself: hands argv to the app (tui/app.c). */
#include "tui/app.h"

int main(int argc, char **argv)
{
	return app_main(argc, argv);
}
