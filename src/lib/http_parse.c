/*
 * http_parse: see http_parse.h.  The head is copied into the request and
 * cut into NUL-terminated pieces in place; every piece is checked before
 * it is kept.  Grammar (RFC 9112 §3, §5; RFC 9110 §5.6.2):
 *   request-line = method SP request-target SP HTTP-version CRLF
 *   field-line   = field-name ":" OWS field-value OWS CRLF
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/http_parse.h"

static int	 is_tchar(int);
static char	*next_line(char **, int *);
static int	 parse_request_line(struct http_req *, char *);
static int	 parse_field(struct http_req *, char *);
static int	 check_fields(struct http_req *);
static int	 parse_length(const char *, int64_t *);
static int	 has_token(const char *list, const char *token);

/* RFC 9110 §5.6.2: token characters. */
static int
is_tchar(int c)
{
	return isalnum((unsigned char)c) ||
	    (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * The next line at *p, NUL-terminated without its CRLF; *bad set on a
 * bare CR or LF.  NULL at the end of the head.
 */
static char *
next_line(char **p, int *bad)
{
	char	*s = *p, *e;

	if (*s == '\0')
		return NULL;
	for (e = s; *e != '\0' && *e != '\r' && *e != '\n'; e++)
		;
	if (e[0] != '\r' || e[1] != '\n') {
		*bad = 1;
		return NULL;
	}
	*e = '\0';
	*p = e + 2;
	return s;
}

static int
parse_request_line(struct http_req *r, char *line)
{
	char	*sp1, *sp2, *v;
	size_t	 n;

	if ((sp1 = strchr(line, ' ')) == NULL ||
	    (sp2 = strchr(sp1 + 1, ' ')) == NULL || strchr(sp2 + 1, ' '))
		return 400;
	n = (size_t)(sp1 - line);
	if (n == 0 || n > HTTP_METHOD_MAX)
		return n == 0 ? 400 : 501;
	memcpy(r->method, line, n);
	r->method[n] = '\0';
	for (v = r->method; *v != '\0'; v++)
		if (!is_tchar(*v))
			return 400;
	*sp2 = '\0';
	r->target = sp1 + 1;
	if (*r->target == '\0')
		return 400;
	for (v = sp1 + 1; *v != '\0'; v++)	/* visible ASCII only */
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return 400;
	v = sp2 + 1;
	if (strncmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) ||
	    v[6] != '.' || !isdigit((unsigned char)v[7]) || v[8] != '\0')
		return 400;
	if (v[5] != '1')
		return 505;
	r->minor = v[7] - '0';
	return 0;
}

static int
parse_field(struct http_req *r, char *line)
{
	char	*colon, *v, *e;

	if (*line == ' ' || *line == '\t')	/* obs-fold */
		return 400;
	if ((colon = strchr(line, ':')) == NULL || colon == line)
		return 400;
	*colon = '\0';
	for (v = line; *v != '\0'; v++)
		if (!is_tchar(*v))
			return 400;
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v; *e != '\0'; e++)
		if (((unsigned char)*e < 0x20 && *e != '\t') ||
		    (unsigned char)*e == 0x7f)
			return 400;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	if (r->nh == HTTP_HEADERS_MAX)
		return 400;
	r->h[r->nh].name = line;
	r->h[r->nh].value = v;
	r->nh++;
	return 0;
}

/* 1*DIGIT, at most 18 of them. */
static int
parse_length(const char *s, int64_t *out)
{
	int64_t	v = 0;
	size_t	n;

	for (n = 0; s[n] != '\0'; n++) {
		if (!isdigit((unsigned char)s[n]) || n == 18)
			return -1;
		v = v * 10 + (s[n] - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/* Is token one of the comma-separated elements of list (no case)? */
static int
has_token(const char *list, const char *token)
{
	size_t	tl = strlen(token), n;

	while (*list != '\0') {
		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		n = strcspn(list, ", \t");
		if (n == tl && strncasecmp(list, token, tl) == 0)
			return 1;
		list += n;
	}
	return 0;
}

/* The fields that shape the message framing (RFC 9112 §6.3). */
static int
check_fields(struct http_req *r)
{
	const char	*conn;
	size_t		 i, hosts = 0, lengths = 0;

	r->content_length = -1;
	for (i = 0; i < r->nh; i++) {
		if (strcasecmp(r->h[i].name, "Host") == 0)
			hosts++;
		else if (strcasecmp(r->h[i].name, "Transfer-Encoding") == 0)
			return 501;
		else if (strcasecmp(r->h[i].name, "Content-Length") == 0) {
			if (lengths++ > 0 || parse_length(r->h[i].value,
			    &r->content_length) == -1)
				return 400;
		}
	}
	if (hosts > 1 || (hosts == 0 && r->minor >= 1))
		return 400;
	conn = http_req_header(r, "Connection");
	r->keep_alive = r->minor >= 1 && (conn == NULL ||
	    !has_token(conn, "close"));
	return 0;
}

int
http_parse_head(struct http_req *r, const char *buf, size_t len)
{
	char	*p, *line;
	int	 bad = 0, rc;

	r->nh = 0;
	r->method[0] = '\0';
	r->target = NULL;
	if (len < 4 || len > HTTP_HEAD_MAX || memchr(buf, '\0', len) != NULL ||
	    memcmp(buf + len - 4, "\r\n\r\n", 4) != 0)
		return 400;
	memcpy(r->head, buf, len);
	r->head[len] = '\0';
	p = r->head;
	if ((line = next_line(&p, &bad)) == NULL ||
	    (rc = parse_request_line(r, line)) != 0)
		return bad || line == NULL ? 400 : rc;
	while ((line = next_line(&p, &bad)) != NULL && *line != '\0')
		if ((rc = parse_field(r, line)) != 0)
			return rc;
	if (bad || line == NULL || *p != '\0')
		return 400;
	return check_fields(r);
}

const char *
http_req_header(const struct http_req *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nh; i++)
		if (strcasecmp(r->h[i].name, name) == 0)
			return r->h[i].value;
	return NULL;
}
