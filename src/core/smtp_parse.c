/*
 * smtp_parse: pure parsers for SMTP command lines, MAIL/RCPT paths and
 * ESMTP parameters.
 *
 * Grammar (RFC 5321 §4.1.2, extended by RFC 6531 §3.3):
 *	Path       = "<" [ A-d-l ":" ] Mailbox ">"
 *	A-d-l      = "@" Domain *( "," "@" Domain )	; dropped
 *	Mailbox    = Local-part "@" ( Domain / address-literal )
 *	Local-part = Dot-string / Quoted-string		; kept as written
 *	Domain     = sub-domain *( "." sub-domain )
 *	sub-domain = Let-dig [ Ldh-str ]
 * Address literals are [IPv4] and [IPv6:...], checked with inet_pton();
 * General-address-literal is refused.  RFC 5322 atext makes up atoms.
 *
 * Non-ASCII: octets >= 0x80 are parsed as atext, qtext and letters in
 * domain labels, because MAIL's SMTPUTF8 keyword only comes after the
 * path.  Once the whole line is parsed, a path holding such octets is
 * refused (SMTP_PARSE_UTF8) unless SMTPUTF8 is in effect and the path is
 * valid UTF-8.  ASCII-only labels are limited to 63 octets (RFC 1035);
 * labels with UTF-8 are not, since that limit applies to their A-label.
 *
 * Whitespace: exactly zero or one space after "FROM:"/"TO:" (RFC 5321
 * allows none; one is common).  Parameters are separated by one or more
 * spaces and trailing spaces are ignored, as Postfix and OpenSMTPD do.
 *
 * Parameters: a keyword that is not esmtp-keyword, a value that is not
 * esmtp-value or does not suit its keyword, and a repeated keyword are
 * SMTP_PARSE_PARAM_SYNTAX; a well-formed keyword or value we do not
 * offer is SMTP_PARSE_PARAM_UNKNOWN.  MAIL and RCPT share one parameter
 * loop, each with its own table of keywords.  DSN values (RFC 3461) are
 * kept as sent, xtext still encoded, for the queue to relay unchanged.
 *
 * Errors come in this order: path syntax, then lengths (local part 64,
 * domain 255, mailbox 254; the dropped source route does not count),
 * then parameters, then UTF-8.  On any error the output structures are
 * cleared and nothing is truncated.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "core/smtp_parse.h"
#include "lib/util.h"

#define LABEL_MAX	63		/* RFC 1035 §2.3.4 */
#define SIZE_DIGITS_MAX	20		/* UINT64_MAX has 20 digits */
#define POSTMASTER	"<Postmaster>"
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum param_flag {
	P_SIZE =	0x01,
	P_BODY =	0x02,
	P_SMTPUTF8 =	0x04,
	P_AUTH =	0x08,
	P_RET =		0x10,
	P_ENVID =	0x20,
	P_NOTIFY =	0x40,
	P_ORCPT =	0x80,
};

/* One keyword; parse gets the value (hasval 0: none) and the output
   struct of its command (smtp_mail_params or smtp_rcpt_params). */
struct param {
	const char		*name;
	enum param_flag		 flag;
	enum smtp_parse_err	(*parse)(const char *, size_t, int, void *);
};

struct param_table {
	const struct param	*rows;
	size_t			 n;
};

struct word_value {
	const char		*name;
	uint32_t		 value;
};

struct body_value {
	const char		*name;
	enum smtp_body		 body;
	enum smtp_parse_err	 err;
};

struct utf8_lead {
	unsigned char	lo, hi;		/* range of the lead octet */
	unsigned char	len;		/* octets in the sequence */
	unsigned char	lo2, hi2;	/* range of the second octet */
};

