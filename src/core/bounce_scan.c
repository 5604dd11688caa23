/*
 * bounce_scan: the recipients of a bounce, their diagnostics and
 * the SMTP command that failed (bounce_parse_int.h).
 *
 * The message/delivery-status part (RFC 3464 §2) gives the recipients;
 * when there is none, the human-readable text is searched: recipient
 * lines ("<a@b>:", an address alone on a line, "delivered to a@b") and
 * diagnostics ("550 5.1.1 ..." at the start of a line or after ':', a
 * quote, '(' or ';').  The returned original message is never searched.
 *
 * A recipient of the delivery-status part without a Diagnostic-Code
 * (OpenSMTPD, some Exim and qmail set-ups put it only in the prose) gets
 * the text beside its address in the prose ("a@b: 550 ...", or the lines
 * under an address alone on its line).  The failed command is read
 * (bounce_command) from the recipient's Diagnostic-Code before
 * bounce_diag_collect() drops Postfix's "(in reply to ... command)",
 * else from the prose, transcripts included.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bounce_class.h"
#include "core/bounce_parse_int.h"
#include "core/bounce_text.h"
#include "lib/buf.h"
#include "lib/util.h"

static int	bp_blank(const char *, size_t, size_t);
static void	bp_dsn_field(struct bounce_rcpt *, const char *, const char *);
static int	bp_recipient_line(const char *, size_t, size_t *, size_t *);
static void	bp_fill_one(const struct bounce_report *, struct bounce_rcpt *);
static int	bp_words_before(const char *, size_t);

/* Length of an address local@domain.tld at s, or 0. */
size_t
bp_addr_len(const char *s, size_t n)
{
	static const char	 lchars[] = "!#$%&'*+/=?^_`{|}~.-";
	size_t			 i = 0, at, dots = 0;

	while (i < n && (isalnum((unsigned char)s[i]) ||
	    (s[i] != '\0' && strchr(lchars, s[i]) != NULL)))
		i++;
	if (i == 0 || i >= n || s[i] != '@' || i > 64)
		return 0;
	at = ++i;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
	    s[i] == '.')) {
		dots += s[i] == '.';
		i++;
	}
	while (i > at && s[i - 1] == '.') {
		i--;
		dots--;
	}
	if (i == at || dots == 0 || i >= BOUNCE_ADDR_MAX)
		return 0;
	return i;
}

/*
 * A recipient line of a human-readable bounce: "<a@b>:", "a@b:" with
 * text after it, an address alone on a line (Exim), "a@b<mailto:...>"
 * (Microsoft), "... delivered to a@b ..." (Gmail) or "error delivering
 * your mail to <a@b>" (DragonFly).  1 with the
 * address's offset and length in the line.
 */
static int
bp_recipient_line(const char *s, size_t n, size_t *off, size_t *len)
{
	static const char *const via[] = { "delivered to ",
	    "delivering your mail to " };	/* Gmail, DragonFly */
	const char	*p;
	size_t		 i = 0, a, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '<')
		i++;
	if ((a = bp_addr_len(s + i, n - i)) > 0) {
		*off = i;
		*len = a;
		i += a;
		if (i < n && s[i] == '>')
			i++;
		if (i == n || s[i] == ':' || bounce_istarts(s + i, n - i,
		    "<mailto:"))
			return 1;
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i == n)
			return 1;
	}
	for (k = 0; k < sizeof(via) / sizeof(via[0]); k++) {
		if ((p = bounce_memcasestr(s, n, via[k])) == NULL)
			continue;
		i = (size_t)(p - s) + strlen(via[k]);
		if (i < n && s[i] == '<')
			i++;
		if ((a = bp_addr_len(s + i, n - i)) > 0) {
			*off = i;
			*len = a;
			return 1;
		}
	}
	return 0;
}

struct bounce_rcpt *
bp_rcpt_get(struct bounce_report *b, const char *addr, size_t n)
{
	size_t	i;

	if (n >= BOUNCE_ADDR_MAX)
		n = BOUNCE_ADDR_MAX - 1;
	for (i = 0; n > 0 && i < b->n; i++)
		if (strlen(b->rcpts[i].addr) == n &&
		    strncasecmp(b->rcpts[i].addr, addr, n) == 0)
			return &b->rcpts[i];
	if (b->n == BOUNCE_RCPT_MAX)
		return NULL;
	memset(&b->rcpts[b->n], 0, sizeof(b->rcpts[b->n]));
	memcpy(b->rcpts[b->n].addr, addr, n);
	return &b->rcpts[b->n++];
}

