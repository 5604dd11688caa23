/*
 * check_imap_test: the pure parts of `postern check --imap`
 * (check_imap.c): reading IMAP responses (RFC 9051 §7) -- status
 * responses with their response codes, untagged data, continuations,
 * literals inline as on the wire -- the capability list and what it
 * implies, LIST and NAMESPACE data, how LOGIN quotes its arguments (or
 * needs a literal), the Junk folder by name, and the port and mode
 * defaults.  Table-driven; malformed input must be refused, never read
 * past its length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag/check.h"

struct parse_case {
	const char	*line;
	int		 rc;
	enum imap_kind	 kind;
	const char	*tag;
	enum imap_cond	 cond;
	const char	*keyword;
	unsigned long	 number;
	const char	*code;
	const char	*code_args;	/* NULL: none */
	const char	*rest;
};

struct list_case {
	const char	*args;
	size_t		 len;		/* 0: strlen */
	int		 rc;
	unsigned	 flags;
	char		 delimiter;
	const char	*name;
};

struct quote_case {
	const char	*in;
	size_t		 len;		/* 0: strlen */
	size_t		 outsz;
	int		 rc;
	const char	*out;
};

static void	test_parse(void **);
static void	test_parse_bounds(void **);
static void	test_caps(void **);
static void	test_list(void **);
static void	test_namespace(void **);
static void	test_quote(void **);
static void	test_spam_names(void **);
static void	test_ports_and_summary(void **);
static void	assert_span(const char *, size_t, const char *, const char *);

static const struct parse_case parse_cases[] = {
	{ "* OK [CAPABILITY IMAP4rev1 IDLE] Postern IMAP ready.", 0,
	    IRESP_UNTAGGED, "", ICOND_OK, "OK", 0, "CAPABILITY",
	    "IMAP4rev1 IDLE", "Postern IMAP ready." },
	{ "a1 NO [AUTHENTICATIONFAILED] Authentication failed.", 0,
	    IRESP_TAGGED, "a1", ICOND_NO, "NO", 0, "AUTHENTICATIONFAILED",
	    NULL, "Authentication failed." },
	{ "a2 ok [read-write] Select completed", 0, IRESP_TAGGED, "a2",
	    ICOND_OK, "OK", 0, "READ-WRITE", NULL, "Select completed" },
	{ "a3 OK", 0, IRESP_TAGGED, "a3", ICOND_OK, "OK", 0, "", NULL, "" },
	{ "* 3 EXISTS", 0, IRESP_UNTAGGED, "", ICOND_NONE, "EXISTS", 3, "",
	    NULL, "" },
	{ "* OK [UIDVALIDITY 1796601018] UIDs valid", 0, IRESP_UNTAGGED, "",
	    ICOND_OK, "OK", 0, "UIDVALIDITY", "1796601018", "UIDs valid" },
	{ "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED", 0,
	    IRESP_UNTAGGED, "", ICOND_NONE, "CAPABILITY", 0, "", NULL,
	    "IMAP4rev1 STARTTLS LOGINDISABLED" },
	{ "* LIST (\\Junk) \"/\" Junk", 0, IRESP_UNTAGGED, "", ICOND_NONE,
	    "LIST", 0, "", NULL, "(\\Junk) \"/\" Junk" },
	{ "* BYE Logging out", 0, IRESP_UNTAGGED, "", ICOND_BYE, "BYE", 0,
	    "", NULL, "Logging out" },
	{ "* PREAUTH welcome", 0, IRESP_UNTAGGED, "", ICOND_PREAUTH,
	    "PREAUTH", 0, "", NULL, "welcome" },
	{ "* OK [ALERT unterminated", 0, IRESP_UNTAGGED, "", ICOND_OK, "OK",
	    0, "", NULL, "[ALERT unterminated" },
	{ "+ Ready for literal data", 0, IRESP_CONTINUE, "", ICOND_NONE, "",
	    0, "", NULL, "Ready for literal data" },
	{ "+", 0, IRESP_CONTINUE, "", ICOND_NONE, "", 0, "", NULL, "" },
	/* refused */
	{ .line = "a1 HELLO there", .rc = -1 },	/* tagged: a status */
	{ .line = "220 mx.example ESMTP Postfix", .rc = -1 },
	{ .line = "", .rc = -1 },
	{ .line = "*", .rc = -1 },
	{ .line = "* ", .rc = -1 },
	{ .line = "a+b OK", .rc = -1 },		/* '+' in a tag */
	{ .line = "\\x OK", .rc = -1 },
	{ .line = "* 99999999999 EXISTS", .rc = -1 },	/* 32 bits */
	{ .line = "* 3", .rc = -1 },
	{ .line = "a1  OK", .rc = -1 },
};

