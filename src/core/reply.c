/*
 * reply: parse SMTP replies (reply.h).
 *
 * A reply is one or more lines "NNN-text" ending with "NNN text" or a
 * bare "NNN" (RFC 5321 §4.2.1); every line carries the same code.  The
 * code is three digits, first 2-5, second 0-5 (RFC 5321 §4.2).  In 2xx,
 * 4xx and 5xx replies the text may start with an enhanced status code
 * and a space (RFC 2034 §4; syntax RFC 3463 §2); it is taken from the
 * first line, and the same code is removed from the following lines so
 * the joined text reads as one message.
 *
 * Invariants: text is always NUL-terminated and bounded by
 * REPLY_TEXT_MAX (longer text is cut, never overflowed); code is 0 until
 * the first good line.  A line that is not a reply line, or whose code
 * differs from the first line's, is refused with -1 and leaves the reply
 * as it was.
 */
#include <ctype.h>
#include <string.h>

#include "core/reply.h"

static int	reply_line_code(const char *, size_t, int *, int *);
static size_t	reply_enhanced_len(const char *, size_t);
static void	reply_append(struct reply *, const char *, size_t);
static int	reply_digits(const char *, size_t, size_t *, int);

void
reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
}

/*
 * "NNN", "NNN text", "NNN-text": the code, and *last = 0 for '-'.
 * -1 if not a reply line.
 */
static int
reply_line_code(const char *s, size_t n, int *code, int *last)
{
	if (n < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '5' ||
	    !isdigit((unsigned char)s[2]))
		return -1;
	if (n > 3 && s[3] != ' ' && s[3] != '-')
		return -1;
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	*last = n == 3 || s[3] == ' ';
	return 0;
}

/*
 * Length of the digits at s[*i] (1..3, no leading zero unless "0"),
 * advancing *i; 0 if malformed.  For the class: one digit in 2/4/5.
 */
static int
reply_digits(const char *s, size_t n, size_t *i, int class)
{
	size_t	start = *i;

	if (class) {
		if (*i >= n || (s[*i] != '2' && s[*i] != '4' && s[*i] != '5'))
			return 0;
		(*i)++;
		return 1;
	}
	while (*i < n && isdigit((unsigned char)s[*i]) && *i - start < 4)
		(*i)++;
	if (*i == start || *i - start > 3)
		return 0;
	if (s[start] == '0' && *i - start > 1)
		return 0;
	return 1;
}

/* Length of an enhanced code "c.sss.ddd" at the start of s, or 0. */
static size_t
reply_enhanced_len(const char *s, size_t n)
{
	size_t	i = 0;

	if (!reply_digits(s, n, &i, 1) || i >= n || s[i++] != '.' ||
	    !reply_digits(s, n, &i, 0) || i >= n || s[i++] != '.' ||
	    !reply_digits(s, n, &i, 0))
		return 0;
	return i;
}

int
reply_valid_enhanced(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && reply_enhanced_len(s, n) == n;
}

/* Append to text, cutting at the bound. */
static void
reply_append(struct reply *r, const char *s, size_t n)
{
	size_t	len = strlen(r->text);

	if (n > sizeof(r->text) - 1 - len)
		n = sizeof(r->text) - 1 - len;
	memcpy(r->text + len, s, n);
	r->text[len + n] = '\0';
}

int
reply_add_line(struct reply *r, const char *line, size_t len)
{
	int	code, last;
	size_t	elen;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (reply_line_code(line, len, &code, &last) == -1)
		return -1;
	if ((r->nlines > 0 && code != r->code) || r->complete)
		return -1;
	line += len > 3 ? 4 : 3;
	len -= len > 3 ? 4 : 3;
	/* RFC 2034 §4: no enhanced codes in 3xx replies. */
	elen = code / 100 == 3 ? 0 : reply_enhanced_len(line, len);
	if (elen > 0 && (elen == len || line[elen] == ' ')) {
		if (r->nlines == 0)
			memcpy(r->enhanced, line, elen);
		if (strlen(r->enhanced) == elen &&
		    memcmp(r->enhanced, line, elen) == 0) {
			for (line += elen, len -= elen; len > 0 &&
			    *line == ' '; line++, len--)
				;
		}
	}
	if (r->nlines > 0)
		reply_append(r, "\n", 1);
	reply_append(r, line, len);
	r->code = code;
	r->nlines++;
	r->complete = last;
	return last;
}

/*
 * A reply as a person types or pastes it.  Lines are split at LF; lines
 * that are not reply lines continue the text (wrapped pastes).  A lone
 * enhanced code ("5.7.8 text") gives code 0.
 */
int
reply_parse_text(struct reply *r, const char *s)
{
	const char	*end, *nl;
	size_t		 n, elen;
	int		 rc = 0;

	reply_init(r);
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	if (s == end)
		return -1;
	elen = reply_enhanced_len(s, (size_t)(end - s));
	if (elen > 0 && (s + elen == end || s[elen] == ' ')) {
		memcpy(r->enhanced, s, elen);
		for (s += elen; s < end && (*s == ' ' || *s == '\t'); s++)
			;
		reply_append(r, s, (size_t)(end - s));
		r->nlines = 1;
		return 0;
	}
	for (; s < end && rc != -1; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (r->nlines > 0 && !r->complete &&
		    reply_add_line(r, s, n) != -1)
			continue;
		if (r->nlines == 0) {
			rc = reply_add_line(r, s, n);
			continue;
		}
		/* A continuation of the text, or a repeated final line. */
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		reply_append(r, "\n", 1);
		reply_append(r, s, n);
	}
	return rc == -1 ? -1 : 0;
}
