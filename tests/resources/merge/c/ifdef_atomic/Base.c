int a;

#ifdef HAVE_FOO
int foo(void);
#endif

int b;
