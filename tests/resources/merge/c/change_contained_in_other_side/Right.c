const char *
term_string1(const char *x, int a)
{
	const char *s;

	s = tiparm_s(1, 0, x, a);
	return (s);
}
