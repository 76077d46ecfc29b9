/* fuzz_theme — the theme file parser (themes/theme.c) on any bytes: every
 * line either sets a role or warns; nothing crashes, and every role keeps a
 * valid colour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "themes/theme.h"

static int color_ok(int32_t c)
{
	return c == THEME_COLOR_DEFAULT || (c >= 0 && c <= 255) ||
	       (THEME_IS_RGB(c) && c <= THEME_RGB(0xffffff));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	theme th;
	theme_default(&th);
	FILE *warn = fopen("/dev/null", "w");
	theme_parse(&th, (const char *)data, size, "fuzz.theme", warn);
	if (warn)
		fclose(warn);
	for (int i = 0; i < ROLE_NCOUNT; i++) {
		if (!color_ok(th.style[i].fg) || !color_ok(th.style[i].bg))
			abort();
		/* palette mapping of whatever was parsed stays in range */
		int k = theme_color_index(th.style[i].fg, 8);
		if (k < -1 || k > 7)
			abort();
		k = theme_color_index(th.style[i].bg, 16);
		if (k < -1 || k > 15)
			abort();
	}
	return 0;
}
