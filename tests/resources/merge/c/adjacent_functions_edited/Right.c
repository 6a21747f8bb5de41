int a(void)
{
	return 1;
}
int b(void) /* two */
{
	return 2;
}
