int a;

#ifdef HAVE_FOO
int foo(void);
int foo3(void);
#endif

int b;
