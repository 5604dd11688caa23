/*
 * json: see json.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"

static void	json_sep(struct json *);
static void	json_raw(struct json *, const char *, size_t);
static size_t	json_utf8_len(const unsigned char *, size_t);

void
json_init(struct json *j, struct buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
	j->first[0] = 1;
}

static void
json_raw(struct json *j, const char *s, size_t n)
{
	if (buf_append(j->b, s, n) == -1)
		j->error = 1;
}

/* Before any value: a comma unless first in its container or after a key. */
static void
json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		json_raw(j, ",", 1);
	j->first[j->depth] = 0;
}

static void
json_open(struct json *j, const char *c)
{
	json_sep(j);
	json_raw(j, c, 1);
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		j->error = 1;
		return;
	}
	j->first[++j->depth] = 1;
}

static void
json_close(struct json *j, const char *c)
{
	if (j->depth == 0 || j->after_key) {
		j->error = 1;
		return;
	}
	j->depth--;
	json_raw(j, c, 1);
}

void
json_obj_begin(struct json *j)
{
	json_open(j, "{");
}

void
json_obj_end(struct json *j)
{
	json_close(j, "}");
}

void
json_arr_begin(struct json *j)
{
	json_open(j, "[");
}

void
json_arr_end(struct json *j)
{
	json_close(j, "]");
}

void
json_key(struct json *j, const char *k)
{
	json_str(j, k);
	json_raw(j, ":", 1);
	j->after_key = 1;
}

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t
json_utf8_len(const unsigned char *p, size_t n)
{
	size_t		len, i;
	uint32_t	cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
json_str(struct json *j, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), l;
	char			 esc[8];

	json_sep(j);
	json_raw(j, "\"", 1);
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			json_raw(j, esc, 2);
			l = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			json_raw(j, esc, 6);
			l = 1;
		} else if (*p < 0x80) {
			json_raw(j, (const char *)p, 1);
			l = 1;
		} else if ((l = json_utf8_len(p, n)) > 0)
			json_raw(j, (const char *)p, l);
		else {
			json_raw(j, "\\ufffd", 6);
			l = 1;
		}
		p += l;
		n -= l;
	}
	json_raw(j, "\"", 1);
}

void
json_int(struct json *j, int64_t v)
{
	char	num[24];

	json_sep(j);
	snprintf(num, sizeof(num), "%" PRId64, v);
	json_raw(j, num, strlen(num));
}

void
json_bool(struct json *j, int v)
{
	json_sep(j);
	json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_write_null(struct json *j)
{
	json_sep(j);
	json_raw(j, "null", 4);
}

void
json_kstr(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str(j, v);
}

void
json_kint(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void
json_kbool(struct json *j, const char *k, int v)
{
	json_key(j, k);
	json_bool(j, v);
}

int
json_finish(struct json *j)
{
	return j->error || j->depth != 0 || j->after_key ? -1 : 0;
}
