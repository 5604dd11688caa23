/*
 * check_imap_parse: IMAP responses as `postern check` reads them (see
 * check_imap_parse.h): pure functions over one response, its literals
 * inline as on the wire (RFC 9051 §4.3, §7), tested by
 * test/unit/check_imap_test.c.
 *
 * Invariants: a cursor never passes the end it was given; every copy is
 * bounded by its output's size, and what does not fit makes the parse
 * fail (-1) rather than cut a name.  Nothing is allocated.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "diag/check_imap_parse.h"

/* A cursor over one response (pure parsing). */
struct itok {
	const char	*p;
	const char	*e;
};

static int	tok_sp(struct itok *);
static int	tok_atom(struct itok *, char *, size_t);
static int	tok_quoted(struct itok *, char *, size_t);
static int	tok_literal(struct itok *, char *, size_t);
static int	tok_astring(struct itok *, char *, size_t, int *);
static int	tok_is_atom_char(unsigned char);
static void	upper(char *);
static void	parse_code(struct itok *, struct imap_line *);
static enum imap_cond cond_of(const char *);
static int	list_flags(struct itok *, unsigned *);
static int	list_delimiter(struct itok *, char *);

/*
 * ASTRING-CHAR of RFC 9051 §9: ATOM-CHAR and ']' ("[Gmail]/Spam").  A
 * response code's end is found first (parse_code), so ']' is safe here.
 */
static int
tok_is_atom_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("(){ %*\"\\", c) == NULL;
}

static void
upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

static int
tok_sp(struct itok *t)
{
	if (t->p >= t->e || *t->p != ' ')
		return -1;
	t->p++;
	return 0;
}

