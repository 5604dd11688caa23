/*
 * smtp_parse_test: table-driven tests for command splitting, MAIL and
 * RCPT paths and parameters (DSN, RFC 3461, included), HELO arguments,
 * domains and UTF-8, plus generated addresses at and one past every
 * length bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/smtp_parse.h"
#include "lib/log.h"
#include "queue/envelope.h"

#define ESC_MAX		1200

struct split_case {
	const char	*line;
	int		 ret;
	const char	*verb, *args;
};

struct path_case {
	const char		*args;
	int			 smtputf8;	/* RCPT: input */
	enum smtp_parse_err	 err;
	const char		*addr;		/* on success */
	size_t			 at;
	int			 null, utf8;
	int			 has_size;	/* MAIL: output */
	uint64_t		 size;
	enum smtp_body		 body;
	int			 want_smtputf8;
	uint32_t		 ret;		/* MAIL: DSN output */
	const char		*envid;		/* NULL means "" */
	uint32_t		 notify;	/* RCPT: DSN output */
	const char		*orcpt;		/* NULL means "" */
	const char		*bad;		/* text at *badparam */
};

struct bool_case {
	const char	*s;
	int		 want;
};

struct utf8_case {
	const char	*s;
	size_t		 len;
	int		 want;
};

struct length_case {
	const char		*what;
	int			 rcpt;
	size_t			 local, domain;	/* lengths to build */
	size_t			 first;		/* first label's maximum */
	int			 quoted;
	int			 utf8;		/* first label in UTF-8 */
	enum smtp_parse_err	 want;
};

#define OK(a, ad, at_)		{ .args = a, .addr = ad, .at = at_ }
#define OK8(a, ad, at_)		{ .args = a, .addr = ad, .at = at_, \
				  .utf8 = 1, .want_smtputf8 = 1 }
#define ERR(a, e)		{ .args = a, .err = e }
#define SYN(a)			ERR(a, SMTP_PARSE_SYNTAX)
#define PBAD(a, e, b)		{ .args = a, .err = e, .bad = b }
#define U8(s, w)		{ s, sizeof(s) - 1, w }
#define DSN_MAIL(a, r, e)	{ .args = a, .addr = "a@b", .at = 1, \
				  .ret = r, .envid = e }
#define DSN_RCPT(a, n, o)	{ .args = a, .addr = "a@b", .at = 1, \
				  .notify = n, .orcpt = o }
#define N_SF			(DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE)
#define X100	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X493	X100 X100 X100 X100 \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static void	test_cmd_split(void **);
static void	test_mail(void **);
static void	test_rcpt(void **);
static void	test_lengths(void **);
static void	test_helo(void **);
static void	test_domain(void **);
static void	test_utf8(void **);
static void	test_clears_on_error(void **);
static void	test_error_order(void **);
static void	check_path(const struct path_case *, int);
static void	check_bools(const struct bool_case *, size_t,
		    int (*)(const char *), const char *);
static size_t	make_domain(char *, size_t, size_t, int);
static const char *esc(const char *);

static const struct split_case split_cases[] = {
	{ "MAIL FROM:<a@b>", 0, "MAIL", "FROM:<a@b>" },
	{ "mail FROM:<a@b>", 0, "MAIL", "FROM:<a@b>" },
	{ "eHlO client.example", 0, "EHLO", "client.example" },
	{ "QUIT", 0, "QUIT", "" },
	{ "quit", 0, "QUIT", "" },
	{ "DATA ", 0, "DATA", "" },
	{ "MAIL  FROM:<a@b>", 0, "MAIL", " FROM:<a@b>" },
	{ "X", 0, "X", "" },
	{ "ABCDEFGHIJKLMNOP", 0, "ABCDEFGHIJKLMNOP", "" },
	{ "abcdefghijklmnop x", 0, "ABCDEFGHIJKLMNOP", "x" },
	{ "ABCDEFGHIJKLMNOPQ", -1, NULL, NULL },
	{ "", -1, NULL, NULL },
	{ " ", -1, NULL, NULL },
	{ " MAIL FROM:<>", -1, NULL, NULL },
	{ "MA1L FROM:<>", -1, NULL, NULL },
	{ "MAIL\tFROM:<>", -1, NULL, NULL },
	{ "MAIL:FROM", -1, NULL, NULL },
	{ "X-FOO", -1, NULL, NULL },
	{ "H\xc3\x89LO x", -1, NULL, NULL },
	{ "HELO\r", -1, NULL, NULL },
};