static int	is_alpha(unsigned char);
static int	is_digit(unsigned char);
static int	is_let_dig(unsigned char, int);
static int	is_atext(unsigned char);
static int	is_qtext(unsigned char);
static int	is_hex(unsigned char);
static int	is_upper_hex(unsigned char);
static int	ascii_caseeq(const char *, const char *, size_t);
static int	has_8bit(const char *, size_t);
static size_t	label_len(const char *, int);
static size_t	domain_len(const char *, int);
static size_t	addr_literal_len(const char *);
static size_t	dot_string_len(const char *);
static size_t	quoted_string_len(const char *);
static size_t	route_len(const char *);
static const char *skip_prefix(const char *, const char *);
static enum smtp_parse_err path_parse(const char **, struct smtp_path *);
static size_t	mailbox_len(const char *, size_t *);
static enum smtp_parse_err mailbox_store(struct smtp_path *, const char *,
		    size_t, size_t);
static enum smtp_parse_err rcpt_path(const char **, struct smtp_path *);
static enum smtp_parse_err path_end(const char *);
static enum smtp_parse_err path_utf8(const char *, size_t, int);
static int	param_keyword(const char *, size_t, size_t *);
static int	param_value_ok(const char *, size_t);
static int	xtext_ok(const char *, size_t);
static int	word_lookup(const struct word_value *, size_t, const char *,
		    size_t, uint32_t *);
static enum smtp_parse_err params_parse(const char *,
		    const struct param_table *, void *, const char **);
static enum smtp_parse_err param_one(const char *, size_t,
		    const struct param_table *, void *, unsigned int *);
static enum smtp_parse_err param_size(const char *, size_t, int, void *);
static enum smtp_parse_err param_body(const char *, size_t, int, void *);
static enum smtp_parse_err param_smtputf8(const char *, size_t, int,
		    void *);
static enum smtp_parse_err param_auth(const char *, size_t, int, void *);
static enum smtp_parse_err param_ret(const char *, size_t, int, void *);
static enum smtp_parse_err param_envid(const char *, size_t, int, void *);
static enum smtp_parse_err param_notify(const char *, size_t, int, void *);
static enum smtp_parse_err param_orcpt(const char *, size_t, int, void *);
static size_t	utf8_seq_len(const unsigned char *, size_t);

/* MAIL parameters we offer (RFC 1870, 6152, 6531, 4954, 3461). */
static const struct param mail_param_rows[] = {
	{ "SIZE",	P_SIZE,		param_size },
	{ "BODY",	P_BODY,		param_body },
	{ "SMTPUTF8",	P_SMTPUTF8,	param_smtputf8 },
	{ "AUTH",	P_AUTH,		param_auth },
	{ "RET",	P_RET,		param_ret },
	{ "ENVID",	P_ENVID,	param_envid },
};
static const struct param_table mail_params = {
	mail_param_rows, NELEM(mail_param_rows)
};

/* RCPT parameters we offer (RFC 3461). */
static const struct param rcpt_param_rows[] = {
	{ "NOTIFY",	P_NOTIFY,	param_notify },
	{ "ORCPT",	P_ORCPT,	param_orcpt },
};
static const struct param_table rcpt_params = {
	rcpt_param_rows, NELEM(rcpt_param_rows)
};

/* RET= values, RFC 3461 §4.3. */
static const struct word_value ret_words[] = {
	{ "FULL",	DSN_RET_FULL },
	{ "HDRS",	DSN_RET_HDRS },
};

/* NOTIFY= list elements, RFC 3461 §4.1. */
static const struct word_value notify_words[] = {
	{ "NEVER",	DSN_NOTIFY_NEVER },
	{ "SUCCESS",	DSN_NOTIFY_SUCCESS },
	{ "FAILURE",	DSN_NOTIFY_FAILURE },
	{ "DELAY",	DSN_NOTIFY_DELAY },
};

/* BODY= values, RFC 6152 §2; BINARYMIME (RFC 3030) is not offered. */
static const struct body_value body_table[] = {
	{ "7BIT",	SMTP_BODY_7BIT,		SMTP_PARSE_OK },
	{ "8BITMIME",	SMTP_BODY_8BITMIME,	SMTP_PARSE_OK },
	{ "BINARYMIME",	SMTP_BODY_NONE,		SMTP_PARSE_PARAM_UNKNOWN },
};

