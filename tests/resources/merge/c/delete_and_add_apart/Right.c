#include <stdio.h>

static int old_helper(int x)
{
	return x * 2;
}

int keep(void)
{
	return 1;
}

int added(void)
{
	return 2;
}

int main(void)
{
	return 0;
}
