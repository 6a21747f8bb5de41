int b(int x) /* identity */
{
	return x;
}