/* Well-formed multi-octet sequences, RFC 3629 §4. */
static const struct utf8_lead utf8_table[] = {
	{ 0xc2, 0xdf, 2, 0x80, 0xbf },
	{ 0xe0, 0xe0, 3, 0xa0, 0xbf },	/* no overlongs */
	{ 0xe1, 0xec, 3, 0x80, 0xbf },
	{ 0xed, 0xed, 3, 0x80, 0x9f },	/* no surrogates */
	{ 0xee, 0xef, 3, 0x80, 0xbf },
	{ 0xf0, 0xf0, 4, 0x90, 0xbf },	/* no overlongs */
	{ 0xf1, 0xf3, 4, 0x80, 0xbf },
	{ 0xf4, 0xf4, 4, 0x80, 0x8f },	/* nothing past U+10FFFF */
};

int
smtp_cmd_split(char *line, char **verb, char **args)
{
	size_t	n, i;

	n = strcspn(line, " ");
	if (n == 0 || n > SMTP_VERB_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (!is_alpha((unsigned char)line[i]))
			return -1;
	for (i = 0; i < n; i++)
		if (line[i] >= 'a' && line[i] <= 'z')
			line[i] -= 'a' - 'A';
	*verb = line;
	*args = line + n;
	if (line[n] == ' ') {
		line[n] = '\0';
		*args = line + n + 1;
	}
	return 0;
}

enum smtp_parse_err
smtp_parse_mail(const char *args, struct smtp_path *path,
    struct smtp_mail_params *mp, const char **badparam)
{
	const char		*p, *start;
	enum smtp_parse_err	 err;

	memset(path, 0, sizeof(*path));
	memset(mp, 0, sizeof(*mp));
	mp->body = SMTP_BODY_NONE;
	*badparam = NULL;
	if ((p = skip_prefix(args, "FROM:")) == NULL) {
		err = SMTP_PARSE_SYNTAX;
		goto fail;
	}
	start = p;
	if ((err = path_parse(&p, path)) != SMTP_PARSE_OK ||
	    (err = params_parse(p, &mail_params, mp, badparam)) !=
	    SMTP_PARSE_OK ||
	    (err = path_utf8(start, (size_t)(p - start), mp->smtputf8)) !=
	    SMTP_PARSE_OK)
		goto fail;
	return SMTP_PARSE_OK;
fail:
	memset(path, 0, sizeof(*path));
	memset(mp, 0, sizeof(*mp));
	mp->body = SMTP_BODY_NONE;
	return err;
}

enum smtp_parse_err
smtp_parse_rcpt(const char *args, int smtputf8, struct smtp_path *path,
    struct smtp_rcpt_params *rp, const char **badparam)
{
	const char		*p, *start;
	enum smtp_parse_err	 err;

	memset(path, 0, sizeof(*path));
	memset(rp, 0, sizeof(*rp));
	*badparam = NULL;
	if ((p = skip_prefix(args, "TO:")) == NULL) {
		err = SMTP_PARSE_SYNTAX;
		goto fail;
	}
	start = p;
	if ((err = rcpt_path(&p, path)) != SMTP_PARSE_OK ||
	    (err = params_parse(p, &rcpt_params, rp, badparam)) !=
	    SMTP_PARSE_OK ||
	    (err = path_utf8(start, (size_t)(p - start), smtputf8)) !=
	    SMTP_PARSE_OK)
		goto fail;
	return SMTP_PARSE_OK;
fail:
	memset(path, 0, sizeof(*path));
	memset(rp, 0, sizeof(*rp));
	return err;
}

int
smtp_valid_helo(const char *s)
{
	size_t	n;

	if (*s == '[')
		n = addr_literal_len(s);
	else
		n = domain_len(s, 0);
	return n != 0 && n <= SMTP_DOMAIN_MAX && s[n] == '\0';
}

int
smtp_valid_domain(const char *s)
{
	size_t	n;

	n = domain_len(s, 0);
	return n != 0 && n <= SMTP_DOMAIN_MAX && s[n] == '\0';
}

int
smtp_valid_utf8(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n;

	for (i = 0; i < len; i += n) {
		if (u[i] < 0x80)
			n = 1;
		else if ((n = utf8_seq_len(u + i, len - i)) == 0)
			return 0;
	}
	return 1;
}

/*
 * Character classes and case folding.  Written out rather than taken
 * from <ctype.h> or strncasecmp() so the locale cannot change what the
 * protocol accepts.
 */
static int
is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Let-dig; with utf8, octets of U-labels count as letters (RFC 6531). */
static int
is_let_dig(unsigned char c, int utf8)
{
	return is_alpha(c) || is_digit(c) || (utf8 && c >= 0x80);
}

/* RFC 5322 §3.2.3 atext, plus UTF8-non-ascii octets (RFC 6531 §3.3). */
static int
is_atext(unsigned char c)
{
	return is_alpha(c) || is_digit(c) || c >= 0x80 ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 qtextSMTP, plus UTF8-non-ascii octets (RFC 6531 §3.3). */
static int
is_qtext(unsigned char c)
{
	return (c >= 32 && c <= 126 && c != '"' && c != '\\') || c >= 0x80;
}

static int
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* RFC 3461 §4 hexchar digits: upper case only. */
static int
is_upper_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'F');
}

