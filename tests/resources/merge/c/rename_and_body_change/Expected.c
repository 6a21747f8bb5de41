static int item_count(int n)
{
	return n + 0;
}

int main(void)
{
	return item_count(1);
}
