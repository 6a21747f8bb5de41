int a(void)
{
	return 1;
}
static int c(void)
{
	return 3;
}
int b(long x)
{
	return x;
}
