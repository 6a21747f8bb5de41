static const char *caps[] = {
#if defined(HAVE_HLS)
	"Hls",
#endif
	NULL
};

static int other = 1;