/* One DSN field "Name: type; value" of a per-recipient group. */
static void
bp_dsn_field(struct bounce_rcpt *r, const char *name, const char *v)
{
	const char	*semi;
	size_t		 n;

	while (*v == ' ' || *v == '\t')
		v++;
	if (strcasecmp(name, "Action") == 0)
		(void)util_strlcpy(r->action, v, sizeof(r->action));
	else if (strcasecmp(name, "Status") == 0) {
		n = strcspn(v, " \t(");
		if (n < sizeof(r->status)) {
			memcpy(r->status, v, n);
			r->status[n] = '\0';
		}
	} else if (strcasecmp(name, "Remote-MTA") == 0)
		(void)util_strlcpy(r->remote_mta, v, sizeof(r->remote_mta));
	else if (strcasecmp(name, "Diagnostic-Code") == 0) {
		/* "smtp; 550 ...": the type (RFC 3464 §2.3.6) kept apart. */
		if ((semi = strchr(v, ';')) != NULL && (size_t)(semi - v) <
		    sizeof(r->diag_type)) {
			n = strcspn(v, " \t;");
			memcpy(r->diag_type, v, n);
			r->diag_type[n] = '\0';
			for (v = semi + 1; *v == ' ' || *v == '\t'; v++)
				;
		}
		/* before bounce_diag_collect drops "(in reply to ...)" */
		r->cmd = bounce_command(v, strlen(v));
		bounce_diag_collect(v, strlen(v), r->diag, sizeof(r->diag));
		if (r->diag[0] == '\0')
			(void)util_strlcpy(r->diag, v, sizeof(r->diag));
	}
}

/* The per-recipient groups of the delivery-status text (RFC 3464 §2). */
void
bp_dsn(struct bounce_report *b)
{
	static const char *const names[] = { "Final-Recipient",
	    "Original-Recipient", "Action", "Status", "Remote-MTA",
	    "Diagnostic-Code" };
	const char	*s = buf_str(&b->dsnbuf), *g, *v;
	size_t		 n = b->dsnbuf.len, i = 0, k, glen, a, off;
	struct bounce_rcpt	*r;
	struct buf	 val;

	buf_init(&val, BOUNCE_DIAG_MAX);
	while (i < n) {
		/* A group runs up to a blank line (RFC 3464 §2.1). */
		while (i < n && bp_blank(s, n, i))
			i = bounce_line_end(s, n, i) + 1;
		for (g = s + i; i < n && !bp_blank(s, n, i); )
			i = bounce_line_end(s, n, i) + 1;
		glen = (size_t)(s + (i < n ? i : n) - g);
		r = NULL;
		for (k = 0; k < 2 && r == NULL && glen > 0; k++) {
			if (!bp_header(g, glen, names[k], &val))
				continue;
			if ((v = strchr(buf_str(&val), ';')) == NULL)
				v = buf_str(&val);
			else
				v++;
			while (*v == ' ' || *v == '\t' || *v == '<')
				v++;
			off = strcspn(v, "> \t");
			if ((a = bp_addr_len(v, off)) == 0)
				a = off;
			r = bp_rcpt_get(b, v, a);
		}
		for (k = 2; r != NULL && k < 6; k++)
			if (bp_header(g, glen, names[k], &val))
				bp_dsn_field(r, names[k], buf_str(&val));
	}
	buf_free(&val);
}

