#include "tui/app.h"
#include <stdio.h>
int app_main(int argc, char **argv) { (void)argc; (void)argv; puts("vitals"); return 0; }
