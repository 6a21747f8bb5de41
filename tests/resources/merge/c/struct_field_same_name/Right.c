struct options {
	int verbose;
	int quiet;
	long color;
};

int f(struct options *o);
