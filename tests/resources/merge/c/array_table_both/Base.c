const struct cmd_entry *cmd_table[] = {
	&cmd_attach_entry,
	&cmd_list_entry,
	NULL
};
