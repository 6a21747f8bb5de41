static int unused(void)
{
	return 0;
}
int b(int x)
{
	return x;
}
