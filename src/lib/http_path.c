/*
 * http_path: see http_path.h.  RFC 3986 §2.3: unreserved characters are
 * never escaped in the canonical form; §6.2.2.2 calls decoding them a
 * normalisation, which is exactly what must not make two spellings of
 * one route.
 */
#include <ctype.h>
#include <string.h>

#include "lib/http_path.h"
#include "lib/util.h"

static int	 hexval(int);
static int	 unreserved(int);
static int	 decode(const char *, size_t, char *, size_t, int path);

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int
unreserved(int c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' ||
	    c == '_' || c == '~';
}

/*
 * Decode n bytes of s into out.  In a path, an escape may stand only for
 * a printable ASCII character that is not unreserved, '/' or '\'; in a
 * query, for any byte but NUL and controls.  -1 if malformed or too
 * long.
 */
static int
decode(const char *s, size_t n, char *out, size_t outsz, int path)
{
	size_t	i, o = 0;
	int	c, hi, lo;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\' || c <= 0x20 || c >= 0x7f)
			return -1;
		if (c == '%') {
			if (i + 2 >= n)
				return -1;
			if ((hi = hexval(s[i + 1])) == -1 ||
			    (lo = hexval(s[i + 2])) == -1)
				return -1;
			c = hi * 16 + lo;
			i += 2;
			if (c < 0x20 || c == 0x7f)
				return -1;
			if (path && (c > 0x7e || unreserved(c) || c == '/' ||
			    c == '\\' || c == ' '))
				return -1;
		}
		else if (c == '+' && !path)
			c = ' ';	/* form encoding: '+' is a space */
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
http_path_parse(struct http_path *p, const char *target)
{
	const char	*q, *s, *e;
	size_t		 plen, n;

	p->nseg = 0;
	p->query = "";
	if (target[0] != '/')
		return -1;
	q = strchr(target, '?');
	plen = q != NULL ? (size_t)(q - target) : strlen(target);
	if (plen > HTTP_PATH_MAX || (q != NULL && strlen(q + 1) >
	    HTTP_PATH_MAX))
		return -1;
	memcpy(p->raw, target, plen);
	p->raw[plen] = '\0';
	if (q != NULL) {
		if (strchr(q + 1, '#') != NULL || strchr(q + 1, '\\') != NULL)
			return -1;
		util_strlcpy(p->qbuf, q + 1, sizeof(p->qbuf));
		p->query = p->qbuf;
	}
	if (plen == 1)
		return 0;			/* "/" */
	for (s = p->raw + 1; ; s = e + 1) {
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 0) {
			if (e == NULL)		/* a trailing '/' */
				return p->nseg > 0 ? 0 : -1;
			return -1;		/* "//" */
		}
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
		    s[1] == '.') || p->nseg == HTTP_SEGMENTS_MAX ||
		    decode(s, n, p->seg[p->nseg], sizeof(p->seg[0]), 1) == -1)
			return -1;
		p->nseg++;
		if (e == NULL)
			return 0;
	}
}

int
http_query_get(const char *query, const char *key, char *out, size_t outsz)
{
	const char	*s = query, *eq, *amp;
	size_t		 kl = strlen(key), n;

	while (*s != '\0') {
		amp = strchr(s, '&');
		n = amp != NULL ? (size_t)(amp - s) : strlen(s);
		eq = memchr(s, '=', n);
		if (eq != NULL && (size_t)(eq - s) == kl &&
		    strncmp(s, key, kl) == 0)
			return decode(eq + 1, n - kl - 1, out, outsz, 0) == -1 ?
			    -1 : 1;
		if (eq == NULL && n == kl && strncmp(s, key, kl) == 0) {
			if (outsz == 0)
				return -1;
			out[0] = '\0';
			return 1;
		}
		if (amp == NULL)
			break;
		s = amp + 1;
	}
	return 0;
}
