static int count_items(int n)
{
	return n;
}

int main(void)
{
	return count_items(1);
}

int twice(void)
{
	return 2 * count_items(2);
}
