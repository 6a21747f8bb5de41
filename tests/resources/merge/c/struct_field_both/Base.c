struct options {
	int verbose;
	int quiet;
};

int f(struct options *o);