/* Do the first n octets of a and b match, ignoring ASCII case? 1 or 0. */
static int
ascii_caseeq(const char *a, const char *b, size_t n)
{
	unsigned char	ca, cb;
	size_t		i;

	for (i = 0; i < n; i++) {
		ca = (unsigned char)a[i];
		cb = (unsigned char)b[i];
		if (ca >= 'a' && ca <= 'z')
			ca -= 'a' - 'A';
		if (cb >= 'a' && cb <= 'z')
			cb -= 'a' - 'A';
		if (ca != cb)
			return 0;
		if (ca == '\0')
			break;
	}
	return 1;
}

static int
has_8bit(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/*
 * Length of the sub-domain (Let-dig [Ldh-str]) at p, or 0 if there is
 * none or it ends in '-' or an ASCII label passes 63 octets.
 */
static size_t
label_len(const char *p, int utf8)
{
	size_t	n;

	if (!is_let_dig((unsigned char)p[0], utf8))
		return 0;
	for (n = 1; is_let_dig((unsigned char)p[n], utf8) || p[n] == '-'; n++)
		;
	if (p[n - 1] == '-')
		return 0;
	if (n > LABEL_MAX && !has_8bit(p, n))
		return 0;
	return n;
}

/*
 * Length of the Domain at p, or 0 if p does not start with one or a
 * label is malformed (including an empty label after a dot).  Parsing
 * stops at the first octet that cannot continue the domain; the caller
 * checks what follows and the total length.
 */
static size_t
domain_len(const char *p, int utf8)
{
	size_t	n = 0, l;

	for (;;) {
		if ((l = label_len(p + n, utf8)) == 0)
			return 0;
		n += l;
		if (p[n] != '.')
			return n;
		n++;
	}
}

/*
 * Length of the address literal at p ("[1.2.3.4]" or "[IPv6:...]"), or 0
 * if malformed.  RFC 5321 §4.1.3; the "IPv6:" tag is case-insensitive
 * as an ABNF string.  General-address-literal is not accepted.
 */
static size_t
addr_literal_len(const char *p)
{
	char		tmp[INET6_ADDRSTRLEN];
	unsigned char	bin[sizeof(struct in6_addr)];
	const char	*s;
	size_t		n;
	int		af = AF_INET;

	if (p[0] != '[')
		return 0;
	s = p + 1;
	if ((n = strcspn(s, "]")) == 0 || s[n] != ']')
		return 0;
	if (n > 5 && ascii_caseeq(s, "IPv6:", 5)) {
		af = AF_INET6;
		s += 5;
		n -= 5;
	}
	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(af, tmp, bin) != 1)
		return 0;
	return (size_t)(s + n + 1 - p);
}

