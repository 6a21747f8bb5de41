#include <stdio.h>

static int old_helper(int x)
{
	return x * 2;
}

static int old_helper_twice(int x)
{
	return old_helper(old_helper(x));
}

int main(void)
{
	return 0;
}
