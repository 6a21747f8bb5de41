static const char *const caps[] = {
#if defined(HAVE_HLS)
	"Hls",
#endif
	NULL
};

static int other = 2;
