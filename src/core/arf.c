/*
 * arf: see arf.h.
 *
 * The report is read in place, CRLF or LF: its header, the parts of its
 * top-level multipart/report (RFC 2046 §5.1.1; ARF nests nothing), and
 * of those the first message/feedback-report part, whose body is a
 * block of fields (RFC 5965 §3.1), and the first message/rfc822 or
 * text/rfc822-headers part, of which only the header is read.  Parts are
 * not decoded: RFC 5965 and RFC 2046 §5.2.1 want the first two in 7bit
 * or 8bit, and a header is never encoded as a whole.
 *
 * Invariants: input is bounded (ARF_PARSE_MAX); a field value is copied
 * into a fixed buffer, cut at its size, with control characters made
 * spaces; the Received fields kept are bounded (ARF_RECEIVED_MAX).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/arf.h"
#include "core/bounce_text.h"
#include "lib/buf.h"
#include "lib/util.h"

#define ARF_VALUE_MAX	1024		/* one unfolded field value */

struct arf_text {
	const char	*s;
	size_t		 n;
};

static size_t	arf_eol(const char *, size_t, size_t);
static size_t	arf_line_len(const char *, size_t, size_t);
static void	arf_split(struct arf_text, struct arf_text *,
		    struct arf_text *);
static int	arf_field(struct arf_text, size_t *, const char *, char *,
		    size_t);
static int	arf_type_is(const char *, const char *);
static void	arf_addr(const char *, char *, size_t);
static int	arf_is_report(struct arf_text, char *, size_t);
static void	arf_feedback(struct arf_report *, struct arf_text);
static void	arf_returned(struct arf_report *, struct arf_text);
static void	arf_part(struct arf_report *, struct arf_text);
static void	arf_parts(struct arf_report *, struct arf_text, const char *);

/* Index of the LF ending the line that starts at i (or n). */
static size_t
arf_eol(const char *s, size_t n, size_t i)
{
	const char	*lf = i < n ? memchr(s + i, '\n', n - i) : NULL;

	return lf != NULL ? (size_t)(lf - s) : n;
}

/* Length of the line at i without its CR LF. */
static size_t
arf_line_len(const char *s, size_t n, size_t i)
{
	size_t	e = arf_eol(s, n, i);

	if (e > i && s[e - 1] == '\r')
		e--;
	return e - i;
}

/* An entity's header and body, split at the first empty line. */
static void
arf_split(struct arf_text t, struct arf_text *hdr, struct arf_text *body)
{
	size_t	i, e;

	for (i = 0; i < t.n; i = e + 1) {
		e = arf_eol(t.s, t.n, i);
		if (arf_line_len(t.s, t.n, i) == 0) {
			hdr->s = t.s;
			hdr->n = i;
			body->s = t.s + (e < t.n ? e + 1 : t.n);
			body->n = t.n - (size_t)(body->s - t.s);
			return;
		}
	}
	*hdr = t;
	body->s = t.s + t.n;
	body->n = 0;
}

/*
 * The next field called name in the header h from *pos on: its value,
 * unfolded and trimmed, to out (cut at outsz); *pos past it.  1 if found.
 */
static int
arf_field(struct arf_text h, size_t *pos, const char *name, char *out,
    size_t outsz)
{
	size_t	i, len, k = strlen(name), o = 0, v;

	for (i = *pos; i < h.n; i = arf_eol(h.s, h.n, i) + 1) {
		len = arf_line_len(h.s, h.n, i);
		if (len <= k || strncasecmp(h.s + i, name, k) != 0 ||
		    h.s[i + k] != ':')
			continue;
		/* unfolding keeps the whitespace (RFC 5322 §2.2.3) */
		for (v = i + k + 1; ; v = i) {
			for (; v < i + len && o + 1 < outsz; v++)
				out[o++] = (unsigned char)h.s[v] < ' ' ||
				    h.s[v] == 0x7f ? ' ' : h.s[v];
			i = arf_eol(h.s, h.n, i) + 1;
			if (i >= h.n || (h.s[i] != ' ' && h.s[i] != '\t'))
				break;
			len = arf_line_len(h.s, h.n, i);
		}
		while (o > 0 && out[o - 1] == ' ')
			o--;
		out[o] = '\0';
		for (v = 0; out[v] == ' '; v++)
			;
		memmove(out, out + v, o - v + 1);
		*pos = i;
		return 1;
	}
	*pos = h.n;
	return 0;
}

/* The Content-Type value v is of type t ("message/rfc822"). */
static int
arf_type_is(const char *v, const char *t)
{
	size_t	k = strlen(t);

	return strncasecmp(v, t, k) == 0 && (v[k] == '\0' || v[k] == ';' ||
	    v[k] == ' ');
}

/*
 * The address in a field value: between the last '<' and '>', else the
 * first word with an '@'.  "" unless it has an '@' and fits.
 */
