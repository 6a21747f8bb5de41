const char *
term_string1(const char *x, int a)
{
	const char *s;

	s = tparm((char *)x, a);
	return (s);
}
