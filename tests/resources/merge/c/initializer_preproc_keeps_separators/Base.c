static const char *caps[] = {
	"Hls",
	NULL
};

static int other = 1;
