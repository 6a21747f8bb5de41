int a(void)
{
	return 1;
}
int b(long x)
{
	return x;
}
