/*
 * envelope: see envelope.h.  The parser walks the text with explicit
 * bounds, never relies on NUL termination, and rejects anything that
 * does not fit a field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "queue/envelope.h"

/* what the parser lets through must fit the envelope */
_Static_assert(SMTP_ENVID_MAX == ENVELOPE_ENVID_MAX, "ENVID bound");
_Static_assert(SMTP_ORCPT_MAX == ENVELOPE_ORCPT_MAX, "ORCPT bound");

#define ENV_MAGIC	"postern-envelope 1\n"

enum env_kind { ENV_STR, ENV_U64, ENV_U32, ENV_RCPT, ENV_NOTIFY, ENV_ORCPT,
	ENV_END };

struct env_field {
	const char	*key;
	enum env_kind	 kind;
	size_t		 off;		/* offset in struct envelope */
	size_t		 size;		/* for strings */
};

#define F_STR(k, m) { k, ENV_STR, offsetof(struct envelope, m), \
	sizeof(((struct envelope *)0)->m) }
static const struct env_field env_fields[] = {
	F_STR("id", id),
	{ "created", ENV_U64, offsetof(struct envelope, created), 0 },
	F_STR("sender", sender),
	F_STR("helo", helo),
	F_STR("client", client),
	F_STR("auth", auth_user),
	F_STR("listener", listener),
	{ "flags", ENV_U32, offsetof(struct envelope, flags), 0 },
	{ "size", ENV_U64, offsetof(struct envelope, size), 0 },
	{ "ret", ENV_U32, offsetof(struct envelope, ret), 0 },
	F_STR("envid", envid),
	{ "rcpt", ENV_RCPT, 0, 0 },
	{ "notify", ENV_NOTIFY, 0, 0 },	/* written with their rcpt */
	{ "orcpt", ENV_ORCPT, 0, 0 },
	{ "end", ENV_END, 0, 0 },	/* last line: the file is whole */
};
#define NFIELDS	(sizeof(env_fields) / sizeof(env_fields[0]))

static int	env_put(struct buf *, const char *, const char *, size_t);
static int	env_put_rcpt(struct buf *, const struct env_rcpt *);
static int	env_set(struct envelope *, const struct env_field *,
		    const char *, size_t);

void
envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof(*e));
}

void
envelope_free(struct envelope *e)
{
	free(e->rcpt);
	envelope_init(e);
}

int
envelope_copy(struct envelope *dst, const struct envelope *src)
{
	*dst = *src;
	dst->rcpt = NULL;
	if (src->nrcpt == 0)
		return 0;
	if ((dst->rcpt = reallocarray(NULL, src->nrcpt,
	    sizeof(*dst->rcpt))) == NULL) {
		envelope_init(dst);
		return -1;
	}
	memcpy(dst->rcpt, src->rcpt, src->nrcpt * sizeof(*dst->rcpt));
	return 0;
}

int
envelope_add_rcpt(struct envelope *e, const char *addr)
{
	void	*p;

	if (e->nrcpt >= ENVELOPE_RCPT_MAX)
		return -1;
	if ((p = reallocarray(e->rcpt, e->nrcpt + 1, sizeof(*e->rcpt))) ==
	    NULL)
		return -1;
	e->rcpt = p;
	memset(&e->rcpt[e->nrcpt], 0, sizeof(e->rcpt[0]));
	if (util_strlcpy(e->rcpt[e->nrcpt].addr, addr,
	    sizeof(e->rcpt[0].addr)) == -1)
		return -1;
	e->nrcpt++;
	return 0;
}

/* "key LEN value\n"; by hand, not printf: an envelope has a dozen */
static int
env_put(struct buf *b, const char *key, const char *v, size_t n)
{
	char	line[64 + UTIL_U64_DIG + 3];
	size_t	k = strlen(key), d;

	if (k > 64)
		return -1;
	memcpy(line, key, k);
	line[k++] = ' ';
	d = util_u64_dec(n, line + k);
	k += d;
	line[k++] = ' ';
	if (buf_append(b, line, k) == -1 || buf_append(b, v, n) == -1 ||
	    buf_append(b, "\n", 1) == -1)
		return -1;
	return 0;
}

static int
env_put_rcpt(struct buf *b, const struct env_rcpt *r)
{
	char	num[UTIL_U64_DIG + 1];

	if (env_put(b, "rcpt", r->addr, strlen(r->addr)) == -1)
		return -1;
	if (r->notify != 0) {
		if (env_put(b, "notify", num, util_u64_dec(r->notify, num)) ==
		    -1)
			return -1;
	}
	if (r->orcpt[0] != '\0' &&
	    env_put(b, "orcpt", r->orcpt, strlen(r->orcpt)) == -1)
		return -1;
	return 0;
}

int
envelope_format(const struct envelope *e, struct buf *b)
{
	const struct env_field	*f;
	char			 num[24];
	size_t			 i, r;

	if (buf_appends(b, ENV_MAGIC) == -1)
		return -1;
	for (i = 0; i < NFIELDS; i++) {
		f = &env_fields[i];
		const char *base = (const char *)e + f->off;
		switch (f->kind) {
		case ENV_STR:
			if (env_put(b, f->key, base, strlen(base)) == -1)
				return -1;
			break;
		case ENV_U64:
			if (env_put(b, f->key, num, util_u64_dec(
			    *(const uint64_t *)(const void *)base, num)) == -1)
				return -1;
			break;
		case ENV_U32:
			if (env_put(b, f->key, num, util_u64_dec(
			    *(const uint32_t *)(const void *)base, num)) == -1)
				return -1;
			break;
		case ENV_RCPT:
			for (r = 0; r < e->nrcpt; r++)
				if (env_put_rcpt(b, &e->rcpt[r]) == -1)
					return -1;
			break;
		case ENV_NOTIFY:
		case ENV_ORCPT:
			break;
		case ENV_END:
			if (env_put(b, f->key, "", 0) == -1)
				return -1;
			break;
		}
	}
	return 0;
}

