int a;

#ifdef HAVE_FOO
int foo(void);
int foo2(void);
#endif

int b;
