/*
 * cmd_merge_driver.c: `braid merge-driver %O %A %B %P`, braid's MergePolicy
 * as a git merge driver. With
 *     git config merge.braid.driver "braid merge-driver %O %A %B %P"
 * and `* merge=braid` (or narrower patterns) in .gitattributes, plain git
 * merges, rebases and cherry-picks merge those files as braid does:
 * declarations commute, renames are carried, JSON merges by key
 * (--driver braid-json). The result is written to %A; exit 0 when clean,
 * 1 when conflicts remain (then %A holds diff3-style markers), as git
 * expects of a driver. No repository is opened: this is pure file I/O.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "braid/merge.h"
#include "util/buf.h"
#include "util/fs.h"

/* Merge inputs larger than this are refused (git falls back to its own merge). */
#define DRIVER_MAX_INPUT (256u * 1024 * 1024)

static const cli_opt driver_opts[] = {
    {"driver", 'd', 1, "merge driver: text (default), union, braid-json"},
    {"tier", 't', 1, "highest tier: 1 lines, 2 structure, 3 semantic rules (default)"},
    {"ours-label", 0, 1, "label of the ours marker (default: ours; git passes %X)"},
    {"base-label", 0, 1, "label of the base marker (default: base; git passes %S)"},
    {"theirs-label", 0, 1, "label of the theirs marker (default: theirs; git passes %Y)"},
    {"marker-size", 'L', 1, "accepted for git's %L; braid's markers are 7 characters"},
    {0},
};

static int cmd_merge_driver(cli_args *a)
{
	braid_buf base = BRAID_BUF_INIT, ours = BRAID_BUF_INIT, theirs = BRAID_BUF_INIT;
	braid_merge_options opts = BRAID_MERGE_OPTIONS_INIT;
	braid_merge_result *r = NULL;
	braid_merge_input in;
	const char *tier = cli_opt_value(a, "tier");
	int err, rc;

	if (a->npos < 3 || a->npos > 4)
		return cli_usage_error(a, "needs BASE OURS THEIRS [PATH] (git's %%O %%A %%B %%P)");
	if (tier) {
		if (strlen(tier) != 1 || tier[0] < '1' || tier[0] > '3')
			return cli_usage_error(a, "--tier must be 1, 2 or 3, not '%s'", tier);
		opts.max_tier = tier[0] - '0';
	}
	if ((err = braid_fs_read(&base, a->pos[0], DRIVER_MAX_INPUT)) < 0 ||
	    (err = braid_fs_read(&ours, a->pos[1], DRIVER_MAX_INPUT)) < 0 ||
	    (err = braid_fs_read(&theirs, a->pos[2], DRIVER_MAX_INPUT)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	memset(&in, 0, sizeof(in));
	/* git gives an empty %O when the file has no common ancestor */
	in.base = base.ptr;
	in.base_len = base.size;
	in.ours = ours.ptr;
	in.ours_len = ours.size;
	in.theirs = theirs.ptr;
	in.theirs_len = theirs.size;
	in.path = a->npos > 3 ? a->pos[3] : a->pos[1];
	in.driver = cli_opt_value(a, "driver");
	in.ours_label = cli_opt_value(a, "ours-label") ? cli_opt_value(a, "ours-label") : "ours";
	in.base_label = cli_opt_value(a, "base-label") ? cli_opt_value(a, "base-label") : "base";
	in.theirs_label =
	    cli_opt_value(a, "theirs-label") ? cli_opt_value(a, "theirs-label") : "theirs";
	if ((err = braid_merge_file(&r, &in, &opts)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (r->merged &&
	    (err = braid_fs_write_atomic(a->pos[1], r->merged, r->merged_len, 0644)) < 0) {
		rc = cli_fail(a, err);
		goto done;
	}
	if (a->json) {
		json_t *regions = json_array();
		size_t i;

		for (i = 0; i < r->nregions; i++) {
			const braid_merge_region *g = &r->regions[i];
			json_t *syms = json_array();
			size_t k;

			for (k = 0; g->symbols && g->symbols[k]; k++)
				json_array_append_new(syms, json_string(g->symbols[k]));
			json_array_append_new(
			    regions, json_pack("{s:s, s:s, s:s?, s:o}", "verdict",
			                       braid_merge_verdict_name(g->verdict), "kind",
			                       braid_merge_kind_name(g->kind), "description",
			                       g->description, "symbols", syms));
		}
		cli_print_json(json_pack("{s:b, s:i, s:s?, s:s?, s:o}", "clean", r->clean, "tier",
		                         r->tier, "kind",
		                         r->clean ? NULL : braid_merge_kind_name(r->conflict_kind),
		                         "rewrite", r->rewrite_note, "regions", regions));
	} else if (!r->clean) {
		size_t i;

		for (i = 0; i < r->nregions; i++)
			if (r->regions[i].verdict != BRAID_VERDICT_MERGE)
				fprintf(stderr, "braid: %s: %s (%s)\n", in.path,
				        r->regions[i].description,
				        braid_merge_kind_name(r->regions[i].kind));
	}
	if (r->rewrite_note && !a->json)
		fprintf(stderr, "braid: %s: %s\n", in.path, r->rewrite_note);
	rc = r->clean ? CLI_OK : CLI_NEGATIVE;
done:
	braid_merge_result_free(r);
	braid_buf_dispose(&base);
	braid_buf_dispose(&ours);
	braid_buf_dispose(&theirs);
	return rc;
}

CLI_COMMAND(merge_driver, "merge-driver", cmd_merge_driver, driver_opts,
            "[--driver NAME] [--tier N] BASE OURS THEIRS [PATH]",
            "merge one file three-way as braid does (a git merge driver)",
            "Configure it in git with\n"
            "  git config merge.braid.driver \"braid merge-driver %O %A %B %P\"\n"
            "and select files in .gitattributes, e.g. `*.c merge=braid`. The result goes to\n"
            "OURS (%A); the exit code is 0 when clean, 1 when conflicts remain.\n"
            "For JSON: git config merge.braid-json.driver \\\n"
            "  \"braid merge-driver --driver braid-json %O %A %B %P\" and `*.json "
            "merge=braid-json`.")