static int
env_set(struct envelope *e, const struct env_field *f, const char *v,
    size_t n)
{
	char			 tmp[ENVELOPE_ORCPT_MAX + 1];
	char			*base = (char *)e + f->off, *end;
	unsigned long long	 u;

	if (f->kind == ENV_STR) {
		if (n >= f->size || memchr(v, '\0', n) != NULL)
			return -1;
		memcpy(base, v, n);
		base[n] = '\0';
		return 0;
	}
	if (n >= sizeof(tmp) || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (f->kind == ENV_RCPT)
		return envelope_add_rcpt(e, tmp);
	if (f->kind == ENV_ORCPT)
		return e->nrcpt == 0 ? -1 : util_strlcpy(
		    e->rcpt[e->nrcpt - 1].orcpt, tmp, sizeof(e->rcpt[0].orcpt));
	if (f->kind == ENV_NOTIFY) {
		if (e->nrcpt == 0)
			return -1;
		base = (char *)&e->rcpt[e->nrcpt - 1].notify;
	}
	if (n == 0 || n > 20 || strspn(tmp, "0123456789") != n)
		return -1;
	errno = 0;
	u = strtoull(tmp, &end, 10);
	if (errno != 0)
		return -1;
	if (f->kind == ENV_U32 || f->kind == ENV_NOTIFY) {
		if (u > UINT32_MAX)
			return -1;
		*(uint32_t *)(void *)base = (uint32_t)u;
	} else
		*(uint64_t *)(void *)base = (uint64_t)u;
	return 0;
}

int
envelope_parse(struct envelope *e, const char *p, size_t n, char *err,
    size_t errsz)
{
	const char	*end = p + n, *sp, *v;
	size_t		 klen, vlen, i;
	int		 line = 1, complete = 0;

	envelope_init(e);
	if (n < sizeof(ENV_MAGIC) - 1 ||
	    memcmp(p, ENV_MAGIC, sizeof(ENV_MAGIC) - 1) != 0) {
		snprintf(err, errsz, "not a postern envelope (version 1)");
		return -1;
	}
	p += sizeof(ENV_MAGIC) - 1;
	while (p < end) {
		if (complete)
			goto bad;	/* nothing may follow "end" */
		line++;
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			goto bad;
		klen = (size_t)(sp - p);
		for (i = 0; i < NFIELDS; i++)
			if (strlen(env_fields[i].key) == klen &&
			    memcmp(env_fields[i].key, p, klen) == 0)
				break;
		if (i == NFIELDS)
			goto bad;
		for (vlen = 0, v = sp + 1; v < end && *v >= '0' && *v <= '9' &&
		    vlen < 100000; v++)
			vlen = vlen * 10 + (size_t)(*v - '0');
		if (v == sp + 1 || v >= end || *v != ' ' ||
		    (size_t)(end - v - 1) < vlen + 1 || v[1 + vlen] != '\n')
			goto bad;
		if (env_fields[i].kind == ENV_END) {
			if (vlen != 0)
				goto bad;
			complete = 1;
		} else if (env_set(e, &env_fields[i], v + 1, vlen) == -1)
			goto bad;
		p = v + 1 + vlen + 1;
	}
	if (!complete || e->id[0] == '\0' || e->nrcpt == 0) {
		snprintf(err, errsz, "envelope %s", complete ?
		    "lacks id or recipients" : "is truncated");
		envelope_free(e);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errsz, "malformed envelope field on line %d", line);
	envelope_free(e);
	return -1;
}

int
envelope_trailer(char *out, uint64_t env_off, uint64_t env_len)
{
	int	n;

	n = snprintf(out, ENVELOPE_TRAILER_LEN + 1, "postern-trailer 1 "
	    "%020" PRIu64 " %020" PRIu64 "\n", env_off, env_len);
	return n == ENVELOPE_TRAILER_LEN ? 0 : -1;
}

int
envelope_trailer_parse(const char *p, uint64_t file_len, uint64_t *env_off,
    uint64_t *env_len)
{
	static const char	magic[] = "postern-trailer 1 ";
	const char		*q = p + sizeof(magic) - 1;
	uint64_t		 v[2] = { 0, 0 };
	int			 i, k;

	if (file_len < ENVELOPE_TRAILER_LEN ||
	    memcmp(p, magic, sizeof(magic) - 1) != 0 ||
	    p[ENVELOPE_TRAILER_LEN - 1] != '\n')
		return -1;
	for (k = 0; k < 2; k++, q++) {
		for (i = 0; i < 20; i++, q++) {
			if (*q < '0' || *q > '9' ||
			    v[k] > (UINT64_MAX - 9) / 10)
				return -1;
			v[k] = v[k] * 10 + (uint64_t)(*q - '0');
		}
		if (*q != (k == 0 ? ' ' : '\n'))
			return -1;
	}
	if (v[0] > file_len - ENVELOPE_TRAILER_LEN ||
	    v[1] != file_len - ENVELOPE_TRAILER_LEN - v[0])
		return -1;
	*env_off = v[0];
	*env_len = v[1];
	return 0;
}
