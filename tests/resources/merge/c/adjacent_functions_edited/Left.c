int a(void)
{
	return 10;
}
int b(void)
{
	return 2;
}
