int b(void) { return 2; }
int a(void) { return 11; }
int c(void) { return 3; }
