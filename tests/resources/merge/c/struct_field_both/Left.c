struct options {
	int verbose;
	int quiet;
	int color;
};

int f(struct options *o);
