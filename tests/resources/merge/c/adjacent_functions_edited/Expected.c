int a(void)
{
	return 10;
}
int b(void) /* two */
{
	return 2;
}