/* An atom (or a flag "\\Junk", or a tag): 0, -1 if none or too long. */
static int
tok_atom(struct itok *t, char *out, size_t outsz)
{
	size_t	n = 0;

	if (t->p < t->e && *t->p == '\\' && outsz > 1) {
		out[n++] = '\\';
		t->p++;
	}
	while (t->p < t->e && tok_is_atom_char((unsigned char)*t->p)) {
		if (n + 1 >= outsz)
			return -1;
		out[n++] = *t->p++;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

/* A quoted string, '\\' quoting '"' and '\\' (RFC 9051 §4.3). */
static int
tok_quoted(struct itok *t, char *out, size_t outsz)
{
	size_t	n = 0;

	if (t->p >= t->e || *t->p != '"')
		return -1;
	for (t->p++; t->p < t->e && *t->p != '"'; t->p++) {
		if (*t->p == '\\' && ++t->p >= t->e)
			return -1;
		if (*t->p == '\r' || *t->p == '\n' || n + 1 >= outsz)
			return -1;
		out[n++] = *t->p;
	}
	if (t->p >= t->e)
		return -1;
	t->p++;
	out[n] = '\0';
	return 0;
}

/* "{n}" CRLF and n octets, inline as ic_read() keeps them. */
static int
tok_literal(struct itok *t, char *out, size_t outsz)
{
	unsigned long	n = 0;

	if (t->p >= t->e || *t->p != '{')
		return -1;
	for (t->p++; t->p < t->e && isdigit((unsigned char)*t->p); t->p++) {
		n = n * 10 + (unsigned long)(*t->p - '0');
		if (n > IMAP_LITERAL_MAX)
			return -1;
	}
	if (t->p < t->e && *t->p == '+')
		t->p++;
	if (t->e - t->p < 3 || memcmp(t->p, "}\r\n", 3) != 0)
		return -1;
	t->p += 3;
	if ((unsigned long)(t->e - t->p) < n || n >= outsz ||
	    memchr(t->p, '\0', n) != NULL)
		return -1;
	memcpy(out, t->p, n);
	out[n] = '\0';
	t->p += n;
	return 0;
}

/* astring or nstring: *nil is set for NIL.  0 or -1. */
static int
tok_astring(struct itok *t, char *out, size_t outsz, int *nil)
{
	*nil = 0;
	if (t->p < t->e && *t->p == '"')
		return tok_quoted(t, out, outsz);
	if (t->p < t->e && *t->p == '{')
		return tok_literal(t, out, outsz);
	if (tok_atom(t, out, outsz) == -1)
		return -1;
	*nil = strcasecmp(out, "NIL") == 0;
	return 0;
}

static enum imap_cond
cond_of(const char *w)
{
	static const struct {
		const char	*word;
		enum imap_cond	 cond;
	} conds[] = {
		{ "OK", ICOND_OK }, { "NO", ICOND_NO }, { "BAD", ICOND_BAD },
		{ "BYE", ICOND_BYE }, { "PREAUTH", ICOND_PREAUTH },
	};
	size_t	i;

	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (strcasecmp(w, conds[i].word) == 0)
			return conds[i].cond;
	return ICOND_NONE;
}

/* "[CODE args]" after a status word (RFC 9051 §7.1); rest follows. */
static void
parse_code(struct itok *t, struct imap_line *l)
{
	const char	*close;

	if (t->p < t->e && *t->p == '[' && (close = memchr(t->p, ']',
	    (size_t)(t->e - t->p))) != NULL) {
		struct itok	c = { t->p + 1, close };

		if (tok_atom(&c, l->code, sizeof(l->code)) == 0) {
			upper(l->code);
			if (tok_sp(&c) == 0) {
				l->code_args = c.p;
				l->code_argslen = (size_t)(close - c.p);
			}
		}
		t->p = close + 1;
		(void)tok_sp(t);
	}
	l->rest = t->p;
	l->restlen = (size_t)(t->e - t->p);
}

int
check_imap_parse(const char *s, size_t n, struct imap_line *l)
{
	struct itok	 t = { s, s + n };

	memset(l, 0, sizeof(*l));
	if (n >= 1 && s[0] == '+') {
		l->kind = IRESP_CONTINUE;
		t.p++;
		(void)tok_sp(&t);
		l->rest = t.p;
		l->restlen = (size_t)(t.e - t.p);
		return 0;
	}
	if (n >= 2 && s[0] == '*' && s[1] == ' ') {
		l->kind = IRESP_UNTAGGED;
		t.p += 2;
	} else if (tok_atom(&t, l->tag, sizeof(l->tag)) == 0 &&
	    strchr(l->tag, '+') == NULL && l->tag[0] != '\\' &&
	    tok_sp(&t) == 0)
		l->kind = IRESP_TAGGED;
	else
		return -1;
	if (l->kind == IRESP_UNTAGGED && t.p < t.e &&
	    isdigit((unsigned char)*t.p)) {
		for (; t.p < t.e && isdigit((unsigned char)*t.p); t.p++)
			if ((l->number = l->number * 10 +
			    (unsigned long)(*t.p - '0')) > 0xffffffffUL)
				return -1;	/* nz-number is 32 bits */
		if (tok_sp(&t) == -1)
			return -1;
	}
	if (tok_atom(&t, l->keyword, sizeof(l->keyword)) == -1)
		return -1;
	upper(l->keyword);
	l->cond = cond_of(l->keyword);
	if (l->kind == IRESP_TAGGED && l->cond == ICOND_NONE)
		return -1;
	if (t.p < t.e && tok_sp(&t) == -1)
		return -1;
	if (l->cond != ICOND_NONE)
		parse_code(&t, l);
	else {
		l->rest = t.p;
		l->restlen = (size_t)(t.e - t.p);
	}
	return 0;
}

unsigned
check_imap_caps(const char *s, size_t n)
{
	static const struct {
		const char	*name;
		unsigned	 flags;
	} known[] = {
		{ "IMAP4rev1", ICAP_IMAP4REV1 },
		/* RFC 9051 §1: IMAP4rev2 includes these extensions */
		{ "IMAP4rev2", ICAP_IMAP4REV1 | ICAP_NAMESPACE | ICAP_IDLE |
		    ICAP_UIDPLUS | ICAP_MOVE | ICAP_LIST_STATUS |
		    ICAP_SPECIAL_USE },
		{ "STARTTLS", ICAP_STARTTLS },
		{ "LOGINDISABLED", ICAP_LOGINDISABLED },
		{ "AUTH=PLAIN", ICAP_AUTH_PLAIN },
		{ "LITERAL+", ICAP_LITERALPLUS },
		{ "NAMESPACE", ICAP_NAMESPACE },
		{ "CONDSTORE", ICAP_CONDSTORE },
		{ "QRESYNC", ICAP_CONDSTORE },	/* RFC 7162 §3.2.3 */
		{ "LIST-STATUS", ICAP_LIST_STATUS },
		{ "SPECIAL-USE", ICAP_SPECIAL_USE },
		{ "MOVE", ICAP_MOVE },
		{ "UIDPLUS", ICAP_UIDPLUS },
		{ "IDLE", ICAP_IDLE },
	};
	const char	*p = s, *e = s + n, *w;
	size_t		 i, len;
	unsigned	 flags = 0;

	while (p < e) {
		for (w = p; p < e && *p != ' '; p++)
			;
		len = (size_t)(p - w);
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len &&
			    strncasecmp(w, known[i].name, len) == 0)
				flags |= known[i].flags;
		if (p < e)
			p++;
	}
	return flags;
}

/* "(\\HasNoChildren \\Junk)": the flags the check cares for. */
static int
list_flags(struct itok *t, unsigned *flags)
{
	char	f[64];

	if (t->p >= t->e || *t->p++ != '(')
		return -1;
	while (t->p < t->e && *t->p != ')') {
		if (tok_atom(t, f, sizeof(f)) == -1)
			return -1;
		if (strcasecmp(f, "\\Junk") == 0)
			*flags |= IMAP_MB_JUNK;
		else if (strcasecmp(f, "\\Sent") == 0)
			*flags |= IMAP_MB_SENT;
		else if (strcasecmp(f, "\\Noselect") == 0 ||
		    strcasecmp(f, "\\NonExistent") == 0)
			*flags |= IMAP_MB_NOSELECT;
		if (t->p < t->e && *t->p == ' ')
			t->p++;
	}
	if (t->p >= t->e)
		return -1;
	t->p++;
	return 0;
}

/* The hierarchy delimiter: a quoted character or NIL. */
static int
list_delimiter(struct itok *t, char *delim)
{
	char	d[4];
	int	nil;

	if (tok_astring(t, d, sizeof(d), &nil) == -1 ||
	    (!nil && strlen(d) != 1))
		return -1;
	*delim = nil ? '\0' : d[0];
	return 0;
}

int
check_imap_list(const char *s, size_t n, struct imap_mailbox *mb)
{
	struct itok	t = { s, s + n };
	int		nil;

	memset(mb, 0, sizeof(*mb));
	if (list_flags(&t, &mb->flags) == -1 || tok_sp(&t) == -1 ||
	    list_delimiter(&t, &mb->delimiter) == -1 || tok_sp(&t) == -1 ||
	    tok_astring(&t, mb->name, sizeof(mb->name), &nil) == -1)
		return -1;
	/* LIST-EXTENDED data may follow: " (CHILDINFO ...)" */
	if (strcasecmp(mb->name, "INBOX") == 0)
		mb->flags |= IMAP_MB_INBOX;
	return 0;
}

int
check_imap_namespace(const char *s, size_t n, char *prefix, size_t prefixsz,
    char *delim)
{
	struct itok	t = { s, s + n };
	char		w[8];
	int		nil;

	if (t.p < t.e && *t.p != '(')
		return tok_atom(&t, w, sizeof(w)) == -1 ||
		    strcasecmp(w, "NIL") ? -1 : 1;
	if (t.e - t.p < 2 || t.p[0] != '(' || t.p[1] != '(')
		return -1;
	t.p += 2;
	if (tok_astring(&t, prefix, prefixsz, &nil) == -1 || nil ||
	    tok_sp(&t) == -1 || list_delimiter(&t, delim) == -1)
		return -1;
	return 0;
}

int
check_imap_quote(const char *s, size_t n, char *out, size_t outsz)
{
	size_t	i, k = 0, esc;

	if (memchr(s, '\0', n) != NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || (unsigned char)s[i] >= 0x80)
			return 1;
	if (outsz < 3)
		return -1;
	out[k++] = '"';
	for (i = 0; i < n; i++) {
		esc = s[i] == '"' || s[i] == '\\';
		if (k + esc + 3 > outsz)	/* the char, '"', NUL */
			return -1;
		if (esc)
			out[k++] = '\\';
		out[k++] = s[i];
	}
	out[k++] = '"';
	out[k] = '\0';
	return 0;
}

int
check_imap_is_spam_name(const char *name)
{
	return strcasestr(name, "junk") != NULL ||
	    strcasestr(name, "spam") != NULL;
}
