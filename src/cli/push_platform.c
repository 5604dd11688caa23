/*
 * push_platform: the platform rows of `postern push` and the requests
 * and answers they describe (push_platform.h).
 *
 * Sources (docs/PLATFORMS.md gives more):
 * - Instantly API v2, "Create account" (developer.instantly.ai,
 *   operation createAccount; the OpenAPI body CreateAccountRequestBody
 *   has additionalProperties false, so no field outside the spec may be
 *   sent): email, first_name, last_name, provider_code (1 = custom
 *   IMAP/SMTP), imap_username/password/host/port and smtp_username/
 *   password/host/port required; daily_limit and warmup {limit,
 *   increment: "0".."4"} optional.  Bearer key.  An account is read by
 *   GET /api/v2/accounts/{email} and deleted by DELETE on the same path;
 *   PATCH has no credential fields, so a new password means delete and
 *   create.  Warm-up is switched on by POST /api/v2/accounts/warmup/
 *   enable {"emails": [...]}.  Errors: {"statusCode", "error",
 *   "message"}.  The answer to a create is the Account, whose status -1
 *   is "Connection Error" with status_message.e_message.
 * - Smartlead, "Add SMTP email account" (api.smartlead.ai/api-reference/
 *   email-accounts/add-smtp): POST /api/v1/email-accounts/save?api_key=,
 *   from_name, from_email, user_name, password, smtp_host, smtp_port,
 *   imap_host, imap_port, warmup_enabled required, type "SMTP",
 *   max_email_per_day, total_warmup_per_day (1-50), daily_rampup (5-20)
 *   optional; the same call with id updates the credentials.  Accounts
 *   are listed by GET /api/v1/email-accounts/?offset=&limit= (pages of
 *   100).  Success {"ok": true, "data": {"id", "is_smtp_success",
 *   "is_imap_success"}}; errors {"ok": false, "message", "error"},
 *   {"message": "Invalid API Key"}, {"error": "from_name is required"}.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/push_platform.h"
#include "lib/json.h"
#include "lib/util.h"

#define URL_MAX		4096
#define FIELD(k, v, t, f)	{ k, PROVISION_V_##v, PT_##t, f, 0, NULL }
#define CNUM(k, n)		{ k, PROVISION_V_EMPTY, PT_CONST_NUM, 0, n, NULL }
#define CSTR(k, s)		{ k, PROVISION_V_EMPTY, PT_CONST_STR, 0, 0, s }
#define FIELDS(a)		(a), sizeof(a) / sizeof((a)[0])
#define SECRET			PF_SECRET
#define OMIT			PF_OMIT_EMPTY

static int	field_value(const struct push_field *,
		    const struct provision_account *, char *, size_t);
static int	write_field(struct json *, const struct push_field *,
		    const char *, const char *, int);

static const struct push_field instantly_fields[] = {
	FIELD("email",			EMAIL,		STR, 0),
	FIELD("first_name",		FIRST_NAME,	STR, 0),
	FIELD("last_name",		LAST_NAME,	STR, 0),
	CNUM("provider_code",		1),
	FIELD("imap_username",		IMAP_USER,	STR, 0),
	FIELD("imap_password",		IMAP_PASS,	STR, SECRET),
	FIELD("imap_host",		IMAP_HOST,	STR, 0),
	FIELD("imap_port",		IMAP_PORT,	NUM, 0),
	FIELD("smtp_username",		SMTP_USER,	STR, 0),
	FIELD("smtp_password",		SMTP_PASS,	STR, SECRET),
	FIELD("smtp_host",		SMTP_HOST,	STR, 0),
	FIELD("smtp_port",		SMTP_PORT,	NUM, 0),
	FIELD("daily_limit",		DAILY_LIMIT,	NUM, OMIT),
	FIELD("warmup.limit",		WARMUP_LIMIT,	NUM, OMIT),
	FIELD("warmup.increment",	WARMUP_INCREMENT, NUM_STR, OMIT),
};

static const struct push_field smartlead_fields[] = {
	FIELD("from_name",		FROM_NAME,	STR, 0),
	FIELD("from_email",		EMAIL,		STR, 0),
	FIELD("user_name",		SMTP_USER,	STR, 0),
	FIELD("password",		SMTP_PASS,	STR, SECRET),
	FIELD("smtp_host",		SMTP_HOST,	STR, 0),
	FIELD("smtp_port",		SMTP_PORT,	NUM, 0),
	FIELD("imap_host",		IMAP_HOST,	STR, 0),
	FIELD("imap_port",		IMAP_PORT,	NUM, 0),
	FIELD("warmup_enabled",		WARMUP,		BOOL, 0),
	CSTR("type",			"SMTP"),
	FIELD("max_email_per_day",	DAILY_LIMIT,	NUM, OMIT),
	FIELD("total_warmup_per_day",	WARMUP_LIMIT,	NUM, OMIT),
	FIELD("daily_rampup",		WARMUP_INCREMENT, NUM, OMIT),
};

static const struct push_platform platforms[] = {
	{
		.name = "instantly",
		.title = "Instantly",
		.base_url = "https://api.instantly.ai",
		.key_place = PUSH_KEY_BEARER,
		.create_path = "/api/v2/accounts",
		.fields = FIELDS(instantly_fields),
		.exists = PUSH_EXISTS_GET,
		.exists_path = "/api/v2/accounts/{email}",
		.delete_path = "/api/v2/accounts/{email}",
		.warmup_path = "/api/v2/accounts/warmup/enable",
		.warmup_list_key = "emails",
		.warmup_batch = 100,
		.status_key = "status",
		.status_text_key = "status_message.e_message",
		.error_keys = { "error", "message", NULL },
		.warmup_limit_max = UINT_MAX,
		.increment_min = 0,
		.increment_max = 4,
	},
	{
		.name = "smartlead",
		.title = "Smartlead",
		.base_url = "https://server.smartlead.ai",
		.key_place = PUSH_KEY_QUERY,
		.key_name = "api_key",
		.create_path = "/api/v1/email-accounts/save",
		.fields = FIELDS(smartlead_fields),
		.exists = PUSH_EXISTS_LIST,
		.exists_path = "/api/v1/email-accounts/",
		.list_email_key = "from_email",
		.list_id_key = "id",
		.list_page = 100,
		.update_id_key = "id",
		.ok_key = "ok",
		.id_key = "data.id",
		.smtp_ok_key = "data.is_smtp_success",
		.imap_ok_key = "data.is_imap_success",
		.error_keys = { "message", "error", NULL },
		.warmup_limit_max = 50,
		.increment_min = 5,
		.increment_max = 20,
	},
};

#define NPLATFORMS	(sizeof(platforms) / sizeof(platforms[0]))

const struct push_platform *
push_platform_find(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < NPLATFORMS; i++)
		if (strcasecmp(platforms[i].name, name) == 0)
			return &platforms[i];
	return NULL;
}

const struct push_platform *
push_platform_at(size_t i)
{
	return i < NPLATFORMS ? &platforms[i] : NULL;
}

/* RFC 3986 §2.3 unreserved, and '@' (a pchar): the rest %XX. */
int
push_encode(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 e[3];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL) {
			if (buf_append(b, s, 1) == -1)
				return -1;
			continue;
		}
		e[0] = '%';
		e[1] = hex[c >> 4];
		e[2] = hex[c & 15];
		if (buf_append(b, e, 3) == -1)
			return -1;
	}
	return 0;
}

