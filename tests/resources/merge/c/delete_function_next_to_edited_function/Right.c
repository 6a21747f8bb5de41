static int unused(void)
{
	return 0;
}
int b(int x) /* identity */
{
	return x;
}
