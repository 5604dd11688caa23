/*
 * bounce_text: scanning the text of a bounce (bounce_text.h): lines,
 * the diagnostic replies in free text and where the quoted original
 * message starts.  A diagnostic is "550 5.1.1 ..." at the start of a
 * line or after ':', a quote, '(' or ';'.  Pure; every copy is bounded.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_text.h"
#include "core/reply.h"
#include "lib/buf.h"
#include "lib/util.h"

/* Lines after which a bounce quotes the original message. */
static const char *const bt_original_markers[] = {
	"--- Below this line is a copy of the message",
	"------ This is a copy of the message",
	"----- Original message -----",
	"Original message headers:",
	"----- Message header follows -----",
	"------- Returned message",
	"--- The header of the original message is following",
	"Message headers follow",	/* DragonFly Mail Agent */
	"-------original message",	/* mFILTER */
	"-------original mail info",
};

static int	bt_is_diag_at(const char *, size_t, size_t);

/* The first occurrence of needle in the n bytes at s, in any case. */
const char *
bounce_memcasestr(const char *s, size_t n, const char *needle)
{
	size_t	k = strlen(needle), i;

	for (i = 0; k <= n && i <= n - k; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

int
bounce_istarts(const char *s, size_t n, const char *prefix)
{
	size_t	k = strlen(prefix);

	return n >= k && strncasecmp(s, prefix, k) == 0;
}

/* Index of the LF ending the line that starts at i (or n). */
size_t
bounce_line_end(const char *s, size_t n, size_t i)
{
	const char	*nl = memchr(s + i, '\n', n - i);

	return nl != NULL ? (size_t)(nl - s) : n;
}

/*
 * Is there a diagnostic reply at s[i]: "NNN" with class 4 or 5 followed
 * by ' ', '-', ':' or the end of the line, at the start of a line or
 * after ':', a quote, '(' or ';' (and spaces)?
 */
static int
bt_is_diag_at(const char *s, size_t n, size_t i)
{
	size_t	k;

	if (i + 3 > n || (s[i] != '4' && s[i] != '5') || s[i + 1] < '0' ||
	    s[i + 1] > '5' || !isdigit((unsigned char)s[i + 2]))
		return 0;
	if (i + 3 < n && s[i + 3] != ' ' && s[i + 3] != '-' &&
	    s[i + 3] != ':' && s[i + 3] != '\n')
		return 0;
	for (k = i; k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'); k--)
		;
	return k == 0 || (s[k - 1] != '\0' &&
	    strchr("\n:'\"(;", s[k - 1]) != NULL);
}

/* The first diagnostic in s; *len is what is left of s from there. */
const char *
bounce_find_diag(const char *s, size_t n, size_t *len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (bt_is_diag_at(s, n, i)) {
			*len = n - i;
			return s + i;
		}
	return NULL;
}

/*
 * Copy the diagnostic at d into out: the rest of its line and the
 * following lines of its paragraph (up to a blank line, the quoted
 * original or the end), joined with LF.  Postfix's "(in reply to ...
 * command)" and a closing quote are dropped; "NNN:" becomes "NNN ".
 */
void
bounce_diag_collect(const char *d, size_t n, char *out, size_t outsz)
{
	struct buf	 b;
	size_t		 i = 0, e, k, l;
	const char	*cut;

	buf_init(&b, outsz - 1);
	while (i < n) {
		e = bounce_line_end(d, n, i);
		for (k = i; k < e && (d[k] == ' ' || d[k] == '\t'); k++)
			;
		if (k == e || (i > 0 && bounce_original_at(d + k, e - k)))
			break;
		/* Lines of a multi-line reply stay lines; wraps join. */
		if (i > 0 && buf_append(&b, bt_is_diag_at(d, n, k) ?
		    "\n" : " ", 1) == -1)
			break;
		if (buf_append(&b, d + k, e - k) == -1)
			break;
		i = e + 1;
	}
	(void)util_strlcpy(out, buf_str(&b), outsz);
	buf_free(&b);
	if ((cut = strstr(out, "(in reply to ")) != NULL)
		out[cut - out] = '\0';
	l = strlen(out);
	while (l > 0 && (isspace((unsigned char)out[l - 1]) ||
	    out[l - 1] == '\''))
		out[--l] = '\0';
	if (l > 3 && out[3] == ':')
		out[3] = ' ';
}

/* Does the (trimmed) line start the quoted original message? */
int
bounce_original_at(const char *s, size_t n)
{
	size_t	m;

	for (m = 0; m < sizeof(bt_original_markers) /
	    sizeof(bt_original_markers[0]); m++)
		if (bounce_istarts(s, n, bt_original_markers[m]))
			return 1;
	return 0;
}

/* A reply as typed, or the first diagnostic in free text.  0 or -1. */
int
bounce_reply_parse(struct reply *r, const char *s)
{
	const char	*d;
	char		 tmp[REPLY_TEXT_MAX];
	size_t		 dlen;

	if (reply_parse_text(r, s) == 0)
		return 0;
	if ((d = bounce_find_diag(s, strlen(s), &dlen)) == NULL)
		return -1;
	bounce_diag_collect(d, dlen, tmp, sizeof(tmp));
	return reply_parse_text(r, tmp);
}

int
bounce_mime_param(const char *v, const char *name, char *out, size_t outsz)
{
	const char	*p = v;
	size_t		 k = strlen(name), n;

	while ((p = strchr(p, ';')) != NULL) {
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (strncasecmp(p, name, k) != 0 || p[k] != '=')
			continue;
		p += k + 1;
		if (*p == '"') {
			p++;
			n = strcspn(p, "\"");
		} else
			n = strcspn(p, "; \t");
		if (n == 0 || n >= outsz)
			return 0;
		memcpy(out, p, n);
		out[n] = '\0';
		return 1;
	}
	return 0;
}

/*
 * Amazon SES's diagnostic wraps the remote server's reply after a label
 * its own status code gives: "5.1.0 - Unknown address error 550-'5.7.1
 * <a@b>... Access denied' (delivery attempts: 0)".  The quoted reply is
 * what the receiving server said: "550 5.7.1 <a@b>... Access denied"
 * to out, and 1; 0 if d is not such a wrapper.
 */
int
bounce_unwrap_relay(const char *d, char *out, size_t outsz)
{
	const char	*p, *q, *end;
	size_t		 n;

	if (!isdigit((unsigned char)d[0]) || d[1] != '.' ||
	    (p = strstr(d, " - ")) == NULL || p - d > 8)
		return 0;
	for (q = p + 3; *q != '\0'; q++)
		if ((q[0] == '4' || q[0] == '5') &&
		    isdigit((unsigned char)q[1]) &&
		    isdigit((unsigned char)q[2]) &&
		    (q[3] == '-' || q[3] == ' ') && q[4] == '\'' &&
		    q[-1] == ' ')
			break;
	if (*q == '\0' || (end = strrchr(q + 5, '\'')) == NULL)
		return 0;
	n = (size_t)(end - (q + 5));
	if (n + 5 > outsz)
		return 0;
	memcpy(out, q, 3);
	out[3] = ' ';
	memcpy(out + 4, q + 5, n);
	out[n + 4] = '\0';
	return 1;
}
