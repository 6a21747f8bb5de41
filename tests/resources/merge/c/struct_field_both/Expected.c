struct options {
	int verbose;
	int quiet;
	int color;
	const char *log_path;
};

int f(struct options *o);
