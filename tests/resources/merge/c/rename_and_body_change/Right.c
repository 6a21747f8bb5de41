static int count_items(int n)
{
	return n + 0;
}

int main(void)
{
	return count_items(1);
}