/* Length of the Dot-string (Atom *("." Atom)) at p, or 0. */
static size_t
dot_string_len(const char *p)
{
	size_t	n = 0;

	for (;;) {
		if (!is_atext((unsigned char)p[n]))
			return 0;
		while (is_atext((unsigned char)p[n]))
			n++;
		if (p[n] != '.')
			return n;
		n++;
	}
}

/*
 * Length of the Quoted-string at p, quotes included, or 0.  RFC 5321
 * §4.1.2: qtextSMTP or quoted-pairSMTP ("\" and printable ASCII).
 */
static size_t
quoted_string_len(const char *p)
{
	size_t	n;

	if (p[0] != '"')
		return 0;
	for (n = 1; p[n] != '"'; n++) {
		if (p[n] == '\\' && p[n + 1] >= 32 && p[n + 1] <= 126)
			n++;
		else if (!is_qtext((unsigned char)p[n]))
			return 0;
	}
	return n + 1;
}

/*
 * Length of a source route "@a,@b:" at p, colon included, or 0.  Route
 * domains are only checked for syntax and the 255-octet bound.
 */
static size_t
route_len(const char *p)
{
	size_t	n = 0, d;

	for (;;) {
		if (p[n] != '@')
			return 0;
		n++;
		d = domain_len(p + n, 1);
		if (d == 0 || d > SMTP_DOMAIN_MAX)
			return 0;
		n += d;
		if (p[n] == ':')
			return n + 1;
		if (p[n] != ',')
			return 0;
		n++;
	}
}

/* Skip a case-insensitive keyword and at most one space; NULL if absent. */
static const char *
skip_prefix(const char *s, const char *kw)
{
	size_t	n = strlen(kw);

	if (!ascii_caseeq(s, kw, n))
		return NULL;
	s += n;
	if (*s == ' ')
		s++;
	return s;
}

/*
 * Parse "<>" or "<[route:]mailbox>" at *pp into path and advance *pp
 * past the '>'.  The path and what follows it are checked for syntax
 * before the lengths are.
 */
static enum smtp_parse_err
path_parse(const char **pp, struct smtp_path *path)
{
	const char	*p = *pp;
	size_t		 n, llen;

	if (*p++ != '<')
		return SMTP_PARSE_SYNTAX;
	if (*p == '>') {
		path->null = 1;
		*pp = p + 1;
		return path_end(*pp);
	}
	if (*p == '@') {
		if ((n = route_len(p)) == 0)
			return SMTP_PARSE_SYNTAX;
		p += n;
	}
	if ((n = mailbox_len(p, &llen)) == 0 || p[n] != '>' ||
	    path_end(p + n + 1) != SMTP_PARSE_OK)
		return SMTP_PARSE_SYNTAX;
	*pp = p + n + 1;
	return mailbox_store(path, p, n, llen);
}

/*
 * Length of the Mailbox (Local-part "@" (Domain / address-literal)) at
 * p, or 0 if malformed.  *llen gets the length of the local part.
 */
static size_t
mailbox_len(const char *p, size_t *llen)
{
	size_t	dlen;

	*llen = *p == '"' ? quoted_string_len(p) : dot_string_len(p);
	if (*llen == 0 || p[*llen] != '@')
		return 0;
	p += *llen + 1;
	dlen = *p == '[' ? addr_literal_len(p) : domain_len(p, 1);
	return dlen == 0 ? 0 : *llen + 1 + dlen;
}

