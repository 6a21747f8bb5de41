#include <stdio.h>

int keep(void)
{
	return 1;
}

int main(void)
{
	return 0;
}
