const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "ls",
	.flags = 0,
	.exec = cmd_list_exec,
};
