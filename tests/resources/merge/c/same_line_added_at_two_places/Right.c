int
main(int argc, char **argv)
{
	const char *s;

	setlocale(LC_CTYPE, "en_US.UTF-8");
	setlocale(LC_TIME, "");

	run(argc, argv);
}