/* Check the bounds of RFC 5321 §4.5.3.1, then copy the mailbox. */
static enum smtp_parse_err
mailbox_store(struct smtp_path *path, const char *mb, size_t len,
    size_t llen)
{
	if (llen > SMTP_LOCAL_MAX || len - llen - 1 > SMTP_DOMAIN_MAX ||
	    len > SMTP_ADDR_MAX)
		return SMTP_PARSE_TOO_LONG;
	memcpy(path->addr, mb, len);
	path->addr[len] = '\0';
	path->at = llen;
	path->utf8 = has_8bit(mb, len);
	return SMTP_PARSE_OK;
}

/*
 * RCPT's path: "<Postmaster>" alone (RFC 5321 §4.1.1.3), kept as written
 * with at = 0, or a path that is not the null path.
 */
static enum smtp_parse_err
rcpt_path(const char **pp, struct smtp_path *path)
{
	size_t			n = strlen(POSTMASTER);
	enum smtp_parse_err	err;

	if (ascii_caseeq(*pp, POSTMASTER, n)) {
		memcpy(path->addr, *pp + 1, n - 2);
		path->addr[n - 2] = '\0';
		*pp += n;
		return path_end(*pp);
	}
	if ((err = path_parse(pp, path)) != SMTP_PARSE_OK)
		return err;
	return path->null ? SMTP_PARSE_SYNTAX : SMTP_PARSE_OK;
}

/* After '>' comes the end of the line or a space and parameters. */
static enum smtp_parse_err
path_end(const char *p)
{
	if (*p != '\0' && *p != ' ')
		return SMTP_PARSE_SYNTAX;
	return SMTP_PARSE_OK;
}

/*
 * RFC 6531 §3.3: non-ASCII octets need SMTPUTF8 and must be UTF-8.  The
 * whole path span is checked, including a dropped source route.
 */
static enum smtp_parse_err
path_utf8(const char *s, size_t n, int smtputf8)
{
	if (!has_8bit(s, n))
		return SMTP_PARSE_OK;
	if (!smtputf8 || !smtp_valid_utf8(s, n))
		return SMTP_PARSE_UTF8;
	return SMTP_PARSE_OK;
}

/*
 * RFC 5321 §4.1.2: esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"),
 * followed by the end of the token or "=".  Sets *klen; 1 if well formed.
 */
static int
param_keyword(const char *tok, size_t len, size_t *klen)
{
	size_t	n;

	for (n = 0; n < len; n++) {
		if (!is_alpha((unsigned char)tok[n]) &&
		    !is_digit((unsigned char)tok[n]) &&
		    (n == 0 || tok[n] != '-'))
			break;
	}
	*klen = n;
	return n > 0 && (n == len || tok[n] == '=');
}

/* esmtp-value = 1*(%d33-60 / %d62-126), RFC 5321 §4.1.2. */
static int
param_value_ok(const char *v, size_t len)
{
	size_t	i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 33 || (unsigned char)v[i] > 126 ||
		    v[i] == '=')
			return 0;
	return 1;
}

/*
 * RFC 3461 §4: xtext = *( xchar / hexchar ), xchar any of 33..126 but
 * "+" and "=", hexchar "+" and two upper-case hex digits.  The value
 * already passed param_value_ok(), so only the "+" escapes are left.
 */
static int
xtext_ok(const char *v, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (v[i] != '+')
			continue;
		if (len - i < 3 || !is_upper_hex((unsigned char)v[i + 1]) ||
		    !is_upper_hex((unsigned char)v[i + 2]))
			return 0;
		i += 2;
	}
	return 1;
}

/* A keyword of len octets in table, any case: 1 and its value, or 0. */
static int
word_lookup(const struct word_value *table, size_t n, const char *w,
    size_t len, uint32_t *value)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strlen(table[i].name) == len &&
		    ascii_caseeq(w, table[i].name, len)) {
			*value = table[i].value;
			return 1;
		}
	return 0;
}