int
push_url(const struct push_platform *p, const char *base, const char *path,
    const char *email, const char *query, struct buf *out)
{
	const char	*mark = strstr(path, "{email}");
	size_t		 blen = strlen(base);
	char		 sep = '?';

	buf_init(out, URL_MAX);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	if (buf_append(out, base, blen) == -1)
		return -1;
	if (mark != NULL) {
		if (email == NULL || buf_append(out, path, (size_t)(mark -
		    path)) == -1 || push_encode(out, email) == -1 ||
		    buf_appends(out, mark + strlen("{email}")) == -1)
			return -1;
	} else if (buf_appends(out, path) == -1)
		return -1;
	if (p->key_place == PUSH_KEY_QUERY) {
		if (buf_appendf(out, "?%s=%s", p->key_name, PUSH_KEY_MARK) ==
		    -1)
			return -1;
		sep = '&';
	}
	if (query != NULL && buf_appendf(out, "%c%s", sep, query) == -1)
		return -1;
	return 0;
}

const char *
push_key_header(const struct push_platform *p, char *out, size_t outsz)
{
	int	rc = -1;

	if (p->key_place == PUSH_KEY_BEARER)
		rc = util_snprintf(out, outsz, "Authorization: Bearer %s",
		    PUSH_KEY_MARK);
	else if (p->key_place == PUSH_KEY_HEADER)
		rc = util_snprintf(out, outsz, "%s: %s", p->key_name,
		    PUSH_KEY_MARK);
	return rc == -1 ? NULL : out;
}

