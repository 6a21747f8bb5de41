int
main(int argc, char **argv)
{
	const char *s;
	setlocale(LC_TIME, "");
	run(argc, argv);
}