/* The parameters after a path, against one command's table. */
static enum smtp_parse_err
params_parse(const char *p, const struct param_table *t, void *out,
    const char **badparam)
{
	enum smtp_parse_err	err;
	unsigned int		seen = 0;
	size_t			len;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return SMTP_PARSE_OK;
		len = strcspn(p, " ");
		if ((err = param_one(p, len, t, out, &seen)) !=
		    SMTP_PARSE_OK) {
			*badparam = p;
			return err;
		}
		p += len;
	}
}

/* One "keyword[=value]" token; seen collects keywords to refuse repeats. */
static enum smtp_parse_err
param_one(const char *tok, size_t len, const struct param_table *t,
    void *out, unsigned int *seen)
{
	const struct param	*row = NULL;
	size_t			 klen, i;
	int			 hasval;

	if (!param_keyword(tok, len, &klen))
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i < t->n && row == NULL; i++)
		if (strlen(t->rows[i].name) == klen &&
		    ascii_caseeq(tok, t->rows[i].name, klen))
			row = &t->rows[i];
	if (row == NULL)
		return SMTP_PARSE_PARAM_UNKNOWN;
	if (*seen & row->flag)
		return SMTP_PARSE_PARAM_SYNTAX;
	*seen |= row->flag;
	hasval = klen < len;
	if (hasval && !param_value_ok(tok + klen + 1, len - klen - 1))
		return SMTP_PARSE_PARAM_SYNTAX;
	return row->parse(tok + klen + 1, hasval ? len - klen - 1 : 0,
	    hasval, out);
}

/* RFC 1870: SIZE=1*20DIGIT, and the value must fit in 64 bits. */
static enum smtp_parse_err
param_size(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_mail_params	*mp = out;
	uint64_t	size = 0;
	unsigned int	d;
	size_t		i;

	if (!hasval || len > SIZE_DIGITS_MAX)
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)v[i]))
			return SMTP_PARSE_PARAM_SYNTAX;
		d = (unsigned int)(v[i] - '0');
		if (size > (UINT64_MAX - d) / 10)
			return SMTP_PARSE_PARAM_SYNTAX;
		size = size * 10 + d;
	}
	mp->has_size = 1;
	mp->size = size;
	return SMTP_PARSE_OK;
}

static enum smtp_parse_err
param_body(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_mail_params	*mp = out;
	size_t			 i;

	if (!hasval)
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i < NELEM(body_table); i++) {
		if (strlen(body_table[i].name) == len &&
		    ascii_caseeq(v, body_table[i].name, len)) {
			mp->body = body_table[i].body;
			return body_table[i].err;
		}
	}
	return SMTP_PARSE_PARAM_SYNTAX;
}

/* RFC 6531 §3.4: SMTPUTF8 takes no value. */
static enum smtp_parse_err
param_smtputf8(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_mail_params	*mp = out;

	if (hasval)
		return SMTP_PARSE_PARAM_SYNTAX;
	mp->smtputf8 = 1;
	return SMTP_PARSE_OK;
}

/*
 * RFC 4954 §5: AUTH=xtext (RFC 3461 §4), checked and ignored.  xtext
 * hex digits are accepted in either case, as ABNF strings are.
 */
static enum smtp_parse_err
param_auth(const char *v, size_t len, int hasval, void *out)
{
	size_t	i;

	if (!hasval)
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i < len; i++) {
		if (v[i] != '+')
			continue;
		if (i + 2 >= len || !is_hex((unsigned char)v[i + 1]) ||
		    !is_hex((unsigned char)v[i + 2]))
			return SMTP_PARSE_PARAM_SYNTAX;
		i += 2;
	}
	return SMTP_PARSE_OK;
}

/* RFC 3461 §4.3: RET=FULL or RET=HDRS. */
static enum smtp_parse_err
param_ret(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_mail_params	*mp = out;

	if (!hasval || !word_lookup(ret_words, NELEM(ret_words), v, len,
	    &mp->ret))
		return SMTP_PARSE_PARAM_SYNTAX;
	return SMTP_PARSE_OK;
}

