static const char *const caps[] = {
	"Hls",
	NULL
};

static int other = 2;
