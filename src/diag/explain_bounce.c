/*
 * explain_bounce: explain every recipient of a bounce message (RFC 3464
 * DSN, or the common non-standard bounces of qmail, Exim, Gmail,
 * Microsoft, Yahoo), as text or JSON; each recipient's reply is
 * explained by explain.c (explain_int.h).
 *
 * A bounce is read as a MIME message (RFC 2045/2046; base64 and
 * quoted-printable parts are decoded; a multipart whose boundary
 * parameter is missing or never used takes its first "--word" line as
 * the boundary, as some MTAs get it wrong); explain_bounce_scan.c finds
 * the recipients, their diagnostics and the SMTP command that failed,
 * which the classifier is given (bounce_classify_cmd: a "user unknown"
 * after DATA is a filter).
 *
 * Invariants: input is bounded (EXPLAIN_BOUNCE_MAX), MIME nesting is
 * bounded (EX_DEPTH_MAX), every copy goes through struct buf or a checked
 * bounded copy, and text from the input is printed with control
 * characters replaced, so a bounce cannot drive the terminal.
 *
 * Failure: garbage gives "no recipients found" (exit 1), never a crash;
 * an oversized input or a failed allocation gives -1.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_class.h"
#include "core/reply.h"
#include "diag/explain.h"
#include "diag/explain_bounce_int.h"
#include "diag/explain_int.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"

static const struct {
	const char	*needle;
	const char	*format;
} ex_formats[] = {
	{ "This is the qmail-send program", "qmail" },
	{ "created automatically by mail delivery software", "Exim" },
	{ "Delivery has failed to these recipients", "Microsoft" },
	{ "Diagnostic information for administrators", "Microsoft" },
	{ "Your message wasn't delivered", "Gmail" },
	{ "unable to deliver your message to the following", "Yahoo" },
	{ "This is the mail system at host", "Postfix" },
};

static int	ex_param(const char *, const char *, char *, size_t);
static int	ex_boundary(const char *, size_t, const char *, char *,
		    size_t);
static void	ex_decode(const char *, size_t, const char *, struct buf *);
static void	ex_mime(struct ex_bounce *, const char *, size_t, int);
static void	ex_multipart(struct ex_bounce *, const char *, size_t,
		    const char *, int);
static void	ex_prose_class_json(struct json *, const struct ex_bounce *,
		    struct reply *);
static void	ex_prose_class_text(FILE *, const struct ex_bounce *,
		    struct reply *);
static int	ex_bounce_print(struct ex_bounce *, FILE *, int);
static void	ex_rcpt_reply(const struct ex_rcpt *, struct reply *);
static void	ex_rcpt_class_reply(const struct reply *, struct reply *);
static const char *ex_rcpt_class_text_of(const struct ex_bounce *,
		    const struct reply *, const struct ex_rcpt *);
static void	ex_rcpt_class_text(FILE *, const struct ex_bounce *,
		    const struct reply *, const struct ex_rcpt *);
static void	ex_rcpt_class_json(struct json *, const struct ex_bounce *,
		    const struct reply *, const struct ex_rcpt *);

/* ---- MIME ----------------------------------------------------------- */

/* The unfolded value of header name in the header block h. */
int
exb_header(const char *h, size_t n, const char *name, struct buf *out)
{
	size_t	i = 0, e, k = strlen(name);
	int	found = 0;

	buf_reset(out);
	while (i < n) {
		e = explain_line_end(h, n, i);
		if (found && (h[i] == ' ' || h[i] == '\t')) {
			(void)buf_append(out, " ", 1);
			(void)buf_append(out, h + i, e - i);
		} else if (found)
			break;
		else if (e - i > k && strncasecmp(h + i, name, k) == 0 &&
		    h[i + k] == ':') {
			found = 1;
			(void)buf_append(out, h + i + k + 1, e - i - k - 1);
		}
		i = e + 1;
	}
	return found;
}

/* A parameter of a MIME header value ("boundary"); 1 if found. */
static int
ex_param(const char *v, const char *name, char *out, size_t outsz)
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
 * The boundary of a multipart body: its "boundary" parameter, or, when
 * that is missing (a parameter on an unfolded line) or never used in the
 * body (some MTAs write one and use another), the first line of the body
 * that looks like a delimiter, "--" and a word.  1 if found.
 */