/* RFC 3461 §4.4: ENVID=xtext, at most 100 characters. */
static enum smtp_parse_err
param_envid(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_mail_params	*mp = out;

	if (!hasval || len > SMTP_ENVID_MAX || !xtext_ok(v, len))
		return SMTP_PARSE_PARAM_SYNTAX;
	memcpy(mp->envid, v, len);
	mp->envid[len] = '\0';
	return SMTP_PARSE_OK;
}

/*
 * RFC 3461 §4.1: NOTIFY=NEVER, or a comma list of SUCCESS, FAILURE and
 * DELAY.  NEVER with anything else, and empty elements, are errors; an
 * element given twice is harmless and accepted, as the grammar allows.
 */
static enum smtp_parse_err
param_notify(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_rcpt_params	*rp = out;
	uint32_t		 bit, all = 0;
	size_t			 i, n;

	if (!hasval)
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i <= len; i += n + 1) {
		for (n = 0; i + n < len && v[i + n] != ','; n++)
			;
		if (!word_lookup(notify_words, NELEM(notify_words), v + i, n,
		    &bit))
			return SMTP_PARSE_PARAM_SYNTAX;
		all |= bit;
	}
	if ((all & DSN_NOTIFY_NEVER) && all != DSN_NOTIFY_NEVER)
		return SMTP_PARSE_PARAM_SYNTAX;
	rp->notify = all;
	return SMTP_PARSE_OK;
}

/*
 * RFC 3461 §4.2: ORCPT=addr-type;xtext, addr-type an atom.  "rfc822"
 * (any case) must carry an address; other types are kept as given.
 */
static enum smtp_parse_err
param_orcpt(const char *v, size_t len, int hasval, void *out)
{
	struct smtp_rcpt_params	*rp = out;
	const char		*semi;
	size_t			 tlen, i;

	if (!hasval || len > SMTP_ORCPT_MAX ||
	    (semi = memchr(v, ';', len)) == NULL)
		return SMTP_PARSE_PARAM_SYNTAX;
	tlen = (size_t)(semi - v);
	if (tlen == 0)
		return SMTP_PARSE_PARAM_SYNTAX;
	for (i = 0; i < tlen; i++)
		if (!is_atext((unsigned char)v[i]))
			return SMTP_PARSE_PARAM_SYNTAX;
	if (!xtext_ok(semi + 1, len - tlen - 1) ||
	    (tlen == 6 && ascii_caseeq(v, "rfc822", 6) && len == tlen + 1))
		return SMTP_PARSE_PARAM_SYNTAX;
	memcpy(rp->orcpt, v, len);
	rp->orcpt[len] = '\0';
	return SMTP_PARSE_OK;
}

/* Length of the well-formed UTF-8 sequence at u (lead >= 0x80), or 0. */
static size_t
utf8_seq_len(const unsigned char *u, size_t avail)
{
	const struct utf8_lead	*t = NULL;
	size_t			 i;

	for (i = 0; i < NELEM(utf8_table) && t == NULL; i++)
		if (u[0] >= utf8_table[i].lo && u[0] <= utf8_table[i].hi)
			t = &utf8_table[i];
	if (t == NULL || avail < t->len)
		return 0;
	if (u[1] < t->lo2 || u[1] > t->hi2)
		return 0;
	for (i = 2; i < t->len; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return t->len;
}

int
smtp_parse_mailbox(const char *in, char *out, size_t outsz)
{
	struct smtp_path	 path;
	struct smtp_mail_params	 params;
	const char		*bad;
	char			 arg[SMTP_ADDR_MAX + 16];

	if (util_snprintf(arg, sizeof(arg), "FROM:<%s>", in) == -1 ||
	    smtp_parse_mail(arg, &path, &params, &bad) != SMTP_PARSE_OK ||
	    path.at == 0 || path.utf8 ||
	    util_strlcpy(out, path.addr, outsz) == -1)
		return -1;
	util_lower(out);
	return 0;
}
