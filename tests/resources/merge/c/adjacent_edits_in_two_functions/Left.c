int a(void)
{
	return 1;
}
static int c(void)
{
	return 3;
}
int b(int x)
{
	return x;
}
