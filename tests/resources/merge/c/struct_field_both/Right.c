struct options {
	int verbose;
	int quiet;
	const char *log_path;
};

int f(struct options *o);
