enum mode {
	MODE_NONE,
	MODE_READ,
	MODE_WRITE,
};
