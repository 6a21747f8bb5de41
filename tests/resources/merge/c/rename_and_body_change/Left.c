static int item_count(int n)
{
	return n;
}

int main(void)
{
	return item_count(1);
}
