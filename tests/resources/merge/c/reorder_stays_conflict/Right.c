int a(void) { return 12; }
int b(void) { return 2; }
int c(void) { return 3; }
