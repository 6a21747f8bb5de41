#include <stdio.h>
#include <string.h>

static int verbose;

int parse_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
	}
	return 0;
}

int run(void)
{
	return 0;
}

int alpha(void)
{
	return 2;
}