static const struct path_case mail_cases[] = {
	/* "FROM:" and the one optional space. */
	OK("FROM:<user@example.com>", "user@example.com", 4),
	OK("from:<user@example.com>", "user@example.com", 4),
	OK("FrOm: <user@example.com>", "user@example.com", 4),
	SYN("FROM:  <user@example.com>"),
	SYN("FROM :<user@example.com>"),
	SYN("FROM<user@example.com>"),
	SYN("FRM:<user@example.com>"),
	SYN("TO:<user@example.com>"),
	SYN(" FROM:<user@example.com>"),
	SYN("FROM:\t<user@example.com>"),
	SYN(""),
	SYN("FROM:"),
	SYN("FROM: "),
	/* The null reverse-path. */
	{ .args = "FROM:<>", .addr = "", .null = 1 },
	{ .args = "FROM: <>", .addr = "", .null = 1 },
	{ .args = "FROM:<> SIZE=100", .addr = "", .null = 1,
	  .has_size = 1, .size = 100 },
	SYN("FROM:< >"),
	SYN("FROM:<<>>"),
	/* Angle brackets and what follows them. */
	SYN("FROM:user@example.com"),
	SYN("FROM:<user@example.com"),
	SYN("FROM:user@example.com>"),
	SYN("FROM:<user@example.com>x"),
	SYN("FROM:<user@example.com>>"),
	SYN("FROM:<user@example.com>\t"),
	SYN("FROM:<user@example.com>=SIZE"),
	SYN("FROM:<<user@example.com>"),
	PBAD("FROM:<user@example.com> <x@y>", SMTP_PARSE_PARAM_SYNTAX, "<x@y>"),
	OK("FROM:<user@example.com> ", "user@example.com", 4),
	SYN("FROM:<user@example.com >"),
	SYN("FROM:< user@example.com>"),
	/* Dot-string local parts. */
	OK("FROM:<first.last@example.com>", "first.last@example.com", 10),
	OK("FROM:<!#$%&'*+-/=?^_`{|}~@example.com>",
	    "!#$%&'*+-/=?^_`{|}~@example.com", 19),
	OK("FROM:<a@b>", "a@b", 1),
	SYN("FROM:<.first@example.com>"),
	SYN("FROM:<first.@example.com>"),
	SYN("FROM:<first..last@example.com>"),
	SYN("FROM:<a(b)@example.com>"),
	SYN("FROM:<a b@example.com>"),
	SYN("FROM:<a,b@example.com>"),
	SYN("FROM:<a\"b@example.com>"),
	SYN("FROM:<a\\b@example.com>"),
	SYN("FROM:<a[b]@example.com>"),
	SYN("FROM:<a:b@example.com>"),
	SYN("FROM:<a;b@example.com>"),
	SYN("FROM:<a\x01" "b@example.com>"),
	SYN("FROM:<a\x7f" "b@example.com>"),
	SYN("FROM:<a@b@example.com>"),
	SYN("FROM:<user>"),
	SYN("FROM:<user@>"),
	SYN("FROM:<@>"),
	SYN("FROM:<@example.com>"),
	SYN("FROM:<Postmaster>"),
	/* Quoted-string local parts, kept as written. */
	OK("FROM:<\"john doe\"@example.com>", "\"john doe\"@example.com", 10),
	OK("FROM:<\"a@b\"@example.com>", "\"a@b\"@example.com", 5),
	OK("FROM:<\"a>b\"@example.com>", "\"a>b\"@example.com", 5),
	OK("FROM:<\"a\\\"b\"@example.com>", "\"a\\\"b\"@example.com", 6),
	OK("FROM:<\"a\\\\b\"@example.com>", "\"a\\\\b\"@example.com", 6),
	OK("FROM:<\"a\\ b\"@example.com>", "\"a\\ b\"@example.com", 6),
	OK("FROM:<\"\"@example.com>", "\"\"@example.com", 2),
	OK("FROM:<\"(),:;<>[]\"@example.com>", "\"(),:;<>[]\"@example.com",
	    11),
	SYN("FROM:<\"abc@example.com>"),
	SYN("FROM:<\"abc\"def@example.com>"),
	SYN("FROM:<abc.\"def\"@example.com>"),
	SYN("FROM:<\"a\tb\"@example.com>"),
	SYN("FROM:<\"a\\\tb\"@example.com>"),
	SYN("FROM:<\"a\\\x01\"@example.com>"),
	SYN("FROM:<\"a\\\"@example.com>"),
	SYN("FROM:<\"a\x7f\"@example.com>"),
	/* Domains. */
	OK("FROM:<a@sub.example.com>", "a@sub.example.com", 1),
	OK("FROM:<a@localhost>", "a@localhost", 1),
	OK("FROM:<a@e-x.example>", "a@e-x.example", 1),
	OK("FROM:<a@e--x.example>", "a@e--x.example", 1),
	OK("FROM:<a@123.example>", "a@123.example", 1),
	OK("FROM:<a@EXAMPLE.COM>", "a@EXAMPLE.COM", 1),
	SYN("FROM:<a@-ex.example>"),
	SYN("FROM:<a@ex-.example>"),
	SYN("FROM:<a@ex.example->"),
	SYN("FROM:<a@ex..example>"),
	SYN("FROM:<a@ex.example.>"),
	SYN("FROM:<a@.ex.example>"),
	SYN("FROM:<a@ex_ample.com>"),
	SYN("FROM:<a@ex ample.com>"),
	SYN("FROM:<a@ex%ample.com>"),
	/* Address literals. */
	OK("FROM:<a@[192.0.2.1]>", "a@[192.0.2.1]", 1),
	OK("FROM:<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]", 1),
	OK("FROM:<a@[ipv6:::1]>", "a@[ipv6:::1]", 1),
	OK("FROM:<a@[IPv6:::ffff:192.0.2.1]>", "a@[IPv6:::ffff:192.0.2.1]",
	    1),
	OK("FROM:<a@[IPv6:2001:db8:0:0:0:0:0:1]>",
	    "a@[IPv6:2001:db8:0:0:0:0:0:1]", 1),
	SYN("FROM:<a@[192.0.2.256]>"),
	SYN("FROM:<a@[192.0.2]>"),
	SYN("FROM:<a@[192.0.2.1.5]>"),
	SYN("FROM:<a@[ 192.0.2.1]>"),
	SYN("FROM:<a@[2001:db8::1]>"),
	SYN("FROM:<a@[IPv6:192.0.2.1]>"),
	SYN("FROM:<a@[IPv6:]>"),
	SYN("FROM:<a@[IPv6:2001:db8::g]>"),
	SYN("FROM:<a@[IPv6:fe80::1%eth0]>"),
	SYN("FROM:<a@[IPv4:192.0.2.1]>"),
	SYN("FROM:<a@[x-tag:something]>"),
	SYN("FROM:<a@[]>"),
	SYN("FROM:<a@[192.0.2.1>"),
	SYN("FROM:<a@192.0.2.1]>"),
	SYN("FROM:<a@[192.0.2.1]x>"),
	SYN("FROM:<a@[192.0.2.1].example>"),
	SYN("FROM:<a@[IPv6:2001:db8:0:0:0:0:0:0:1]>"),
	SYN("FROM:<a@[IPv6:0000:0000:0000:0000:0000:0000:0000:0000:1]>"),
	/* Source routes, RFC 5321 §4.1.2 and Appendix C: dropped. */
	OK("FROM:<@a.example,@b.example:u@d.example>", "u@d.example", 1),
	OK("FROM:<@a.example:u@d.example>", "u@d.example", 1),
	OK("FROM:<@a:\"q r\"@[192.0.2.1]>", "\"q r\"@[192.0.2.1]", 5),
	SYN("FROM:<@a.example,u@d.example>"),
	SYN("FROM:<@a.example:>"),
	SYN("FROM:<@:u@d.example>"),
	SYN("FROM:<@a.example,:u@d.example>"),
	SYN("FROM:<@a.example,,@b.example:u@d.example>"),
	SYN("FROM:<@a.example;@b.example:u@d.example>"),
	SYN("FROM:<@[192.0.2.1]:u@d.example>"),
	SYN("FROM:<a.example:u@d.example>"),
	SYN("FROM:<@a.example:@b.example:u@d.example>"),
	/* SIZE, RFC 1870. */
	{ .args = "FROM:<a@b> SIZE=0", .addr = "a@b", .at = 1,
	  .has_size = 1, .size = 0 },
	{ .args = "FROM:<a@b> size=1000000", .addr = "a@b", .at = 1,
	  .has_size = 1, .size = 1000000 },
	{ .args = "FROM:<a@b> SIZE=18446744073709551615", .addr = "a@b",
	  .at = 1, .has_size = 1, .size = UINT64_MAX },
	{ .args = "FROM:<a@b> SIZE=00000000000000000001", .addr = "a@b",
	  .at = 1, .has_size = 1, .size = 1 },
	PBAD("FROM:<a@b> SIZE=18446744073709551616",
	    SMTP_PARSE_PARAM_SYNTAX, "SIZE="),
	PBAD("FROM:<a@b> SIZE=99999999999999999999",
	    SMTP_PARSE_PARAM_SYNTAX, "SIZE="),
	PBAD("FROM:<a@b> SIZE=000000000000000000001",
	    SMTP_PARSE_PARAM_SYNTAX, "SIZE="),
	PBAD("FROM:<a@b> SIZE=", SMTP_PARSE_PARAM_SYNTAX, "SIZE="),
	PBAD("FROM:<a@b> SIZE", SMTP_PARSE_PARAM_SYNTAX, "SIZE"),
	PBAD("FROM:<a@b> SIZE=-1", SMTP_PARSE_PARAM_SYNTAX, "SIZE=-1"),
	PBAD("FROM:<a@b> SIZE=+1", SMTP_PARSE_PARAM_SYNTAX, "SIZE=+1"),
	PBAD("FROM:<a@b> SIZE=10k", SMTP_PARSE_PARAM_SYNTAX, "SIZE=10k"),
	PBAD("FROM:<a@b> SIZE=1=2", SMTP_PARSE_PARAM_SYNTAX, "SIZE=1=2"),
	PBAD("FROM:<a@b> SIZE==1", SMTP_PARSE_PARAM_SYNTAX, "SIZE==1"),
	PBAD("FROM:<a@b> SIZE=1 SIZE=2", SMTP_PARSE_PARAM_SYNTAX, "SIZE=2"),
	PBAD("FROM:<a@b> SIZE=1 size=1", SMTP_PARSE_PARAM_SYNTAX, "size=1"),
	/* BODY, RFC 6152; BINARYMIME (RFC 3030) is not offered. */
	{ .args = "FROM:<a@b> BODY=7BIT", .addr = "a@b", .at = 1,
	  .body = SMTP_BODY_7BIT },
	{ .args = "FROM:<a@b> body=8bitmime", .addr = "a@b", .at = 1,
	  .body = SMTP_BODY_8BITMIME },
	PBAD("FROM:<a@b> BODY=BINARYMIME", SMTP_PARSE_PARAM_UNKNOWN, "BODY="),
	PBAD("FROM:<a@b> BODY=8BIT", SMTP_PARSE_PARAM_SYNTAX, "BODY=8BIT"),
	PBAD("FROM:<a@b> BODY=7BITX", SMTP_PARSE_PARAM_SYNTAX, "BODY="),
	PBAD("FROM:<a@b> BODY=", SMTP_PARSE_PARAM_SYNTAX, "BODY="),
	PBAD("FROM:<a@b> BODY", SMTP_PARSE_PARAM_SYNTAX, "BODY"),
	PBAD("FROM:<a@b> BODY=7BIT BODY=7BIT", SMTP_PARSE_PARAM_SYNTAX,
	    "BODY=7BIT"),
	/* SMTPUTF8, RFC 6531 §3.4. */
	{ .args = "FROM:<a@b> SMTPUTF8", .addr = "a@b", .at = 1,
	  .want_smtputf8 = 1 },
	{ .args = "FROM:<a@b> smtputf8", .addr = "a@b", .at = 1,
	  .want_smtputf8 = 1 },
	PBAD("FROM:<a@b> SMTPUTF8=yes", SMTP_PARSE_PARAM_SYNTAX, "SMTPUTF8="),
	PBAD("FROM:<a@b> SMTPUTF8=", SMTP_PARSE_PARAM_SYNTAX, "SMTPUTF8="),
	PBAD("FROM:<a@b> SMTPUTF8 SMTPUTF8", SMTP_PARSE_PARAM_SYNTAX,
	    "SMTPUTF8"),
	/* AUTH=, RFC 4954 §5: xtext, ignored. */
	OK("FROM:<a@b> AUTH=<>", "a@b", 1),
	OK("FROM:<a@b> AUTH=user+2Bx@example.com", "a@b", 1),
	OK("FROM:<a@b> AUTH=a+2b", "a@b", 1),
	PBAD("FROM:<a@b> AUTH=a+2", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	PBAD("FROM:<a@b> AUTH=a+", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	PBAD("FROM:<a@b> AUTH=a+zz", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	PBAD("FROM:<a@b> AUTH=", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	PBAD("FROM:<a@b> AUTH", SMTP_PARSE_PARAM_SYNTAX, "AUTH"),
	PBAD("FROM:<a@b> AUTH=j\xc3\xb6rg", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	PBAD("FROM:<a@b> AUTH=a\x01", SMTP_PARSE_PARAM_SYNTAX, "AUTH="),
	/* Parameter lists. */
	{ .args = "FROM:<a@b> SIZE=1 BODY=8BITMIME SMTPUTF8 AUTH=<>",
	  .addr = "a@b", .at = 1, .has_size = 1, .size = 1,
	  .body = SMTP_BODY_8BITMIME, .want_smtputf8 = 1 },
	{ .args = "FROM:<a@b>  SIZE=1   BODY=7BIT  ", .addr = "a@b", .at = 1,
	  .has_size = 1, .size = 1, .body = SMTP_BODY_7BIT },
	/* DSN, RFC 3461 §4.3 and §4.4: RET and ENVID. */
	DSN_MAIL("FROM:<a@b> RET=FULL", DSN_RET_FULL, NULL),
	DSN_MAIL("FROM:<a@b> ret=hdrs", DSN_RET_HDRS, NULL),
	DSN_MAIL("FROM:<a@b> ENVID=x", 0, "x"),
	DSN_MAIL("FROM:<a@b> RET=HDRS ENVID=abc+2Bd", DSN_RET_HDRS,
	    "abc+2Bd"),
	{ .args = "FROM:<a@b> envid=QQ+2B+3D+20;@<>! SIZE=5 RET=Full",
	  .addr = "a@b", .at = 1, .has_size = 1, .size = 5,
	  .ret = DSN_RET_FULL, .envid = "QQ+2B+3D+20;@<>!" },
	DSN_MAIL("FROM:<a@b> ENVID=" X100, 0, X100),
	PBAD("FROM:<a@b> ENVID=" X100 "x", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> RET=NONE", SMTP_PARSE_PARAM_SYNTAX, "RET=NONE"),
	PBAD("FROM:<a@b> RET=FULLX", SMTP_PARSE_PARAM_SYNTAX, "RET="),
	PBAD("FROM:<a@b> RET=", SMTP_PARSE_PARAM_SYNTAX, "RET="),
	PBAD("FROM:<a@b> RET", SMTP_PARSE_PARAM_SYNTAX, "RET"),
	PBAD("FROM:<a@b> RET=FULL RET=HDRS", SMTP_PARSE_PARAM_SYNTAX,
	    "RET=HDRS"),
	PBAD("FROM:<a@b> ENVID=", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID", SMTP_PARSE_PARAM_SYNTAX, "ENVID"),
	PBAD("FROM:<a@b> ENVID=a+2b", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID=a+2", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID=a+", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID=a+GG", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID=a=b", SMTP_PARSE_PARAM_SYNTAX, "ENVID="),
	PBAD("FROM:<a@b> ENVID=j\xc3\xb6rg", SMTP_PARSE_PARAM_SYNTAX,
	    "ENVID="),
	PBAD("FROM:<a@b> ENVID=a ENVID=b", SMTP_PARSE_PARAM_SYNTAX,
	    "ENVID=b"),
	PBAD("FROM:<a@b> NOTIFY=NEVER", SMTP_PARSE_PARAM_UNKNOWN, "NOTIFY="),
	PBAD("FROM:<a@b> ORCPT=rfc822;a@b", SMTP_PARSE_PARAM_UNKNOWN,
	    "ORCPT="),
	PBAD("FROM:<a@b> X-FOO", SMTP_PARSE_PARAM_UNKNOWN, "X-FOO"),
	PBAD("FROM:<a@b> SIZES=1", SMTP_PARSE_PARAM_UNKNOWN, "SIZES=1"),
	PBAD("FROM:<a@b> SIZ=1", SMTP_PARSE_PARAM_UNKNOWN, "SIZ=1"),
	PBAD("FROM:<a@b> SIZE=1 FOO=2 BODY=7BIT", SMTP_PARSE_PARAM_UNKNOWN,
	    "FOO=2 "),
	PBAD("FROM:<a@b> FOO=", SMTP_PARSE_PARAM_UNKNOWN, "FOO="),
	PBAD("FROM:<a@b> =x", SMTP_PARSE_PARAM_SYNTAX, "=x"),
	PBAD("FROM:<a@b> -FOO", SMTP_PARSE_PARAM_SYNTAX, "-FOO"),
	PBAD("FROM:<a@b> SI_ZE=1", SMTP_PARSE_PARAM_SYNTAX, "SI_ZE=1"),
	PBAD("FROM:<a@b> SIZE\t1", SMTP_PARSE_PARAM_SYNTAX, "SIZE\t1"),
	PBAD("FROM:<a@b> SIZE=1\t", SMTP_PARSE_PARAM_SYNTAX, "SIZE=1\t"),
	PBAD("FROM:<a@b> \xc3\xb6=1", SMTP_PARSE_PARAM_SYNTAX, "\xc3\xb6"),
	/* Non-ASCII: only with SMTPUTF8 and only as valid UTF-8. */
	ERR("FROM:<j\xc3\xb6rg@example.com>", SMTP_PARSE_UTF8),
	ERR("FROM:<user@b\xc3\xbc" "cher.example>", SMTP_PARSE_UTF8),
	ERR("FROM:<\"j\xc3\xb6rg\"@example.com>", SMTP_PARSE_UTF8),
	ERR("FROM:<@r\xc3\xa9.example:u@d.example>", SMTP_PARSE_UTF8),
	ERR("FROM:<j\xc3\xb6rg@example.com> SIZE=1", SMTP_PARSE_UTF8),
	OK8("FROM:<j\xc3\xb6rg@example.com> SMTPUTF8",
	    "j\xc3\xb6rg@example.com", 5),
	OK8("FROM:<user@b\xc3\xbc" "cher.example> SMTPUTF8",
	    "user@b\xc3\xbc" "cher.example", 4),
	OK8("FROM:<\"j\xc3\xb6 rg\"@example.com> SMTPUTF8",
	    "\"j\xc3\xb6 rg\"@example.com", 8),
	OK8("FROM:<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
	    "\xe5\xb9\xbf\xe5\x91\x8a> SMTPUTF8",
	    "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90."
	    "\xe5\xb9\xbf\xe5\x91\x8a", 6),
	OK8("FROM:<\xf0\x9f\x98\x80@[192.0.2.1]> SMTPUTF8",
	    "\xf0\x9f\x98\x80@[192.0.2.1]", 4),
	{ .args = "FROM:<@r\xc3\xa9.example:u@d.example> SMTPUTF8",
	  .addr = "u@d.example", .at = 1, .want_smtputf8 = 1 },
	ERR("FROM:<j\xc3rg@example.com> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<j\xc0\xafrg@example.com> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<\xed\xa0\x80@example.com> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<\xf4\x90\x80\x80@example.com> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<a\xff@example.com> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<a@example.\xc3> SMTPUTF8", SMTP_PARSE_UTF8),
	ERR("FROM:<@r\xc3.example:u@d.example> SMTPUTF8", SMTP_PARSE_UTF8),
	SYN("FROM:<\"a\\\xc3\xb6\"@example.com> SMTPUTF8"),
	SYN("FROM:<a@[192.0.2.\xc3\xb6]> SMTPUTF8"),
	SYN("FROM:<a@-\xc3\xb6.example> SMTPUTF8"),
	/* Parameter errors are reported before UTF-8 ones. */
	PBAD("FROM:<j\xc3\xb6rg@example.com> FOO", SMTP_PARSE_PARAM_UNKNOWN,
	    "FOO"),
};

static const struct path_case rcpt_cases[] = {
	OK("TO:<user@example.com>", "user@example.com", 4),
	OK("to:<user@example.com>", "user@example.com", 4),
	OK("To: <user@example.com>", "user@example.com", 4),
	OK("TO:<user@example.com>   ", "user@example.com", 4),
	SYN("TO:  <user@example.com>"),
	SYN("TO :<user@example.com>"),
	SYN("FROM:<user@example.com>"),
	SYN("TO:user@example.com"),
	SYN("TO:<user@example.com"),
	SYN("TO:<user@example.com>x"),
	SYN("TO:<>"),
	SYN("TO: <>"),
	SYN("TO:"),
	SYN(""),
	SYN("TO:<user>"),
	SYN("TO:<user@>"),
	/* Postmaster without a domain, RFC 5321 §4.1.1.3. */
	OK("TO:<Postmaster>", "Postmaster", 0),
	OK("TO:<postmaster>", "postmaster", 0),
	OK("to: <POSTMASTER>", "POSTMASTER", 0),
	OK("TO:<Postmaster> ", "Postmaster", 0),
	OK("TO:<postmaster@example.com>", "postmaster@example.com", 10),
	SYN("TO:<Postmaster>x"),
	SYN("TO:<Postmaste>"),
	SYN("TO:<Postmasterx>"),
	SYN("TO:<Postmaster@>"),
	SYN("TO:<@a.example:Postmaster>"),
	{ .args = "TO:<Postmaster> NOTIFY=NEVER", .addr = "Postmaster",
	  .notify = DSN_NOTIFY_NEVER },
	/* Same path grammar as MAIL. */
	OK("TO:<\"john doe\"@example.com>", "\"john doe\"@example.com", 10),
	OK("TO:<@a.example,@b.example:u@d.example>", "u@d.example", 1),
	OK("TO:<a@[IPv6:2001:db8::1]>", "a@[IPv6:2001:db8::1]", 1),
	SYN("TO:<a@ex-.example>"),
	SYN("TO:<a..b@example.com>"),
	/* DSN, RFC 3461 §4.1: NOTIFY. */
	DSN_RCPT("TO:<a@b> NOTIFY=NEVER", DSN_NOTIFY_NEVER, NULL),
	DSN_RCPT("TO:<a@b> notify=never", DSN_NOTIFY_NEVER, NULL),
	DSN_RCPT("TO:<a@b> NOTIFY=SUCCESS,FAILURE", N_SF, NULL),
	DSN_RCPT("TO:<a@b> NOTIFY=delay,Failure,SUCCESS",
	    N_SF | DSN_NOTIFY_DELAY, NULL),
	DSN_RCPT("TO:<a@b> NOTIFY=DELAY", DSN_NOTIFY_DELAY, NULL),
	DSN_RCPT("TO:<a@b> NOTIFY=FAILURE,FAILURE", DSN_NOTIFY_FAILURE, NULL),
	PBAD("TO:<a@b> NOTIFY=NEVER,SUCCESS", SMTP_PARSE_PARAM_SYNTAX,
	    "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=DELAY,NEVER", SMTP_PARSE_PARAM_SYNTAX,
	    "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=", SMTP_PARSE_PARAM_SYNTAX, "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY", SMTP_PARSE_PARAM_SYNTAX, "NOTIFY"),
	PBAD("TO:<a@b> NOTIFY=SUCCESS,", SMTP_PARSE_PARAM_SYNTAX, "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=,SUCCESS", SMTP_PARSE_PARAM_SYNTAX, "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=SUCCESS,,DELAY", SMTP_PARSE_PARAM_SYNTAX,
	    "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=SUCCES", SMTP_PARSE_PARAM_SYNTAX, "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=SUCCESS;FAILURE", SMTP_PARSE_PARAM_SYNTAX,
	    "NOTIFY="),
	PBAD("TO:<a@b> NOTIFY=NEVER NOTIFY=NEVER", SMTP_PARSE_PARAM_SYNTAX,
	    "NOTIFY=NEVER"),
	/* DSN, RFC 3461 §4.2: ORCPT. */
	DSN_RCPT("TO:<a@b> ORCPT=rfc822;a@b", 0, "rfc822;a@b"),
	DSN_RCPT("TO:<a@b> NOTIFY=SUCCESS,FAILURE "
	    "ORCPT=rfc822;x+2By@example.org", N_SF, "rfc822;x+2By@example.org"),
	DSN_RCPT("TO:<a@b> ORCPT=RFC822;A@B NOTIFY=NEVER", DSN_NOTIFY_NEVER,
	    "RFC822;A@B"),
	DSN_RCPT("TO:<a@b> ORCPT=x-local;", 0, "x-local;"),
	DSN_RCPT("TO:<a@b> ORCPT=utf-8;j+C3+B6rg@b", 0, "utf-8;j+C3+B6rg@b"),
	DSN_RCPT("TO:<a@b> ORCPT=rfc822;" X493, 0, "rfc822;" X493),
	PBAD("TO:<a@b> ORCPT=rfc822;" X493 "x", SMTP_PARSE_PARAM_SYNTAX,
	    "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc822", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=a@b", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc822;", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=;a@b", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc(822);a@b", SMTP_PARSE_PARAM_SYNTAX,
	    "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc822;a+2bb", SMTP_PARSE_PARAM_SYNTAX,
	    "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc822;a+", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=rfc822;a=b", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT=", SMTP_PARSE_PARAM_SYNTAX, "ORCPT="),
	PBAD("TO:<a@b> ORCPT", SMTP_PARSE_PARAM_SYNTAX, "ORCPT"),
	PBAD("TO:<a@b> ORCPT=rfc822;a@b ORCPT=rfc822;c@d",
	    SMTP_PARSE_PARAM_SYNTAX, "ORCPT=rfc822;c@d"),
	PBAD("TO:<a@b> NOTIFY=NEVER ORCPT=bad FOO", SMTP_PARSE_PARAM_SYNTAX,
	    "ORCPT=bad"),
	/* Nothing else: MAIL's keywords are not RCPT's. */
	PBAD("TO:<a@b> RET=FULL", SMTP_PARSE_PARAM_UNKNOWN, "RET="),
	PBAD("TO:<a@b> ENVID=x", SMTP_PARSE_PARAM_UNKNOWN, "ENVID="),
	PBAD("TO:<a@b> SIZE=1", SMTP_PARSE_PARAM_UNKNOWN, "SIZE=1"),
	PBAD("TO:<a@b>   X", SMTP_PARSE_PARAM_UNKNOWN, "X"),
	PBAD("TO:<a@b> =x", SMTP_PARSE_PARAM_SYNTAX, "=x"),
	PBAD("TO:<a@b> a_b", SMTP_PARSE_PARAM_SYNTAX, "a_b"),
	/* Non-ASCII follows the transaction's SMTPUTF8. */
	ERR("TO:<j\xc3\xb6rg@example.com>", SMTP_PARSE_UTF8),
	{ .args = "TO:<j\xc3\xb6rg@example.com>", .smtputf8 = 1,
	  .addr = "j\xc3\xb6rg@example.com", .at = 5, .utf8 = 1 },
	{ .args = "TO:<user@example.com>", .smtputf8 = 1,
	  .addr = "user@example.com", .at = 4 },
	{ .args = "TO:<j\xc3rg@example.com>", .smtputf8 = 1,
	  .err = SMTP_PARSE_UTF8 },
	{ .args = "TO:<j\xe0\x80\x80rg@example.com>", .smtputf8 = 1,
	  .err = SMTP_PARSE_UTF8 },
	{ .args = "TO:<Postmaster\xc3\xa9>", .smtputf8 = 1,
	  .err = SMTP_PARSE_SYNTAX },
};

static const struct length_case length_cases[] = {
	{ "local 64", 0, 64, 11, 63, 0, 0, SMTP_PARSE_OK },
	{ "local 65", 0, 65, 11, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "quoted local 64", 0, 64, 11, 63, 1, 0, SMTP_PARSE_OK },
	{ "quoted local 65", 0, 65, 11, 63, 1, 0, SMTP_PARSE_TOO_LONG },
	{ "local 10000", 0, 10000, 11, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "address 254", 0, 64, 189, 63, 0, 0, SMTP_PARSE_OK },
	{ "address 255", 0, 64, 190, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "address 254, short local", 0, 1, 252, 63, 0, 0, SMTP_PARSE_OK },
	{ "address 255, short local", 0, 1, 253, 63, 0, 0,
	  SMTP_PARSE_TOO_LONG },
	{ "domain 255", 0, 1, 255, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "domain 256", 0, 1, 256, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "domain 1000", 0, 1, 1000, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "label 63", 0, 1, 71, 63, 0, 0, SMTP_PARSE_OK },
	{ "label 64", 0, 1, 72, 64, 0, 0, SMTP_PARSE_SYNTAX },
	{ "rcpt local 64", 1, 64, 11, 63, 0, 0, SMTP_PARSE_OK },
	{ "rcpt local 65", 1, 65, 11, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "rcpt address 254", 1, 64, 189, 63, 0, 0, SMTP_PARSE_OK },
	{ "rcpt address 255", 1, 64, 190, 63, 0, 0, SMTP_PARSE_TOO_LONG },
	{ "rcpt label 64", 1, 1, 72, 64, 0, 0, SMTP_PARSE_SYNTAX },
	/* A U-label may pass 63 octets: the limit is on its A-label. */
	{ "utf8 label 80 octets", 0, 1, 80, 80, 0, 1, SMTP_PARSE_OK },
	{ "utf8 address 254", 0, 1, 252, 80, 0, 1, SMTP_PARSE_OK },
	{ "utf8 address 255", 0, 1, 253, 80, 0, 1, SMTP_PARSE_TOO_LONG },
	{ "utf8 rcpt address 254", 1, 1, 252, 80, 0, 1, SMTP_PARSE_OK },
	{ "utf8 rcpt address 255", 1, 1, 253, 80, 0, 1,
	  SMTP_PARSE_TOO_LONG },
};

static const struct bool_case helo_cases[] = {
	{ "example.com", 1 },
	{ "mail-1.example.com", 1 },
	{ "localhost", 1 },
	{ "a", 1 },
	{ "1", 1 },
	{ "192.0.2.1", 1 },
	{ "EXAMPLE.COM", 1 },
	{ "[192.0.2.1]", 1 },
	{ "[IPv6:2001:db8::1]", 1 },
	{ "[ipv6:::1]", 1 },
	{ "", 0 },
	{ "example.com.", 0 },
	{ ".example.com", 0 },
	{ "-a.example", 0 },
	{ "a-.example", 0 },
	{ "a..example", 0 },
	{ "exa mple.com", 0 },
	{ "example.com ", 0 },
	{ " example.com", 0 },
	{ "a_b.example", 0 },
	{ "b\xc3\xbc" "cher.example", 0 },
	{ "[192.0.2.1", 0 },
	{ "[192.0.2.1]x", 0 },
	{ "[192.0.2.1]]", 0 },
	{ "192.0.2.1]", 0 },
	{ "[999.0.2.1]", 0 },
	{ "[2001:db8::1]", 0 },
	{ "[IPv6:192.0.2.1]", 0 },
	{ "[tag:value]", 0 },
	{ "[]", 0 },
	{ "[", 0 },
	{ "user@example.com", 0 },
};

static const struct bool_case domain_cases[] = {
	{ "example.com", 1 },
	{ "a.b.c.d.e", 1 },
	{ "x", 1 },
	{ "xn--bcher-kva.example", 1 },
	{ "0-9.example", 1 },
	{ "", 0 },
	{ ".", 0 },
	{ "example.com.", 0 },
	{ "-example.com", 0 },
	{ "example-.com", 0 },
	{ "example.-com", 0 },
	{ "ex..com", 0 },
	{ "ex ample.com", 0 },
	{ "ex\tample.com", 0 },
	{ "ex_ample.com", 0 },
	{ "ex*ample.com", 0 },
	{ "[192.0.2.1]", 0 },
	{ "b\xc3\xbc" "cher.example", 0 },
	{ "example.com\n", 0 },
};

static const struct utf8_case utf8_cases[] = {
	U8("", 1),
	U8("plain ascii", 1),
	U8("\xc2\x80", 1),			/* U+0080 */
	U8("\xc3\xa9", 1),
	U8("\xdf\xbf", 1),			/* U+07FF */
	U8("\xe0\xa0\x80", 1),			/* U+0800 */
	U8("\xe2\x82\xac", 1),
	U8("\xed\x9f\xbf", 1),			/* U+D7FF */
	U8("\xee\x80\x80", 1),			/* U+E000 */
	U8("\xef\xbf\xbf", 1),			/* U+FFFF */
	U8("\xf0\x90\x80\x80", 1),		/* U+10000 */
	U8("\xf0\x9f\x98\x80", 1),
	U8("\xf4\x8f\xbf\xbf", 1),		/* U+10FFFF */
	U8("a\0b", 1),
	U8("\xc0\x80", 0),			/* overlong NUL */
	U8("\xc1\xbf", 0),			/* overlong */
	U8("\xe0\x80\x80", 0),
	U8("\xe0\x9f\xbf", 0),
	U8("\xf0\x80\x80\x80", 0),
	U8("\xf0\x8f\xbf\xbf", 0),
	U8("\xed\xa0\x80", 0),			/* U+D800 */
	U8("\xed\xbf\xbf", 0),			/* U+DFFF */
	U8("\xf4\x90\x80\x80", 0),		/* U+110000 */
	U8("\xf5\x80\x80\x80", 0),
	U8("\xf8\x88\x80\x80\x80", 0),
	U8("\xfe", 0),
	U8("\xff", 0),
	U8("\x80", 0),				/* lone continuation */
	U8("\xbf", 0),
	U8("\xc3", 0),				/* truncated */
	U8("\xe2\x82", 0),
	U8("\xf0\x9f\x98", 0),
	U8("a\xc3", 0),
	U8("\xc3\x28", 0),			/* bad continuation */
	U8("\xe2\x28\xa1", 0),
	U8("\xe2\x82\x28", 0),
	U8("\xf0\x9f\x28\x80", 0),
	U8("\xf0\x9f\x98\x28", 0),
	U8("\xc3\xa9\xc3", 0),
};

static void
test_cmd_split(void **state)
{
	const struct split_case	*c;
	char			 line[64];
	char			*verb, *args;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		c = &split_cases[i];
		snprintf(line, sizeof(line), "%s", c->line);
		verb = args = NULL;
		r = smtp_cmd_split(line, &verb, &args);
		if (r != c->ret)
			fail_msg("split \"%s\": %d, want %d", esc(c->line), r,
			    c->ret);
		if (r == -1) {
			/* A refused line is left as it was. */
			assert_string_equal(line, c->line);
			continue;
		}
		assert_ptr_equal(verb, line);
		assert_string_equal(verb, c->verb);
		assert_string_equal(args, c->args);
	}
}

static void
test_mail(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(mail_cases) / sizeof(mail_cases[0]); i++)
		check_path(&mail_cases[i], 0);
}

static void
test_rcpt(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(rcpt_cases) / sizeof(rcpt_cases[0]); i++)
		check_path(&rcpt_cases[i], 1);
}

/* Build "FROM:<local@domain> SMTPUTF8" or "TO:<...>" of given lengths. */
static void
test_lengths(void **state)
{
	static char			 args[12000];
	const struct length_case	*c;
	struct smtp_path		 path;
	struct smtp_mail_params		 mp;
	struct smtp_rcpt_params		 rp;
	const char			*bad;
	enum smtp_parse_err		 err;
	size_t				 i, n;

	for (i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		c = &length_cases[i];
		n = (size_t)snprintf(args, sizeof(args), "%s<",
		    c->rcpt ? "TO:" : "FROM:");
		memset(args + n, 'l', c->local);
		if (c->quoted)
			args[n] = args[n + c->local - 1] = '"';
		n += c->local;
		args[n++] = '@';
		make_domain(args + n, c->domain, c->first, c->utf8);
		n += c->domain;
		snprintf(args + n, sizeof(args) - n, ">%s",
		    c->rcpt ? "" : " SMTPUTF8");
		if (c->rcpt)
			err = smtp_parse_rcpt(args, 1, &path, &rp, &bad);
		else
			err = smtp_parse_mail(args, &path, &mp, &bad);
		if (err != c->want)
			fail_msg("%s: %d, want %d", c->what, err, c->want);
		if (err != SMTP_PARSE_OK)
			continue;
		assert_int_equal(strlen(path.addr), c->local + 1 + c->domain);
		assert_int_equal(path.at, c->local);
		assert_int_equal(path.utf8, c->utf8);
	}
}

static void
test_helo(void **state)
{
	char	s[300];

	check_bools(helo_cases, sizeof(helo_cases) / sizeof(helo_cases[0]),
	    smtp_valid_helo, "helo");
	s[make_domain(s, 255, 63, 0)] = '\0';
	assert_int_equal(smtp_valid_helo(s), 1);
	s[make_domain(s, 256, 63, 0)] = '\0';
	assert_int_equal(smtp_valid_helo(s), 0);
	s[make_domain(s, 72, 64, 0)] = '\0';
	assert_int_equal(smtp_valid_helo(s), 0);
}

static void
test_domain(void **state)
{
	char	s[300];

	check_bools(domain_cases,
	    sizeof(domain_cases) / sizeof(domain_cases[0]),
	    smtp_valid_domain, "domain");
	s[make_domain(s, 255, 63, 0)] = '\0';
	assert_int_equal(smtp_valid_domain(s), 1);
	s[make_domain(s, 256, 63, 0)] = '\0';
	assert_int_equal(smtp_valid_domain(s), 0);
	s[make_domain(s, 63, 63, 0)] = '\0';
	assert_int_equal(smtp_valid_domain(s), 1);
	s[make_domain(s, 64, 64, 0)] = '\0';
	assert_int_equal(smtp_valid_domain(s), 0);
	s[make_domain(s, 72, 64, 0)] = '\0';
	assert_int_equal(smtp_valid_domain(s), 0);
}

static void
test_utf8(void **state)
{
	const struct utf8_case	*c;
	size_t			 i;

	for (i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		c = &utf8_cases[i];
		if (smtp_valid_utf8(c->s, c->len) != c->want)
			fail_msg("utf8 case %zu \"%s\": want %d", i, esc(c->s),
			    c->want);
	}
	/* len bounds the read: a sequence cut by len is truncated. */
	assert_int_equal(smtp_valid_utf8("\xc3\xa9", 1), 0);
	assert_int_equal(smtp_valid_utf8("\xe2\x82\xac", 2), 0);
	assert_int_equal(smtp_valid_utf8("ab\xc3\xa9", 2), 1);
}

/* After an error no stale address or parameter survives. */
static void
test_clears_on_error(void **state)
{
	struct smtp_path	path;
	struct smtp_mail_params	mp;
	struct smtp_rcpt_params	rp;
	const char		*bad;

	assert_int_equal(smtp_parse_mail("FROM:<a@b> RET=HDRS ENVID=e FOO",
	    &path, &mp, &bad), SMTP_PARSE_PARAM_UNKNOWN);
	assert_int_equal(mp.ret, 0);
	assert_string_equal(mp.envid, "");
	assert_int_equal(smtp_parse_rcpt("TO:<a@b> NOTIFY=NEVER "
	    "ORCPT=rfc822;a@b X", 0, &path, &rp, &bad),
	    SMTP_PARSE_PARAM_UNKNOWN);
	assert_int_equal(rp.notify, 0);
	assert_string_equal(rp.orcpt, "");
	assert_string_equal(bad, "X");
	assert_int_equal(smtp_parse_mail("FROM:<a@b> SIZE=5 FOO", &path,
	    &mp, &bad), SMTP_PARSE_PARAM_UNKNOWN);
	assert_string_equal(path.addr, "");
	assert_int_equal(path.at, 0);
	assert_int_equal(mp.has_size, 0);
	assert_int_equal(mp.body, SMTP_BODY_NONE);
	assert_string_equal(bad, "FOO");
	assert_int_equal(smtp_parse_mail("FROM:<a@b> SIZE=5", &path, &mp,
	    &bad), SMTP_PARSE_OK);
	assert_null(bad);
	assert_int_equal(smtp_parse_rcpt("TO:<a@b>x", 0, &path, &rp, &bad),
	    SMTP_PARSE_SYNTAX);
	assert_string_equal(path.addr, "");
	assert_null(bad);
}

/* Syntax before length, length before parameters, parameters last. */
static void
test_error_order(void **state)
{
	static const struct {
		const char		*tail;	/* after a 65-octet local */
		enum smtp_parse_err	 want;
	} order[] = {
		{ "@example.com", SMTP_PARSE_SYNTAX },
		{ "@example.com>x", SMTP_PARSE_SYNTAX },
		{ "@-example.com>", SMTP_PARSE_SYNTAX },
		{ "@example.com> FOO", SMTP_PARSE_TOO_LONG },
		{ "\xc3\xa9@example.com>", SMTP_PARSE_TOO_LONG },
	};
	struct smtp_path	path;
	struct smtp_mail_params	mp;
	const char		*bad;
	char			 local[66], args[200];
	size_t			 i;
	enum smtp_parse_err	 err;

	memset(local, 'l', sizeof(local) - 1);
	local[sizeof(local) - 1] = '\0';
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		snprintf(args, sizeof(args), "FROM:<%s%s", local,
		    order[i].tail);
		err = smtp_parse_mail(args, &path, &mp, &bad);
		if (err != order[i].want)
			fail_msg("\"%s\": %d, want %d", esc(args), err,
			    order[i].want);
	}
}

/* Run one MAIL (rcpt == 0) or RCPT case and compare every output. */
static void
check_path(const struct path_case *c, int rcpt)
{
	struct smtp_path	path;
	struct smtp_mail_params	mp;
	struct smtp_rcpt_params	rp;
	const char		*bad = "stale";
	enum smtp_parse_err	 err;

	memset(&path, 0x55, sizeof(path));
	memset(&mp, 0x55, sizeof(mp));
	memset(&rp, 0x55, sizeof(rp));
	if (rcpt)
		err = smtp_parse_rcpt(c->args, c->smtputf8, &path, &rp, &bad);
	else
		err = smtp_parse_mail(c->args, &path, &mp, &bad);
	if (err != c->err)
		fail_msg("\"%s\": error %d, want %d", esc(c->args), err,
		    c->err);
	if (c->bad != NULL) {
		if (bad == NULL || bad < c->args ||
		    bad >= c->args + strlen(c->args) ||
		    strncmp(bad, c->bad, strlen(c->bad)) != 0)
			fail_msg("\"%s\": badparam \"%s\", want \"%s\"",
			    esc(c->args), bad ? bad : "(null)", c->bad);
	} else if (bad != NULL)
		fail_msg("\"%s\": unexpected badparam", esc(c->args));
	if (err != SMTP_PARSE_OK)
		return;
	if (strcmp(path.addr, c->addr) != 0)
		fail_msg("\"%s\": addr \"%s\", want \"%s\"", esc(c->args),
		    path.addr, c->addr);
	if (path.at != c->at || path.null != c->null || path.utf8 != c->utf8)
		fail_msg("\"%s\": at %zu null %d utf8 %d", esc(c->args),
		    path.at, path.null, path.utf8);
	if (rcpt) {
		if (rp.notify != c->notify ||
		    strcmp(rp.orcpt, c->orcpt ? c->orcpt : "") != 0)
			fail_msg("\"%s\": notify %u orcpt \"%s\"",
			    esc(c->args), rp.notify, rp.orcpt);
		return;
	}
	if (mp.ret != c->ret ||
	    strcmp(mp.envid, c->envid ? c->envid : "") != 0)
		fail_msg("\"%s\": ret %u envid \"%s\"", esc(c->args),
		    mp.ret, mp.envid);
	if (mp.has_size != c->has_size || mp.size != c->size ||
	    mp.body != c->body || mp.smtputf8 != c->want_smtputf8)
		fail_msg("\"%s\": params %d %ju %d %d", esc(c->args),
		    mp.has_size, (uintmax_t)mp.size, mp.body, mp.smtputf8);
}

static void
check_bools(const struct bool_case *cases, size_t n,
    int (*fn)(const char *), const char *what)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fn(cases[i].s) != cases[i].want)
			fail_msg("%s \"%s\": want %d", what, esc(cases[i].s),
			    cases[i].want);
}

/*
 * Write a domain of exactly len octets into dst (not NUL-terminated):
 * a first label of at most first octets, then labels of at most 63,
 * separated by dots, the last never empty.  With utf8 the first label is
 * made of U+00E9 (two octets each).  Returns len.
 */
static size_t
make_domain(char *dst, size_t len, size_t first, int utf8)
{
	size_t	n = 0, k, lim, j;

	while (n < len) {
		if (n > 0)
			dst[n++] = '.';
		lim = n == 0 ? first : 63;
		k = len - n < lim ? len - n : lim;
		if (len - n - k == 1)
			k--;
		memset(dst + n, 'd', k);
		for (j = 0; utf8 && n == 0 && j + 2 <= k; j += 2)
			memcpy(dst + j, "\xc3\xa9", 2);
		n += k;
	}
	return n;
}

static const char *
esc(const char *s)
{
	static char	buf[ESC_MAX];

	return log_printable(buf, sizeof(buf), s, strlen(s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmd_split),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_helo),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_clears_on_error),
		cmocka_unit_test(test_error_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
