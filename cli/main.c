#include <stdio.h>
int main(void) { puts("braid"); return 0; }