static const struct list_case list_cases[] = {
	{ "(\\HasNoChildren \\Junk) \"/\" Junk", 0, 0, IMAP_MB_JUNK, '/',
	    "Junk" },
	{ "() \".\" INBOX", 0, 0, IMAP_MB_INBOX, '.', "INBOX" },
	{ "(\\HasChildren) \"/\" \"inbox\"", 0, 0, IMAP_MB_INBOX, '/',
	    "inbox" },
	{ "(\\Sent) \"/\" \"Sent Items\"", 0, 0, IMAP_MB_SENT, '/',
	    "Sent Items" },
	{ "(\\Noselect \\HasChildren) NIL \"\"", 0, 0, IMAP_MB_NOSELECT,
	    '\0', "" },
	{ "(\\NonExistent) \"/\" Gone", 0, 0, IMAP_MB_NOSELECT, '/', "Gone" },
	{ "() \"\\\\\" Foo", 0, 0, 0, '\\', "Foo" },
	{ "(\\HasNoChildren) \"/\" [Gmail]/Spam", 0, 0, 0, '/',
	    "[Gmail]/Spam" },
	{ "() \"/\" \"a \\\"quoted\\\" name\"", 0, 0, 0, '/',
	    "a \"quoted\" name" },
	/* a literal mailbox name, inline as ic_read() keeps it */
	{ "() \"/\" {11}\r\nJunk \"Mail\"", 0, 0, 0, '/', "Junk \"Mail\"" },
	{ "(\\Junk) \"/\" {4+}\r\nSpam (CHILDINFO (\"SUBSCRIBED\"))", 0, 0,
	    IMAP_MB_JUNK, '/', "Spam" },
	/* refused */
	{ .args = "(\\Junk \"/\" Junk", .len = 0, .rc = -1 },
	{ .args = "(\\Junk) \"/\"", .len = 0, .rc = -1 },
	{ .args = "(\\Junk) \"//\" Junk", .len = 0, .rc = -1 },
	{ .args = "() \"/\" {50}\r\nshort", .len = 0, .rc = -1 },
	{ .args = "() \"/\" {3}\r\na\0b", .len = 14, .rc = -1 },
	{ .args = "() \"/\" {3}a", .len = 0, .rc = -1 },	/* no CRLF */
	{ .args = "() \"/\" {99999999999999}\r\nx", .len = 0,
	    .rc = -1 },
	{ .args = "() \"/\" \"unterminated", .len = 0, .rc = -1 },
	{ .args = "", .len = 0, .rc = -1 },
};

static const struct quote_case quote_cases[] = {
	{ "user@example.test", 0, 64, 0, "\"user@example.test\"" },
	{ "pa\"ss\\word", 0, 64, 0, "\"pa\\\"ss\\\\word\"" },
	{ "", 0, 8, 0, "\"\"" },
	{ "correct horse battery", 0, 64, 0, "\"correct horse battery\"" },
	{ "p\xc3\xa4ss", 0, 64, 1, NULL },		/* 8-bit: literal */
	{ "pass\r\n", 0, 64, 1, NULL },			/* CR LF: literal */
	{ "a\0b", 3, 64, -1, NULL },			/* NUL: never */
	{ "0123456789", 0, 13, 0, "\"0123456789\"" },	/* exactly */
	{ "0123456789", 0, 12, -1, NULL },		/* out too small */
	{ "\"\"\"", 0, 8, -1, NULL },			/* escapes count */
};

static void
assert_span(const char *p, size_t n, const char *want, const char *what)
{
	if (want == NULL) {
		if (p != NULL)
			fail_msg("%s: unexpected \"%.*s\"", what, (int)n, p);
		return;
	}
	if (p == NULL || n != strlen(want) || memcmp(p, want, n) != 0)
		fail_msg("%s: \"%.*s\", want \"%s\"", what, p ? (int)n : 6,
		    p ? p : "(null)", want);
}

