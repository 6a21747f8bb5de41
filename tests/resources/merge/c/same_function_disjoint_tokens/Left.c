int area(int width, int h)
{
	return width * h + 0;
}