/* The field's text into out: 1 to write it, 0 to leave it out, -1. */
static int
field_value(const struct push_field *f, const struct provision_account *a,
    char *out, size_t outsz)
{
	out[0] = '\0';
	if (f->type == PT_CONST_NUM || f->type == PT_CONST_STR)
		return 1;
	if (provision_fmt_value(a, f->val, out, outsz) == NULL)
		return -1;
	if ((f->flags & PF_OMIT_EMPTY) && (out[0] == '\0' ||
	    strcmp(out, "0") == 0))
		return 0;
	return 1;
}

static int
write_field(struct json *j, const struct push_field *f, const char *name,
    const char *v, int mask)
{
	json_key(j, name);
	if (mask && (f->flags & PF_SECRET)) {
		json_str(j, PUSH_SECRET_MASK);
		return 0;
	}
	switch (f->type) {
	case PT_STR:
	case PT_NUM_STR:
		json_str(j, v);
		break;
	case PT_NUM:
		json_int(j, strtoll(v, NULL, 10));
		break;
	case PT_BOOL:
		json_bool(j, strcmp(v, "TRUE") == 0);
		break;
	case PT_CONST_NUM:
		json_int(j, f->cnum);
		break;
	case PT_CONST_STR:
		json_str(j, f->cstr);
		break;
	}
	return 0;
}

int
push_body(const struct push_platform *p, const struct provision_account *a,
    long long id, int mask, struct buf *out)
{
	struct json	 j;
	char		 v[PUSH_TEXT_MAX], open[64] = "";
	const char	*dot, *name;
	size_t		 i, plen;
	int		 rc;

	json_init(&j, out);
	json_obj_begin(&j);
	for (i = 0; i < p->nfields; i++) {
		const struct push_field *f = &p->fields[i];

		if ((rc = field_value(f, a, v, sizeof(v))) == -1)
			return -1;
		if (rc == 0)
			continue;
		dot = strchr(f->key, '.');
		plen = dot ? (size_t)(dot - f->key) : 0;
		name = dot ? dot + 1 : f->key;
		/* one level of nesting: open or close "warmup": {...} */
		if (open[0] != '\0' && (plen == 0 || strncmp(open, f->key,
		    plen) != 0 || open[plen] != '\0')) {
			json_obj_end(&j);
			open[0] = '\0';
		}
		if (plen > 0 && open[0] == '\0') {
			if (plen >= sizeof(open))
				return -1;
			memcpy(open, f->key, plen);
			open[plen] = '\0';
			json_key(&j, open);
			json_obj_begin(&j);
		}
		write_field(&j, f, name, v, mask);
	}
	if (open[0] != '\0')
		json_obj_end(&j);
	if (id >= 0 && p->update_id_key != NULL)
		json_kint(&j, p->update_id_key, id);
	json_obj_end(&j);
	return json_finish(&j);
}

int
push_warmup_body(const struct push_platform *p, const char *const *emails,
    size_t n, struct buf *out)
{
	struct json	j;
	size_t		i;

	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, p->warmup_list_key);
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		json_str(&j, emails[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	return json_finish(&j);
}

json_t *
push_json_path(json_t *v, const char *path)
{
	char		 part[64];
	const char	*dot;
	size_t		 n;

	while (v != NULL && path != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part) || !json_is_object(v))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		v = json_object_get(v, part);
		path = dot ? dot + 1 : NULL;
	}
	return v;
}

void
push_error_text(const struct push_platform *p, const char *body, char *out,
    size_t outsz)
{
	json_t		*root, *v;
	json_error_t	 err;
	size_t		 i, len = 0;

	out[0] = '\0';
	root = json_loads(body, JSON_REJECT_DUPLICATES, &err);
	for (i = 0; root != NULL && i < 3 && p->error_keys[i] != NULL; i++) {
		v = push_json_path(root, p->error_keys[i]);
		if (!json_is_string(v) || json_string_length(v) == 0)
			continue;
		(void)snprintf(out + len, outsz - len, "%s%s", len ? ": " : "",
		    json_string_value(v));
		len = strlen(out);
	}
	json_decref(root);
	if (out[0] == '\0')
		(void)snprintf(out, outsz, "%.200s", body);
}
