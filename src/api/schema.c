/*
 * schema.c: checks method arguments against their JSON Schema. Only the
 * subset the method schemas use is understood (type, properties, required,
 * additionalProperties: false, enum, minimum/maximum, minLength/maxLength,
 * items, minItems/maxItems); an unknown keyword is ignored, as JSON Schema
 * says. A null argument counts as not given. Messages name the argument and what was expected, for
 * an agent to correct its call.
 */
#include "common.h"
#include "api/api_int.h"
#include "util/buf.h"

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int type_matches(const char *t, const json_t *v)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v) ||
		       (json_is_real(v) &&
		        json_real_value(v) == (double)(int64_t)json_real_value(v));
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	return 1;
}

static int check_type(const json_t *schema, const json_t *v, const char *what)
{
	const json_t *t = json_object_get(schema, "type");
	size_t i;

	if (json_is_string(t)) {
		if (!type_matches(json_string_value(t), v))
			return braid_error_set(BRAID_EINVALID, "%s must be %s%s, not %s", what,
			                       strchr("aeiou", json_string_value(t)[0]) ? "an "
			                                                                : "a ",
			                       json_string_value(t), type_name(v));
	} else if (json_is_array(t)) {
		for (i = 0; i < json_array_size(t); i++)
			if (type_matches(json_string_value(json_array_get(t, i)), v))
				return 0;
		return braid_error_set(BRAID_EINVALID, "%s has the wrong type (%s)", what,
		                       type_name(v));
	}
	return 0;
}

static int check_enum(const json_t *schema, const json_t *v, const char *what)
{
	const json_t *e = json_object_get(schema, "enum");
	braid_buf list = BRAID_BUF_INIT;
	size_t i;
	int err;

	if (!json_is_array(e))
		return 0;
	for (i = 0; i < json_array_size(e); i++)
		if (json_equal(json_array_get(e, i), (json_t *)v))
			return 0;
	for (i = 0; i < json_array_size(e); i++) {
		const char *s = json_string_value(json_array_get(e, i));
		if (braid_buf_printf(&list, "%s'%s'", i ? ", " : "", s ? s : "?") < 0)
			break;
	}
	err = braid_error_set(BRAID_EINVALID, "%s must be one of %s", what, list.ptr);
	braid_buf_dispose(&list);
	return err;
}

static int check_bounds(const json_t *schema, const json_t *v, const char *what)
{
	const json_t *b;

	if (json_is_number(v)) {
		double x = json_number_value(v);
		if ((b = json_object_get(schema, "minimum")) && x < json_number_value(b))
			return braid_error_set(BRAID_EINVALID, "%s must be at least %g", what,
			                       json_number_value(b));
		if ((b = json_object_get(schema, "maximum")) && x > json_number_value(b))
			return braid_error_set(BRAID_EINVALID, "%s must be at most %g", what,
			                       json_number_value(b));
	}
	if (json_is_string(v)) {
		size_t n = json_string_length(v);
		if ((b = json_object_get(schema, "minLength")) &&
		    (json_int_t)n < json_integer_value(b))
			return braid_error_set(BRAID_EINVALID, "%s must not be empty", what);
		if ((b = json_object_get(schema, "maxLength")) &&
		    (json_int_t)n > json_integer_value(b))
			return braid_error_set(BRAID_EINVALID,
			                       "%s is too long (%zu bytes, at most %lld)", what, n,
			                       (long long)json_integer_value(b));
		if (memchr(json_string_value(v), '\0', n))
			return braid_error_set(BRAID_EINVALID, "%s contains a NUL byte", what);
	}
	if (json_is_array(v)) {
		size_t n = json_array_size(v);
		if ((b = json_object_get(schema, "minItems")) &&
		    (json_int_t)n < json_integer_value(b))
			return braid_error_set(BRAID_EINVALID, "%s needs at least %lld item%s",
			                       what, (long long)json_integer_value(b),
			                       json_integer_value(b) == 1 ? "" : "s");
		if ((b = json_object_get(schema, "maxItems")) &&
		    (json_int_t)n > json_integer_value(b))
			return braid_error_set(BRAID_EINVALID,
			                       "%s has too many items (at most %lld)", what,
			                       (long long)json_integer_value(b));
	}
	return 0;
}

static int check_object(const json_t *schema, const json_t *v, const char *what, int top)
{
	const json_t *props = json_object_get(schema, "properties");
	const json_t *req = json_object_get(schema, "required");
	const json_t *addl = json_object_get(schema, "additionalProperties");
	const char *key;
	json_t *val;
	size_t i;
	int err;

	for (i = 0; i < json_array_size(req); i++) {
		const char *k = json_string_value(json_array_get(req, i));
		if (k && (!json_object_get(v, k) || json_is_null(json_object_get(v, k)))) {
			if (top)
				return braid_error_set(BRAID_EINVALID,
				                       "missing required argument '%s'", k);
			return braid_error_set(BRAID_EINVALID, "%s needs a '%s' field", what, k);
		}
	}
	json_object_foreach((json_t *)v, key, val) {
		const json_t *ps = json_object_get(props, key);
		char name[160];

		if (!ps) {
			braid_buf known = BRAID_BUF_INIT;
			const char *pk;
			json_t *pv;
			if (!json_is_false(addl))
				continue;
			json_object_foreach((json_t *)props, pk, pv) {
				(void)pv;
				if (braid_buf_printf(&known, "%s%s", known.size ? ", " : "", pk) <
				    0)
					break;
			}
			err = braid_error_set(BRAID_EINVALID, "unknown argument '%.64s'%s%s%s", key,
			                      known.size ? " (accepted: " : " (this takes none)",
			                      known.ptr, known.size ? ")" : "");
			braid_buf_dispose(&known);
			return err;
		}
		if (top)
			snprintf(name, sizeof(name), "argument '%.64s'", key);
		else
			snprintf(name, sizeof(name), "%.80s.%.64s", what, key);
		if (json_is_null(val)) /* null is "not given" */
			continue;
		if ((err = braid_api__validate(ps, val, name)) < 0)
			return err;
	}
	return 0;
}

int braid_api__validate(const json_t *schema, const json_t *v, const char *what)
{
	int err;
	size_t i;

	if ((err = check_type(schema, v, what)) < 0 || (err = check_enum(schema, v, what)) < 0 ||
	    (err = check_bounds(schema, v, what)) < 0)
		return err;
	if (json_is_object(v))
		return check_object(schema, v, what, !strcmp(what, "arguments"));
	if (json_is_array(v) && json_object_get(schema, "items")) {
		const json_t *items = json_object_get(schema, "items");
		for (i = 0; i < json_array_size(v); i++) {
			char name[160];
			snprintf(name, sizeof(name), "%.100s[%zu]", what, i);
			if ((err = braid_api__validate(items, json_array_get(v, i), name)) < 0)
				return err;
		}
	}
	return 0;
}