/* Is the line at i empty or white space only? */
static int
bp_blank(const char *s, size_t n, size_t i)
{
	size_t	e = bounce_line_end(s, n, i);

	for (; i < e; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Recipients and diagnostics from the human-readable text. */
void
bp_heuristic(struct bounce_report *b)
{
	const char	*s = buf_str(&b->human), *d;
	size_t		 n = b->human.len, i = 0, e, k, off, alen, dlen;
	struct bounce_rcpt	*cur = NULL;
	char		 addr[BOUNCE_ADDR_MAX];

	while (i < n) {
		e = bounce_line_end(s, n, i);
		for (k = i; k < e && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (bounce_original_at(s + k, e - k))
			return;
		if (k == e) {
			i = e + 1;
			continue;
		}
		if (bp_recipient_line(s + i, e - i, &off, &alen)) {
			if (alen >= sizeof(addr))
				alen = sizeof(addr) - 1;
			memcpy(addr, s + i + off, alen);
			addr[alen] = '\0';
			cur = bp_rcpt_get(b, addr, alen);
			k = i + off + alen;
		}
		if ((d = bounce_find_diag(s + k, e - k, &dlen)) != NULL) {
			if (cur == NULL)
				cur = bp_rcpt_get(b, "", 0);
			if (cur != NULL && cur->diag[0] == '\0')
				bounce_diag_collect(d, (size_t)(s + n - d),
				    cur->diag, sizeof(cur->diag));
		}
		i = e + 1;
	}
}

/* The human text up to the returned message, on one line, to b->prose. */
void
bp_prose(struct bounce_report *b)
{
	const char	*s = buf_str(&b->human);
	size_t		 n = b->human.len, i = 0, e, k, o = 0;

	while (i < n && o + 2 < sizeof(b->prose)) {
		e = bounce_line_end(s, n, i);
		for (k = i; k < e && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (bounce_original_at(s + k, e - k))
			break;
		for (; k < e && o + 2 < sizeof(b->prose); k++)
			b->prose[o++] = (unsigned char)s[k] < ' ' ? ' ' : s[k];
		b->prose[o++] = ' ';
		i = e + 1;
	}
	b->prose[o] = '\0';
	while (i < n) {
		e = bounce_line_end(s, n, i);
		for (k = i; k < e && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (bounce_original_at(s + k, e - k))
			break;
		i = e + 1;
	}
	b->human_len = i < n ? i : n;
}

/* Is there a letter in the n bytes before an address on its line? */
static int
bp_words_before(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]))
			return 1;
	return 0;
}

/*
 * The diagnostic the text gives for recipient r, which the
 * delivery-status part named without one (OpenSMTPD and others put it
 * only in the prose): on the address's own line after "a@b:" or
 * "<a@b>:", or on the lines under an address alone on its line (Exim,
 * qmail) or the paragraph after it (DragonFly).
 */
static void
bp_fill_one(const struct bounce_report *b, struct bounce_rcpt *r)
{
	const char	*s = buf_str(&b->human);
	size_t		 n = b->human_len, i = 0, e, off, alen, k;

	while (i < n) {
		e = bounce_line_end(s, n, i);
		if (!bp_recipient_line(s + i, e - i, &off, &alen) ||
		    alen != strlen(r->addr) ||
		    strncasecmp(s + i + off, r->addr, alen) != 0) {
			i = e + 1;
			continue;
		}
		k = i + off + alen;
		if (k < e && s[k] == '>')
			k++;
		while (k < e && (ispunct((unsigned char)s[k]) ||
		    s[k] == ' ' || s[k] == '\t'))
			k++;
		/*
		 * Nothing beside it: the lines under it, or, after a
		 * sentence naming it ("error delivering your mail to
		 * <a@b>."), the next paragraph.
		 */
		if (k == e && (k = e + 1) < n && bp_blank(s, n, k) &&
		    bp_words_before(s + i, off))
			k = bounce_line_end(s, n, k) + 1;
		if (k < n)
			bounce_diag_collect(s + k, n - k, r->diag,
			    sizeof(r->diag));
		return;
	}
}

void
bp_fill(struct bounce_report *b)
{
	size_t	i;

	for (i = 0; i < b->n; i++)
		if (b->rcpts[i].diag[0] == '\0' && b->rcpts[i].addr[0] != '\0')
			bp_fill_one(b, &b->rcpts[i]);
}

/*
 * The command that failed: the one the recipient's Diagnostic-Code
 * names (set by bp_dsn_field), else the one the prose names.
 */
void
bp_command(struct bounce_report *b)
{
	size_t	i;

	b->cmd = bounce_command(buf_str(&b->human), b->human_len);
	for (i = 0; i < b->n; i++)
		if (b->rcpts[i].cmd == BOUNCE_CMD_ANY ||
		    b->rcpts[i].cmd == BOUNCE_CMD_UNKNOWN)
			b->rcpts[i].cmd = b->cmd;
}