static void
arf_addr(const char *v, char *out, size_t outsz)
{
	const char	*p = strrchr(v, '<');
	size_t		 n;

	out[0] = '\0';
	if (p != NULL)
		n = strcspn(++p, "> ");
	else {
		for (p = v; *p != '\0'; p += n) {
			p += strspn(p, " ");
			n = strcspn(p, " ");
			if (memchr(p, '@', n) != NULL)
				break;
		}
		n = strcspn(p, " ");
	}
	if (n == 0 || n >= outsz || memchr(p, '@', n) == NULL)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The header h says multipart/report, a feedback report; its boundary. */
static int
arf_is_report(struct arf_text h, char *boundary, size_t bsz)
{
	char	ct[ARF_VALUE_MAX], rt[64];
	size_t	pos = 0;

	return arf_field(h, &pos, "Content-Type", ct, sizeof(ct)) &&
	    arf_type_is(ct, "multipart/report") &&
	    bounce_mime_param(ct, "report-type", rt, sizeof(rt)) &&
	    strcasecmp(rt, "feedback-report") == 0 &&
	    bounce_mime_param(ct, "boundary", boundary, bsz);
}

int
arf_header_is_report(const char *data, size_t len)
{
	struct arf_text	t = { data, len }, h, b;
	char		boundary[256];

	arf_split(t, &h, &b);
	return arf_is_report(h, boundary, sizeof(boundary));
}

/* The fields of the message/feedback-report part (RFC 5965 §3.1). */
static void
arf_feedback(struct arf_report *r, struct arf_text body)
{
	char	v[ARF_VALUE_MAX], *p;
	size_t	pos = 0, i;

	r->feedback = 1;
	if (arf_field(body, &pos, "Feedback-Type", v, sizeof(v))) {
		v[strcspn(v, " ;")] = '\0';
		for (i = 0; v[i] != '\0' && i + 1 < sizeof(r->type); i++)
			r->type[i] = (char)tolower((unsigned char)v[i]);
		r->type[i] = '\0';
	}
	pos = 0;
	if (arf_field(body, &pos, "Original-Mail-From", v, sizeof(v)))
		arf_addr(v, r->mail_from, sizeof(r->mail_from));
	pos = 0;
	if (arf_field(body, &pos, "Reporting-MTA", v, sizeof(v))) {
		/* "dns; mta.example" (RFC 3464 §2.2.2) */
		p = strchr(v, ';') != NULL ? strchr(v, ';') + 1 : v;
		p += strspn(p, " ");
		p[strcspn(p, " ")] = '\0';
		(void)util_strlcpy(r->reporter, p, sizeof(r->reporter));
	}
}

/* The header of the returned message: its From and Received fields. */
static void
arf_returned(struct arf_report *r, struct arf_text body)
{
	struct arf_text	 h, rest;
	char		 v[ARF_VALUE_MAX];
	size_t		 pos = 0;

	r->returned = 1;
	arf_split(body, &h, &rest);
	if (arf_field(h, &pos, "From", v, sizeof(v)))
		arf_addr(v, r->from, sizeof(r->from));
	pos = 0;
	while (r->nreceived < ARF_RECEIVED_MAX &&
	    arf_field(h, &pos, "Received", v, sizeof(v))) {
		if (buf_appends(&r->received, v) == -1 ||
		    buf_append(&r->received, "\n", 1) == -1) {
			r->error = 1;
			return;
		}
		r->nreceived++;
	}
}

/* One part of the report. */
static void
arf_part(struct arf_report *r, struct arf_text t)
{
	struct arf_text	 h, body;
	char		 ct[ARF_VALUE_MAX];
	size_t		 pos = 0;

	arf_split(t, &h, &body);
	if (!arf_field(h, &pos, "Content-Type", ct, sizeof(ct)))
		return;			/* text/plain: the human part */
	if (arf_type_is(ct, "message/feedback-report") && !r->feedback)
		arf_feedback(r, body);
	else if ((arf_type_is(ct, "message/rfc822") ||
	    arf_type_is(ct, "text/rfc822-headers")) && !r->returned)
		arf_returned(r, body);
}

/* The parts between "--boundary" lines, up to the "--boundary--" one. */
static void
arf_parts(struct arf_report *r, struct arf_text t, const char *boundary)
{
	size_t		i, len, k = strlen(boundary), start = 0;
	int		in = 0;
	struct arf_text	part;

	for (i = 0; i < t.n; i = arf_eol(t.s, t.n, i) + 1) {
		len = arf_line_len(t.s, t.n, i);
		if (len < k + 2 || t.s[i] != '-' || t.s[i + 1] != '-' ||
		    memcmp(t.s + i + 2, boundary, k) != 0)
			continue;
		if (in) {
			part.s = t.s + start;
			part.n = i - start;
			arf_part(r, part);
		}
		if (len >= k + 4 && t.s[i + k + 2] == '-' &&
		    t.s[i + k + 3] == '-')
			return;
		in = 1;
		start = arf_eol(t.s, t.n, i) + 1;
	}
	if (in && start < t.n) {
		part.s = t.s + start;
		part.n = t.n - start;
		arf_part(r, part);
	}
}

int
arf_parse(const char *data, size_t len, struct arf_report *r)
{
	struct arf_text	 t = { data, len }, h, body;
	char		 boundary[256], v[ARF_VALUE_MAX];
	size_t		 pos = 0;

	memset(r, 0, sizeof(*r));
	buf_init(&r->received, ARF_RECEIVED_MAX * (ARF_VALUE_MAX + 1));
	if (len > ARF_PARSE_MAX)
		return -1;
	arf_split(t, &h, &body);
	if (!arf_is_report(h, boundary, sizeof(boundary)))
		return 0;
	arf_parts(r, body, boundary);
	if (!r->feedback) {
		r->type[0] = r->mail_from[0] = '\0';
		return r->error ? -1 : 0;
	}
	if (r->reporter[0] == '\0' && arf_field(h, &pos, "From", v,
	    sizeof(v)))
		arf_addr(v, r->reporter, sizeof(r->reporter));
	return r->error ? -1 : 0;
}

void
arf_report_free(struct arf_report *r)
{
	buf_free(&r->received);
	r->nreceived = 0;
}
