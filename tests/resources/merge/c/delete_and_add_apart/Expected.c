#include <stdio.h>

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