static int
ex_boundary(const char *body, size_t n, const char *ct, char *out,
    size_t outsz)
{
	size_t	i = 0, e, k;

	if (ex_param(ct, "boundary", out, outsz)) {
		k = strlen(out);
		for (i = 0; i + k + 2 <= n; i = e + 1) {
			e = explain_line_end(body, n, i);
			if (body[i] == '-' && body[i + 1] == '-' &&
			    strncmp(body + i + 2, out, k) == 0)
				return 1;
		}
	}
	for (i = 0; i < n; i = e + 1) {
		e = explain_line_end(body, n, i);
		for (k = i + 2; k < e && !isspace((unsigned char)body[k]); k++)
			;
		if (e - i > 3 && e - i - 2 < outsz && k == e &&
		    body[i] == '-' && body[i + 1] == '-') {
			memcpy(out, body + i + 2, e - i - 2);
			out[e - i - 2] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Decode a body per its Content-Transfer-Encoding (lenient). */
static void
ex_decode(const char *s, size_t n, const char *cte, struct buf *out)
{
	static const char	b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		acc = 0;
	int			bits = 0, hi, lo;
	const char		*c;
	char			 ch;
	size_t			 i;

	if (exb_memcasestr(cte, strlen(cte), "base64") != NULL) {
		for (i = 0; i < n && s[i] != '='; i++) {
			if (s[i] == '\0' || (c = strchr(b64, s[i])) == NULL)
				continue;
			acc = (acc << 6) | (unsigned)(c - b64);
			if ((bits += 6) >= 8) {
				bits -= 8;
				ch = (char)((acc >> bits) & 0xff);
				(void)buf_append(out, &ch, 1);
			}
		}
		return;
	}
	if (exb_memcasestr(cte, strlen(cte), "quoted-printable") == NULL) {
		(void)buf_append(out, s, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] != '=') {
			(void)buf_append(out, s + i, 1);
			continue;
		}
		if (i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hi = isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' :
			    tolower((unsigned char)s[i + 1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[i + 2]) ? s[i + 2] - '0' :
			    tolower((unsigned char)s[i + 2]) - 'a' + 10;
			ch = (char)(hi * 16 + lo);
			(void)buf_append(out, &ch, 1);
			i += 2;
			continue;
		}
		(void)buf_append(out, s + i, 1);
	}
}

/* One MIME entity (headers, blank line, body) with LF line ends. */
static void
ex_mime(struct ex_bounce *b, const char *s, size_t n, int depth)
{
	struct buf	 ct, cte, body;
	const char	*sep, *bd, *t;
	size_t		 hlen, tlen;
	char		 boundary[256];

	if (depth > EX_DEPTH_MAX)
		return;
	if (n > 0 && s[0] == '\n') {
		hlen = 0;
		bd = s + 1;
	} else if ((sep = exb_memcasestr(s, n, "\n\n")) != NULL) {
		hlen = (size_t)(sep - s) + 1;
		bd = sep + 2;
	} else {
		hlen = n;
		bd = s + n;
	}
	buf_init(&ct, EX_HDR_MAX);
	buf_init(&cte, EX_HDR_MAX);
	buf_init(&body, EX_TEXT_MAX);
	if (!exb_header(s, hlen, "Content-Type", &ct))
		(void)buf_appends(&ct, "text/plain");
	(void)exb_header(s, hlen, "Content-Transfer-Encoding", &cte);
	for (t = buf_str(&ct); *t == ' ' || *t == '\t'; t++)
		;
	tlen = strlen(t);
	if (explain_istarts(t, tlen, "multipart/")) {
		if (ex_boundary(bd, (size_t)(s + n - bd), t, boundary,
		    sizeof(boundary)))
			ex_multipart(b, bd, (size_t)(s + n - bd), boundary,
			    depth);
	} else if (explain_istarts(t, tlen, "message/delivery-status") ||
	    explain_istarts(t, tlen, "message/global-delivery-status")) {
		ex_decode(bd, (size_t)(s + n - bd), buf_str(&cte), &body);
		if (buf_append(&b->dsn, body.data, body.len) == -1 ||
		    buf_append(&b->dsn, "\n\n", 2) == -1)
			b->error = 1;
	} else if (explain_istarts(t, tlen, "text/plain")) {
		ex_decode(bd, (size_t)(s + n - bd), buf_str(&cte), &body);
		if (buf_append(&b->human, body.data, body.len) == -1 ||
		    buf_append(&b->human, "\n\n", 2) == -1)
			b->error = 1;
	}
	/* message/rfc822, text/rfc822-headers, html...: not searched. */
	buf_free(&ct);
	buf_free(&cte);
	buf_free(&body);
}

/* The parts between "--boundary" lines (RFC 2046 §5.1.1). */
static void
ex_multipart(struct ex_bounce *b, const char *s, size_t n,
    const char *boundary, int depth)
{
	size_t	i = 0, e, blen = strlen(boundary), start = 0;
	int	in = 0;

	while (i < n) {
		e = explain_line_end(s, n, i);
		if (e - i >= blen + 2 && s[i] == '-' && s[i + 1] == '-' &&
		    memcmp(s + i + 2, boundary, blen) == 0) {
			/* The LF before a delimiter belongs to it. */
			if (in)
				ex_mime(b, s + start, i > start ?
				    i - start - 1 : 0, depth + 1);
			if (e - i >= blen + 4 && s[i + blen + 2] == '-' &&
			    s[i + blen + 3] == '-')
				return;
			in = 1;
			start = e + 1;
		}
		i = e + 1;
	}
	if (in && start < n)
		ex_mime(b, s + start, n - start, depth + 1);
}

/* The reply of a recipient: its diagnostic, with Status as fallback. */
static void
ex_rcpt_reply(const struct ex_rcpt *r, struct reply *rep)
{
	if (r->diag[0] == '\0' || explain_parse(rep, r->diag) == -1) {
		reply_init(rep);
		(void)util_strlcpy(rep->text, r->diag, sizeof(rep->text));
	}
	if (rep->enhanced[0] == '\0' && reply_valid_enhanced(r->status))
		(void)util_strlcpy(rep->enhanced, r->status,
		    sizeof(rep->enhanced));
}

/*
 * A recipient of a bounce failed, or was delayed, whatever its digits
 * say: without a code it is classified on its text as a 5xx.
 */
static void
ex_rcpt_class_reply(const struct reply *rep, struct reply *c)
{
	*c = *rep;
	if (c->code == 0 && c->enhanced[0] == '\0')
		c->code = 550;
}

/*
 * The text a recipient is classified on: its diagnostic, or, when that
 * says nothing the classifier knows (many MTAs put the reason in the
 * prose, not beside the address), the human-readable part of the bounce
 * up to the returned message.
 */
static const char *
ex_rcpt_class_text_of(const struct ex_bounce *b, const struct reply *c,
    const struct ex_rcpt *r)
{
	struct bounce_class	bc;

	bounce_classify_cmd(c->code, c->enhanced, r->diag, r->remote_mta,
	    (enum bounce_cmd)r->cmd, &bc);
	if (bc.reason != BOUNCE_UNDEFINED || b->human.len == 0)
		return r->diag;
	return b->prose;
}

static void
ex_rcpt_class_text(FILE *out, const struct ex_bounce *b,
    const struct reply *rep, const struct ex_rcpt *r)
{
	struct reply	c;

	ex_rcpt_class_reply(rep, &c);
	explain_class_text(out, 2, &c, ex_rcpt_class_text_of(b, &c, r),
	    r->remote_mta, r->cmd);
}

static void
ex_rcpt_class_json(struct json *j, const struct ex_bounce *b,
    const struct reply *rep, const struct ex_rcpt *r)
{
	struct reply	c;

	ex_rcpt_class_reply(rep, &c);
	explain_class_json(j, &c, ex_rcpt_class_text_of(b, &c, r),
	    r->remote_mta, r->cmd);
}

/* No recipient found: the bounce's prose alone, as a 5xx failure. */
static void
ex_prose_class_json(struct json *j, const struct ex_bounce *b,
    struct reply *rep)
{
	reply_init(rep);
	rep->code = 550;
	if (b->prose[0] != '\0')
		explain_class_json(j, rep, b->prose, NULL, b->cmd);
}

static void
ex_prose_class_text(FILE *out, const struct ex_bounce *b, struct reply *rep)
{
	reply_init(rep);
	rep->code = 550;
	if (b->prose[0] != '\0')
		explain_class_text(out, 0, rep, b->prose, NULL, b->cmd);
}

static int
ex_bounce_print(struct ex_bounce *b, FILE *out, int json)
{
	struct reply	*rep;
	struct buf	 jb;
	struct json	 j;
	const struct ex_rcpt *r;
	size_t		 i;
	int		 any = 0;

	if ((rep = malloc(sizeof(*rep))) == NULL)
		return -1;
	buf_init(&jb, EX_JSON_MAX);
	json_init(&j, &jb);
	if (json) {
		json_obj_begin(&j);
		json_kstr(&j, "format", b->format);
		json_key(&j, "recipients");
		json_arr_begin(&j);
	} else
		fprintf(out, "Bounce: %s, %zu recipient%s found\n", b->format,
		    b->n, b->n == 1 ? "" : "s");
	for (i = 0; i < b->n; i++) {
		r = &b->rcpts[i];
		ex_rcpt_reply(r, rep);
		if (json) {
			json_obj_begin(&j);
			json_kstr(&j, "recipient", r->addr);
			json_kstr(&j, "action", r->action);
			json_kstr(&j, "status", r->status);
			json_kstr(&j, "remote_mta", r->remote_mta);
			json_kstr(&j, "diagnostic", r->diag);
			ex_rcpt_class_json(&j, b, rep, r);
			any |= explain_out_json(&j, rep, r->diag);
			json_obj_end(&j);
			continue;
		}
		fprintf(out, "\nRecipient: ");
		explain_wrap(out, 11, "", r->addr[0] ? r->addr : "(not found)");
		if (r->action[0])
			explain_wrap(out, 14, "  Action:     ", r->action);
		if (r->status[0])
			explain_wrap(out, 14, "  Status:     ", r->status);
		if (r->remote_mta[0])
			explain_wrap(out, 14, "  Remote MTA: ", r->remote_mta);
		explain_wrap(out, 14, "  Diagnostic: ", r->diag[0] ? r->diag :
		    "(none found)");
		ex_rcpt_class_text(out, b, rep, r);
		if (rep->code != 0 || rep->enhanced[0] != '\0')
			any |= explain_out_text(out, 2, rep, r->diag);
	}
	if (json) {
		json_arr_end(&j);
		if (b->n == 0)
			ex_prose_class_json(&j, b, rep);
		json_kbool(&j, "explained", any);
		json_obj_end(&j);
		(void)explain_json_flush(out, &jb, &j);
	} else if (b->n == 0) {
		fprintf(out, "No recipient or diagnostic found.\n");
		ex_prose_class_text(out, b, rep);
	}
	buf_free(&jb);
	free(rep);
	return any ? 0 : 1;
}

int
explain_bounce(const char *data, size_t len, FILE *out, int json)
{
	struct ex_bounce	 b;
	struct buf		 norm;
	const char		*s;
	size_t			 i, f, nformats;
	int			 rc;

	nformats = sizeof(ex_formats) / sizeof(ex_formats[0]);
	if (len > EXPLAIN_BOUNCE_MAX)
		return -1;
	memset(&b, 0, sizeof(b));
	buf_init(&norm, EX_TEXT_MAX);
	buf_init(&b.human, EX_TEXT_MAX);
	buf_init(&b.dsn, EX_TEXT_MAX);
	if ((b.rcpts = calloc(EXPLAIN_RCPT_MAX, sizeof(*b.rcpts))) == NULL)
		return -1;
	/* CRLF to LF; NUL bytes to spaces so C strings stay whole. */
	for (i = 0; i < len && !b.error; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		if (buf_append(&norm, data[i] ? &data[i] : " ", 1) == -1)
			b.error = 1;
	}
	if (!b.error)
		ex_mime(&b, buf_str(&norm), norm.len, 0);
	b.format = "unrecognised text";
	s = buf_str(&b.human);
	for (f = 0; f < nformats; f++)
		if (exb_memcasestr(s, b.human.len, ex_formats[f].needle)) {
			b.format = ex_formats[f].format;
			break;
		}
	if (b.dsn.len > 0) {
		exb_dsn(&b);
		if (b.n > 0) {
			(void)util_snprintf(b.fmtbuf, sizeof(b.fmtbuf),
			    "RFC 3464 delivery status notification%s%s%s",
			    f < nformats ? " (" : "", f < nformats ?
			    b.format : "", f < nformats ? ")" : "");
			b.format = b.fmtbuf;
		}
	}
	exb_prose(&b);
	if (b.n == 0)
		exb_heuristic(&b);
	exb_fill(&b);
	exb_command(&b);
	rc = b.error ? -1 : ex_bounce_print(&b, out, json);
	buf_free(&norm);
	buf_free(&b.human);
	buf_free(&b.dsn);
	free(b.rcpts);
	return rc;
}
