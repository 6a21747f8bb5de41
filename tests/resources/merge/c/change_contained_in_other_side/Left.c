const char *
term_string1(const char *x, int a)
{
	const char *s;

#if defined(HAVE_TIPARM_S)
	s = tiparm_s(1, 0, x, a);
#else
	s = tparm((char *)x, a, 0, 0, 0, 0, 0, 0, 0, 0);
#endif
	return (s);
}
