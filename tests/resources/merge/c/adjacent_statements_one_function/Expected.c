int f(int a)
{
	int x = 0;

	x = h(a);
	return x + 1;
}
