const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "ls",
	.flags = 0,
};
