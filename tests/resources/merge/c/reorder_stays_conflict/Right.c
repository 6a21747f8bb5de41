int a(void) { return 11; }
int b(void) { return 2; }
int c(void) { return 3; }
