/* cmd_init.c: `braid init` — set braid up in the current git repository. */
#include "cli.h"

#include <stdio.h>

#include "braid/ctx.h"

static const cli_opt opts[] = {
    {"target", 't', 1, "branch to converge onto (default: the current branch)"},
    {0},
};

static int cmd_init(cli_args *a)
{
	braid_ctx *ctx = NULL;
	int created = 0, err;

	if (a->npos > 0)
		return cli_usage_error(a, "unexpected argument '%s'", a->pos[0]);
	if ((err = braid_init(&ctx, &created, a->dir ? a->dir : ".", cli_opt_value(a, "target"))) <
	    0)
		return cli_fail(a, err);
	if (a->json) {
		cli_print_json(json_pack("{s:b, s:s, s:s, s:s}", "created", created, "root",
		                         braid_ctx_root(ctx), "braid_dir", braid_ctx_dir(ctx),
		                         "target", braid_ctx_target_name(ctx)));
	} else if (created) {
		printf("initialized braid in %s (target branch '%s')\n"
		       "next: 'braid agent add NAME', then 'braid ws new NAME'\n",
		       braid_ctx_dir(ctx), braid_ctx_target_name(ctx));
	} else {
		printf("braid is already set up in %s (target branch '%s'); nothing changed\n",
		       braid_ctx_dir(ctx), braid_ctx_target_name(ctx));
	}
	braid_ctx_free(ctx);
	return 0;
}

CLI_COMMAND(init, "init", cmd_init, opts, "[--target BRANCH]",
            "set braid up in this git repository (.braid/ beside .git/)",
            "Creates .braid/ (state database, config, keys) and records the branch that agents'\n"
            "work converges onto. Running it again changes nothing.")
