/*
 * json.c: JSON views of the library's objects, the shapes every front
 * prints. They match the CLI's --json output field for field (and add
 * what a remote caller cannot look up cheaply, such as agent names).
 */
#include "common.h"
#include "api/api_int.h"

json_t *braid_api__agent_json(const braid_agent *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", a->id, "name", a->name, "role", a->role,
	                 "pubkey", a->pubkey, "created_at", (json_int_t)a->created_at);
}

json_t *braid_api__workspace_json(const braid_workspace *w, const braid_workspace_status *st)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:I}", "id", w->id, "agent",
	                      w->agent_name ? w->agent_name : w->agent_id, "agent_id", w->agent_id,
	                      "path", w->path, "change", w->change_id, "workspace_state", w->state,
	                      "created_at", (json_int_t)w->created_at);

	if (j && st) {
		json_t *more =
		    json_pack("{s:s?, s:b, s:I, s:b, s:b, s:s?}", "state", st->change_state,
		              "dirty", st->dirty, "dirty_files", (json_int_t)st->dirty_files,
		              "unlanded", st->unlanded, "behind", st->behind, "head", st->head);
		if (!more || json_object_update(j, more) < 0) {
			json_decref(more);
			json_decref(j);
			return NULL;
		}
		json_decref(more);
	}
	return j;
}

json_t *braid_api__submission_json(const braid_submission *s)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, "
	                      "s:s?, s:I, s:I}",
	                      "id", (json_int_t)s->id, "change", s->change_id, "agent_id",
	                      s->agent_id, "agent", s->agent_name, "workspace", s->workspace_id,
	                      "base", s->base_commit, "head", s->head_commit, "message", s->message,
	                      "resolves", s->resolves, "state", s->state, "landed", s->land_commit,
	                      "conflict", s->conflict_id, "op", s->result_op, "created_at",
	                      (json_int_t)s->created_at, "updated_at", (json_int_t)s->updated_at);

	if (j && s->detail)
		json_object_set_new(j, "detail", braid_api__json_or_string(s->detail));
	return j;
}

static json_t *side_content(braid_ctx *ctx, const braid_conflict_file *f, const char *side)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *j;

	if (braid_conflict_side(&buf, &len, ctx, f, side) < 0 || !buf || memchr(buf, '\0', len)) {
		free(buf);
		return json_null();
	}
	j = json_stringn(buf, len);
	free(buf);
	return j ? j : json_null();
}

json_t *braid_api__conflict_json(braid_ctx *ctx, const braid_conflict *c, int full)
{
	json_t *files = json_array();
	size_t i;

	if (!files)
		return NULL;
	for (i = 0; i < c->nfiles; i++) {
		const braid_conflict_file *f = &c->files[i];
		json_t *jf = json_pack("{s:s, s:s, s:s?}", "path", f->path, "kind", f->kind,
		                       "description", f->description);
		if (!jf)
			goto oom;
		if (full) {
			json_object_set_new(jf, "regions", braid_api__json_or_string(f->regions));
			json_object_set_new(jf, "main_origin",
			                    f->ours_origin
			                        ? braid_api__json_or_string(f->ours_origin)
			                        : json_array());
			json_object_set_new(jf, "base_blob",
			                    f->base_oid ? json_string(f->base_oid) : json_null());
			json_object_set_new(jf, "main_blob",
			                    f->ours_oid ? json_string(f->ours_oid) : json_null());
			json_object_set_new(jf, "submitted_blob",
			                    f->theirs_oid ? json_string(f->theirs_oid)
			                                  : json_null());
			json_object_set_new(jf, "content",
			                    json_pack("{s:o, s:o, s:o}", "base",
			                              side_content(ctx, f, "base"), "main",
			                              side_content(ctx, f, "ours"), "submitted",
			                              side_content(ctx, f, "theirs")));
		}
		json_array_append_new(files, jf);
	}
	return json_pack(
	    "{s:s, s:s, s:s?, s:s, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:I, s:I, s:o}", "id",
	    c->id, "state", c->state, "agent", c->agent_name, "agent_id", c->agent_id, "submission",
	    (json_int_t)c->submission_id, "change", c->change_id, "base", c->base_commit, "main",
	    c->ours_commit, "submitted", c->theirs_commit, "op", c->op_id, "resolved_op",
	    c->resolved_op, "created_at", (json_int_t)c->created_at, "updated_at",
	    (json_int_t)c->updated_at, "files", files);
oom:
	json_decref(files);
	return NULL;
}

json_t *braid_api__op_json(const braid_op *op, const char *agent_name)
{
	json_t *parents = json_array();
	size_t i;

	for (i = 0; parents && i < op->nparents; i++)
		json_array_append_new(parents, json_string(op->parents[i]));
	return json_pack("{s:I, s:s, s:s, s:s, s:s?, s:o, s:o, s:s, s:I}", "seq",
	                 (json_int_t)op->seq, "id", op->id, "kind", op->kind, "agent", op->agent_id,
	                 "agent_name", agent_name, "parents", parents, "payload",
	                 braid_api__json_or_string(op->payload), "signature", op->signature,
	                 "created_at", (json_int_t)op->created_at);
}
