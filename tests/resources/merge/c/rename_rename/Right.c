static int n_items(int n)
{
	return n;
}

int main(void)
{
	return n_items(1);
}