static void
test_parse(void **state)
{
	const struct parse_case	*c;
	struct imap_line	 l;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		c = &parse_cases[i];
		rc = check_imap_parse(c->line, strlen(c->line), &l);
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d", c->line, rc);
		if (rc == -1)
			continue;
		assert_int_equal(l.kind, c->kind);
		assert_string_equal(l.tag, c->tag);
		assert_int_equal(l.cond, c->cond);
		assert_string_equal(l.keyword, c->keyword);
		assert_int_equal(l.number, c->number);
		assert_string_equal(l.code, c->code);
		assert_span(l.code_args, l.code_argslen, c->code_args,
		    c->line);
		assert_span(l.rest, l.restlen, c->rest, c->line);
	}
}

/* A length shorter than the string: nothing past it is read. */
static void
test_parse_bounds(void **state)
{
	static const char	 line[] = "a1 NO [CONTACTADMIN] locked";
	struct imap_line	 l;

	assert_int_equal(check_imap_parse(line, 5, &l), 0);
	assert_int_equal(l.cond, ICOND_NO);
	assert_int_equal(l.restlen, 0);
	assert_int_equal(check_imap_parse(line, 10, &l), 0);
	assert_string_equal(l.code, "");		/* no ']' within */
	assert_span(l.rest, l.restlen, "[CON", "cut");
	assert_int_equal(check_imap_parse("* 12 EXISTSX", 9, &l), 0);
	assert_string_equal(l.keyword, "EXIS");
	assert_int_equal(check_imap_parse("a1 OK", 1, &l), -1);
}

static void
test_caps(void **state)
{
	static const char	dovecot[] = "IMAP4rev1 SASL-IR LOGIN-REFERRALS "
	    "ID ENABLE IDLE SORT UNSELECT CHILDREN NAMESPACE UIDPLUS "
	    "LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH LIST-STATUS "
	    "BINARY MOVE SNIPPET=FUZZY LITERAL+ NOTIFY SPECIAL-USE";
	unsigned		caps;

	caps = check_imap_caps(dovecot, strlen(dovecot));
	assert_int_equal(caps & ICAP_PLATFORM, ICAP_PLATFORM);
	assert_true(caps & ICAP_NAMESPACE);
	assert_true(caps & ICAP_LITERALPLUS);
	assert_false(caps & (ICAP_STARTTLS | ICAP_LOGINDISABLED));
	caps = check_imap_caps("imap4rev1 starttls logindisabled",
	    strlen("imap4rev1 starttls logindisabled"));
	assert_int_equal(caps, ICAP_IMAP4REV1 | ICAP_STARTTLS |
	    ICAP_LOGINDISABLED);
	/* QRESYNC implies CONDSTORE; IMAP4rev2 includes most of the rest */
	assert_int_equal(check_imap_caps("QRESYNC", 7), ICAP_CONDSTORE);
	caps = check_imap_caps("IMAP4rev2", 9);
	assert_int_equal(caps & ICAP_PLATFORM, ICAP_PLATFORM &
	    ~ICAP_CONDSTORE);
	/* whole words only, and within the length given */
	assert_int_equal(check_imap_caps("MOVEX IDLER XMOVE", 17), 0);
	assert_int_equal(check_imap_caps("MOVE IDLE", 4), ICAP_MOVE);
	assert_int_equal(check_imap_caps("AUTH=PLAIN  AUTH=LOGIN", 22),
	    ICAP_AUTH_PLAIN);
	assert_int_equal(check_imap_caps("", 0), 0);
}

static void
test_list(void **state)
{
	const struct list_case	*c;
	struct imap_mailbox	 mb;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		c = &list_cases[i];
		rc = check_imap_list(c->args, c->len ? c->len :
		    strlen(c->args), &mb);
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d", c->args, rc);
		if (rc == -1)
			continue;
		assert_int_equal(mb.flags, c->flags);
		assert_int_equal(mb.delimiter, c->delimiter);
		assert_string_equal(mb.name, c->name);
	}
}

