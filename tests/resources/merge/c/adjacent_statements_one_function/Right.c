int f(int a)
{
	int x = 0;

	x = g(a);
	return x + 1;
}
