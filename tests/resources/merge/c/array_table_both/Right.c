const struct cmd_entry *cmd_table[] = {
	&cmd_attach_entry,
	&cmd_list_entry,
	&cmd_kill_entry,
	NULL
};