static void
test_namespace(void **state)
{
	static const char *const bad[] = { "((", "(\"\" \"/\")) NIL NIL",
	    "((\"INBOX.\"", "((NIL \"/\")) NIL NIL", "nil", "FOO NIL NIL" };
	char	prefix[64], d;
	size_t	i;

	assert_int_equal(check_imap_namespace("((\"\" \"/\")) NIL NIL", 19,
	    prefix, sizeof(prefix), &d), 0);
	assert_string_equal(prefix, "");
	assert_int_equal(d, '/');
	assert_int_equal(check_imap_namespace("((\"INBOX.\" \".\")) NIL NIL",
	    25, prefix, sizeof(prefix), &d), 0);
	assert_string_equal(prefix, "INBOX.");
	assert_int_equal(d, '.');
	assert_int_equal(check_imap_namespace("((\"\" NIL)(\"#x/\" \"/\")) "
	    "NIL NIL", 29, prefix, sizeof(prefix), &d), 0);
	assert_int_equal(d, '\0');
	assert_int_equal(check_imap_namespace("NIL NIL NIL", 11, prefix,
	    sizeof(prefix), &d), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check_imap_namespace(bad[i], strlen(bad[i]), prefix,
		    sizeof(prefix), &d) != (strcmp(bad[i], "nil") ? -1 : 1))
			fail_msg("\"%s\" accepted", bad[i]);
	/* a prefix longer than the buffer is refused, not cut */
	assert_int_equal(check_imap_namespace("((\"INBOX.\" \".\")) NIL NIL",
	    25, prefix, 4, &d), -1);
}

static void
test_quote(void **state)
{
	const struct quote_case	*c;
	char			 out[80];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(quote_cases) / sizeof(quote_cases[0]); i++) {
		c = &quote_cases[i];
		memset(out, 'x', sizeof(out));
		rc = check_imap_quote(c->in, c->len ? c->len : strlen(c->in),
		    out, c->outsz);
		if (rc != c->rc)
			fail_msg("case %zu: rc %d", i, rc);
		if (c->out != NULL)
			assert_string_equal(out, c->out);
		/* nothing written past outsz */
		assert_int_equal(out[c->outsz], 'x');
	}
}

static void
test_spam_names(void **state)
{
	static const char *const spam[] = { "Junk", "INBOX.Spam",
	    "[Gmail]/Spam", "Junk E-mail", "junk", "Bulk/SPAM" };
	static const char *const other[] = { "INBOX", "Sent", "Trash",
	    "Archive", "Spa", "Drafts" };
	size_t	i;

	for (i = 0; i < sizeof(spam) / sizeof(spam[0]); i++)
		assert_true(check_imap_is_spam_name(spam[i]));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_false(check_imap_is_spam_name(other[i]));
}

static void
test_ports_and_summary(void **state)
{
	struct check_result	*r;

	/* platforms dial implicit TLS; STARTTLS only on 143 in auto */
	assert_int_equal(check_imap_port(CHECK_AUTO, 0), 993);
	assert_int_equal(check_imap_port(CHECK_STARTTLS, 0), 143);
	assert_int_equal(check_imap_port(CHECK_PLAIN, 0), 143);
	assert_int_equal(check_imap_port(CHECK_TLS, 2993), 2993);
	assert_int_equal(check_imap_mode_for_port(CHECK_AUTO, 993), CHECK_TLS);
	assert_int_equal(check_imap_mode_for_port(CHECK_AUTO, 143),
	    CHECK_STARTTLS);
	assert_int_equal(check_imap_mode_for_port(CHECK_AUTO, 2143),
	    CHECK_TLS);
	assert_int_equal(check_imap_mode_for_port(CHECK_STARTTLS, 993),
	    CHECK_STARTTLS);
	assert_string_equal(check_imap_step_name(ISTEP_CAPABILITY_TLS),
	    "imap-capability-tls");
	assert_string_equal(check_imap_step_name(ISTEP_COUNT), "?");

	assert_non_null(r = calloc(1, sizeof(*r)));
	r->failed = -1;
	assert_null(check_summary(r));
	r->imap.enabled = 1;
	r->imap.failed = ISTEP_LOGIN;
	assert_string_equal(check_summary(r), "SMTP works but IMAP fails: "
	    "replies will go undetected (platforms call this a limited "
	    "connection)");
	r->failed = STEP_AUTH;
	assert_string_equal(check_summary(r), "both SMTP and IMAP fail");
	r->imap.failed = -1;
	assert_non_null(strstr(check_summary(r), "IMAP works but SMTP "
	    "fails"));
	r->failed = -1;
	assert_string_equal(check_summary(r), "SMTP and IMAP both work");
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_namespace),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_spam_names),
		cmocka_unit_test(test_ports_and_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
