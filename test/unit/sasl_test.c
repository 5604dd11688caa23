/*
 * sasl_test: PLAIN and LOGIN exchanges driven from a table of scripted
 * dialogs (initial response, client lines, expected status and challenge
 * after each), plus generated tests for the field length bounds and for
 * wiping credentials.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/sasl.h"
#include "lib/base64.h"

#define CHAL_USER	"VXNlcm5hbWU6"
#define CHAL_PASS	"UGFzc3dvcmQ6"
#define MAX_STEPS	3

/* One client message: raw bytes to base64-encode, or wire text as is. */
struct msg {
	const char	*data;		/* NULL: absent */
	size_t		 len;
	int		 enc;
};

#define B64(s)		{ s, sizeof(s) - 1, 1 }
#define WIRE(s)		{ s, sizeof(s) - 1, 0 }

struct dialog {
	const char		*name;
	enum sasl_mech		 mech;
	struct msg		 ir;			/* initial response */
	struct msg		 lines[MAX_STEPS - 1];
	enum sasl_status	 want[MAX_STEPS];	/* after each step */
	const char		*chal[MAX_STEPS];	/* on SASL_CONTINUE */
	struct msg		 user, pass;		/* on SASL_DONE */
};

struct length_case {
	enum sasl_mech		 mech;
	size_t			 zlen, clen, plen;	/* LOGIN: clen, plen */
	enum sasl_status	 want;
};

static void	test_mech_names(void **);
static void	test_dialogs(void **);
static void	test_plain_lengths(void **);
static void	test_login_lengths(void **);
static void	test_long_line(void **);
static void	test_step_after_end(void **);
static void	test_unknown_mech(void **);
static void	test_clear(void **);
static void	run_dialog(const struct dialog *);
static const char *wire(const struct msg *, char *, size_t);
static void	assert_wiped(const struct sasl *);
static void	assert_field(const char *, size_t, const struct msg *);
static size_t	fill(char *, char, size_t);

static const struct dialog dialogs[] = {
	/* PLAIN, RFC 4616 §2 and RFC 4954 §4. */
	{ .name = "plain ir",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0user\0secret"),
	  .want = { SASL_DONE },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "plain ir, authzid equal to authcid",
	  .mech = SASL_MECH_PLAIN, .ir = B64("user\0user\0secret"),
	  .want = { SASL_DONE },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "plain ir, authzid differs",
	  .mech = SASL_MECH_PLAIN, .ir = B64("admin\0user\0secret"),
	  .want = { SASL_ERR_AUTHZ } },
	{ .name = "plain ir, authzid differs only in case",
	  .mech = SASL_MECH_PLAIN, .ir = B64("User\0user\0secret"),
	  .want = { SASL_ERR_AUTHZ } },
	{ .name = "plain ir, authzid is a prefix of authcid",
	  .mech = SASL_MECH_PLAIN, .ir = B64("use\0user\0secret"),
	  .want = { SASL_ERR_AUTHZ } },
	{ .name = "plain without ir",
	  .mech = SASL_MECH_PLAIN,
	  .lines = { B64("\0user\0secret") },
	  .want = { SASL_CONTINUE, SASL_DONE }, .chal = { "" },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "plain ir \"=\" is an empty message",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("="),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain empty ir must be \"=\"",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE(""),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "plain ir \"*\" is not a cancel",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("*"),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "plain empty line is an empty message",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("") },
	  .want = { SASL_CONTINUE, SASL_ERR_SYNTAX }, .chal = { "" } },
	{ .name = "plain line \"=\" is not base64",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("=") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { "" } },
	{ .name = "plain cancel",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("*") },
	  .want = { SASL_CONTINUE, SASL_ERR_CANCEL }, .chal = { "" } },
	{ .name = "plain \"**\" is not a cancel",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("**") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { "" } },
	{ .name = "plain no NUL",
	  .mech = SASL_MECH_PLAIN, .ir = B64("usersecret"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain one NUL",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0usersecret"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain one NUL, trailing",
	  .mech = SASL_MECH_PLAIN, .ir = B64("user\0"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain three NULs",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0user\0sec\0ret"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain trailing NUL",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0user\0secret\0"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain empty authcid",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0\0secret"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain empty authcid with authzid",
	  .mech = SASL_MECH_PLAIN, .ir = B64("user\0\0secret"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain empty password",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0user\0"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain only NULs",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0\0"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "plain control characters are kept",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0us\ter\0secret\r\n"),
	  .want = { SASL_DONE },
	  .user = B64("us\ter"), .pass = B64("secret\r\n") },
	{ .name = "plain 8-bit octets are kept",
	  .mech = SASL_MECH_PLAIN, .ir = B64("\0j\xc3\xb6rg\0p\xe4ss"),
	  .want = { SASL_DONE },
	  .user = B64("j\xc3\xb6rg"), .pass = B64("p\xe4ss") },
	{ .name = "plain ir without padding",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("AHVzZXIAc2VjcmV0"),
	  .want = { SASL_DONE },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "plain ir missing padding",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("AHVzZXIAcGFzcw"),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "plain ir with whitespace",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("AHVzZXIA c2VjcmV0"),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "plain line with trailing CR",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("AHVzZXIAc2VjcmV0\r") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { "" } },
	{ .name = "plain line with bad character",
	  .mech = SASL_MECH_PLAIN, .lines = { WIRE("AHVzZXIAc2Vjcm!0") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { "" } },
	{ .name = "plain non-canonical padding bits",
	  .mech = SASL_MECH_PLAIN, .ir = WIRE("AHVzZXIAcGFzcx=="),
	  .want = { SASL_ERR_BASE64 } },

	/* LOGIN, draft-murchison-sasl-login. */
	{ .name = "login without ir",
	  .mech = SASL_MECH_LOGIN,
	  .lines = { B64("user"), B64("secret") },
	  .want = { SASL_CONTINUE, SASL_CONTINUE, SASL_DONE },
	  .chal = { CHAL_USER, CHAL_PASS },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "login with user name as ir",
	  .mech = SASL_MECH_LOGIN, .ir = B64("user"),
	  .lines = { B64("secret") },
	  .want = { SASL_CONTINUE, SASL_DONE }, .chal = { CHAL_PASS },
	  .user = B64("user"), .pass = B64("secret") },
	{ .name = "login ir \"=\" is an empty user name",
	  .mech = SASL_MECH_LOGIN, .ir = WIRE("="),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "login empty ir must be \"=\"",
	  .mech = SASL_MECH_LOGIN, .ir = WIRE(""),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "login empty user name line",
	  .mech = SASL_MECH_LOGIN, .lines = { WIRE("") },
	  .want = { SASL_CONTINUE, SASL_ERR_SYNTAX }, .chal = { CHAL_USER } },
	{ .name = "login empty password line",
	  .mech = SASL_MECH_LOGIN, .ir = B64("user"), .lines = { WIRE("") },
	  .want = { SASL_CONTINUE, SASL_ERR_SYNTAX }, .chal = { CHAL_PASS } },
	{ .name = "login NUL in user name",
	  .mech = SASL_MECH_LOGIN, .lines = { B64("us\0er") },
	  .want = { SASL_CONTINUE, SASL_ERR_SYNTAX }, .chal = { CHAL_USER } },
	{ .name = "login NUL in user name ir",
	  .mech = SASL_MECH_LOGIN, .ir = B64("\0user"),
	  .want = { SASL_ERR_SYNTAX } },
	{ .name = "login NUL in password",
	  .mech = SASL_MECH_LOGIN, .lines = { B64("user"), B64("sec\0ret") },
	  .want = { SASL_CONTINUE, SASL_CONTINUE, SASL_ERR_SYNTAX },
	  .chal = { CHAL_USER, CHAL_PASS } },
	{ .name = "login cancel at user name",
	  .mech = SASL_MECH_LOGIN, .lines = { WIRE("*") },
	  .want = { SASL_CONTINUE, SASL_ERR_CANCEL }, .chal = { CHAL_USER } },
	{ .name = "login cancel at password",
	  .mech = SASL_MECH_LOGIN, .lines = { B64("user"), WIRE("*") },
	  .want = { SASL_CONTINUE, SASL_CONTINUE, SASL_ERR_CANCEL },
	  .chal = { CHAL_USER, CHAL_PASS } },
	{ .name = "login cancel after user name ir",
	  .mech = SASL_MECH_LOGIN, .ir = B64("user"), .lines = { WIRE("*") },
	  .want = { SASL_CONTINUE, SASL_ERR_CANCEL }, .chal = { CHAL_PASS } },
	{ .name = "login bad base64 user name",
	  .mech = SASL_MECH_LOGIN, .lines = { WIRE("dXNlcg") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { CHAL_USER } },
	{ .name = "login bad base64 password",
	  .mech = SASL_MECH_LOGIN, .ir = B64("user"),
	  .lines = { WIRE("c2VjcmV0=") },
	  .want = { SASL_CONTINUE, SASL_ERR_BASE64 }, .chal = { CHAL_PASS } },
	{ .name = "login bad base64 ir",
	  .mech = SASL_MECH_LOGIN, .ir = WIRE("dXNlcg=!"),
	  .want = { SASL_ERR_BASE64 } },
	{ .name = "login newline in password is kept",
	  .mech = SASL_MECH_LOGIN, .ir = B64("user"),
	  .lines = { B64("secret\n") },
	  .want = { SASL_CONTINUE, SASL_DONE }, .chal = { CHAL_PASS },
	  .user = B64("user"), .pass = B64("secret\n") },
	{ .name = "login user name that looks like PLAIN",
	  .mech = SASL_MECH_LOGIN, .ir = B64("a\0b\0c"),
	  .want = { SASL_ERR_SYNTAX } },
};

static const struct length_case length_cases[] = {
	{ SASL_MECH_PLAIN, 0, SASL_USER_MAX, SASL_PASS_MAX, SASL_DONE },
	{ SASL_MECH_PLAIN, 0, 1, 1, SASL_DONE },
	{ SASL_MECH_PLAIN, 0, SASL_USER_MAX + 1, 1, SASL_ERR_SYNTAX },
	{ SASL_MECH_PLAIN, 0, 1, SASL_PASS_MAX + 1, SASL_ERR_SYNTAX },
	/* The largest message: authzid repeats a maximal authcid. */
	{ SASL_MECH_PLAIN, SASL_USER_MAX, SASL_USER_MAX, SASL_PASS_MAX,
	  SASL_DONE },
	{ SASL_MECH_PLAIN, SASL_USER_MAX + 1, SASL_USER_MAX, 1,
	  SASL_ERR_SYNTAX },
	{ SASL_MECH_PLAIN, SASL_USER_MAX + 1, SASL_USER_MAX + 1, 1,
	  SASL_ERR_SYNTAX },
	{ SASL_MECH_PLAIN, SASL_USER_MAX + 1, SASL_USER_MAX + 1,
	  SASL_PASS_MAX + 1, SASL_ERR_SYNTAX },
	{ SASL_MECH_LOGIN, 0, SASL_USER_MAX, SASL_PASS_MAX, SASL_DONE },
	{ SASL_MECH_LOGIN, 0, SASL_USER_MAX + 1, 1, SASL_ERR_SYNTAX },
	{ SASL_MECH_LOGIN, 0, 1, SASL_PASS_MAX + 1, SASL_ERR_SYNTAX },
};

static void
test_mech_names(void **state)
{
	static const struct {
		const char	*name;
		int		 ret;
		enum sasl_mech	 mech;
	} names[] = {
		{ "PLAIN", 0, SASL_MECH_PLAIN },
		{ "plain", 0, SASL_MECH_PLAIN },
		{ "Plain", 0, SASL_MECH_PLAIN },
		{ "LOGIN", 0, SASL_MECH_LOGIN },
		{ "login", 0, SASL_MECH_LOGIN },
		{ "CRAM-MD5", -1, 0 },
		{ "PLAIN ", -1, 0 },
		{ "PLAINX", -1, 0 },
		{ "PLAI", -1, 0 },
		{ "", -1, 0 },
	};
	enum sasl_mech	mech;
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		mech = (enum sasl_mech)99;
		if (sasl_mech_parse(names[i].name, &mech) != names[i].ret)
			fail_msg("sasl_mech_parse(\"%s\")", names[i].name);
		if (names[i].ret == 0 && mech != names[i].mech)
			fail_msg("sasl_mech_parse(\"%s\") mech", names[i].name);
	}
	assert_string_equal(sasl_mech_name(SASL_MECH_PLAIN), "PLAIN");
	assert_string_equal(sasl_mech_name(SASL_MECH_LOGIN), "LOGIN");
	assert_string_equal(sasl_mech_name((enum sasl_mech)99), "UNKNOWN");
}

static void
test_dialogs(void **state)
{
	size_t	i;

	for (i = 0; i < sizeof(dialogs) / sizeof(dialogs[0]); i++)
		run_dialog(&dialogs[i]);
}

/* Build PLAIN or LOGIN messages with fields of the given lengths. */
static void
test_plain_lengths(void **state)
{
	const struct length_case	*lc;
	struct sasl			 sa;
	char				 raw[4096], enc[8192];
	const char			*chal;
	enum sasl_status		 st;
	size_t				 i, n;

	for (i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		lc = &length_cases[i];
		if (lc->mech != SASL_MECH_PLAIN)
			continue;
		n = fill(raw, 'u', lc->zlen);
		raw[n++] = '\0';
		n += fill(raw + n, 'u', lc->clen);
		raw[n++] = '\0';
		n += fill(raw + n, 'p', lc->plen);
		assert_true(base64_encode(raw, n, enc, sizeof(enc)) > 0);
		memset(&sa, 0, sizeof(sa));
		st = sasl_start(&sa, SASL_MECH_PLAIN, enc, &chal);
		if (st != lc->want)
			fail_msg("plain %zu/%zu/%zu: status %d, want %d",
			    lc->zlen, lc->clen, lc->plen, st, lc->want);
		if (st == SASL_DONE) {
			assert_int_equal(sa.userlen, lc->clen);
			assert_int_equal(sa.passlen, lc->plen);
			assert_int_equal(strlen(sa.user), lc->clen);
			assert_int_equal(strlen(sa.pass), lc->plen);
		} else
			assert_wiped(&sa);
		sasl_clear(&sa);
	}
}

static void
test_login_lengths(void **state)
{
	const struct length_case	*lc;
	struct sasl			 sa;
	char				 raw[2048], enc[4096];
	const char			*chal;
	enum sasl_status		 st;
	size_t				 i;

	for (i = 0; i < sizeof(length_cases) / sizeof(length_cases[0]); i++) {
		lc = &length_cases[i];
		if (lc->mech != SASL_MECH_LOGIN)
			continue;
		memset(&sa, 0, sizeof(sa));
		fill(raw, 'u', lc->clen);
		assert_true(base64_encode(raw, lc->clen, enc, sizeof(enc)) > 0);
		st = sasl_start(&sa, SASL_MECH_LOGIN, enc, &chal);
		if (st == SASL_CONTINUE) {
			fill(raw, 'p', lc->plen);
			assert_true(base64_encode(raw, lc->plen, enc,
			    sizeof(enc)) > 0);
			st = sasl_step(&sa, enc, &chal);
		}
		if (st != lc->want)
			fail_msg("login %zu/%zu: status %d, want %d",
			    lc->clen, lc->plen, st, lc->want);
		if (st == SASL_DONE) {
			assert_int_equal(sa.userlen, lc->clen);
			assert_int_equal(sa.passlen, lc->plen);
		} else
			assert_wiped(&sa);
		sasl_clear(&sa);
	}
}

/* Over-long lines are refused as too long before any decoding. */
static void
test_long_line(void **state)
{
	static char	line[5001];
	struct sasl	sa;
	const char	*chal;

	memset(line, '!', sizeof(line) - 1);
	memset(&sa, 0, sizeof(sa));
	assert_int_equal(sasl_start(&sa, SASL_MECH_PLAIN, line, &chal),
	    SASL_ERR_SYNTAX);
	memset(line, 'A', sizeof(line) - 1);
	assert_int_equal(sasl_start(&sa, SASL_MECH_LOGIN, NULL, &chal),
	    SASL_CONTINUE);
	assert_int_equal(sasl_step(&sa, line, &chal), SASL_ERR_SYNTAX);
	assert_null(chal);
	assert_wiped(&sa);
}

static void
test_step_after_end(void **state)
{
	struct sasl	sa;
	const char	*chal;

	memset(&sa, 0, sizeof(sa));
	/* Never started. */
	assert_int_equal(sasl_step(&sa, "AHUAcA==", &chal), SASL_ERR_SYNTAX);
	/* After SASL_DONE the exchange is over and the credentials go. */
	assert_int_equal(sasl_start(&sa, SASL_MECH_PLAIN, "AHUAcA==", &chal),
	    SASL_DONE);
	assert_null(chal);
	assert_string_equal(sa.user, "u");
	assert_string_equal(sa.pass, "p");
	assert_int_equal(sasl_step(&sa, "AHUAcA==", &chal), SASL_ERR_SYNTAX);
	assert_wiped(&sa);
	/* After an error, too. */
	assert_int_equal(sasl_start(&sa, SASL_MECH_PLAIN, NULL, &chal),
	    SASL_CONTINUE);
	assert_int_equal(sasl_step(&sa, "*", &chal), SASL_ERR_CANCEL);
	assert_int_equal(sasl_step(&sa, "AHUAcA==", &chal), SASL_ERR_SYNTAX);
	/* A new start after the end works. */
	assert_int_equal(sasl_start(&sa, SASL_MECH_LOGIN, "dQ==", &chal),
	    SASL_CONTINUE);
	assert_string_equal(chal, CHAL_PASS);
	assert_int_equal(sasl_step(&sa, "cA==", &chal), SASL_DONE);
	assert_string_equal(sa.user, "u");
	assert_string_equal(sa.pass, "p");
	sasl_clear(&sa);
}

static void
test_unknown_mech(void **state)
{
	struct sasl	sa;
	const char	*chal = "x";

	memset(&sa, 0, sizeof(sa));
	assert_int_equal(sasl_start(&sa, (enum sasl_mech)99, NULL, &chal),
	    SASL_ERR_SYNTAX);
	assert_null(chal);
	assert_wiped(&sa);
}

static void
test_clear(void **state)
{
	struct sasl	sa;
	const char	*chal;

	memset(&sa, 0, sizeof(sa));
	assert_int_equal(sasl_start(&sa, SASL_MECH_PLAIN,
	    "dXNlcgB1c2VyAHNlY3JldA==", &chal), SASL_DONE);
	assert_string_equal(sa.user, "user");
	assert_string_equal(sa.pass, "secret");
	sasl_clear(&sa);
	assert_wiped(&sa);
	sasl_clear(&sa);
	assert_wiped(&sa);
	/* A restart wipes what a previous exchange left. */
	memset(sa.pass, 'x', sizeof(sa.pass));
	assert_int_equal(sasl_start(&sa, SASL_MECH_LOGIN, NULL, &chal),
	    SASL_CONTINUE);
	assert_wiped(&sa);
}

/* Play one dialog and check every status, challenge and the result. */
static void
run_dialog(const struct dialog *d)
{
	struct sasl		 sa;
	char			 buf[512];
	const char		*chal, *line;
	enum sasl_status	 st;
	int			 i;

	memset(&sa, 0, sizeof(sa));
	line = d->ir.data ? wire(&d->ir, buf, sizeof(buf)) : NULL;
	st = sasl_start(&sa, d->mech, line, &chal);
	for (i = 0;; i++) {
		if (st != d->want[i])
			fail_msg("%s: step %d: status %d, want %d", d->name, i,
			    st, d->want[i]);
		if (st != SASL_CONTINUE)
			break;
		if (chal == NULL || strcmp(chal, d->chal[i]) != 0)
			fail_msg("%s: step %d: challenge \"%s\", want \"%s\"",
			    d->name, i, chal ? chal : "(null)", d->chal[i]);
		if (i + 1 >= MAX_STEPS || d->lines[i].data == NULL)
			fail_msg("%s: step %d: dialog too short", d->name, i);
		st = sasl_step(&sa, wire(&d->lines[i], buf, sizeof(buf)),
		    &chal);
	}
	if (st == SASL_DONE) {
		assert_null(chal);
		assert_field(sa.user, sa.userlen, &d->user);
		assert_field(sa.pass, sa.passlen, &d->pass);
	} else {
		assert_null(chal);
		assert_wiped(&sa);
	}
	sasl_clear(&sa);
	assert_wiped(&sa);
}

static const char *
wire(const struct msg *m, char *buf, size_t bufsz)
{
	if (!m->enc)
		return m->data;
	assert_true(base64_encode(m->data, m->len, buf, bufsz) >= 0);
	return buf;
}

static void
assert_wiped(const struct sasl *sa)
{
	static const char	zero[SASL_PASS_MAX + 1];

	assert_int_equal(sa->userlen, 0);
	assert_int_equal(sa->passlen, 0);
	assert_memory_equal(sa->user, zero, sizeof(sa->user));
	assert_memory_equal(sa->pass, zero, sizeof(sa->pass));
}

static void
assert_field(const char *got, size_t gotlen, const struct msg *want)
{
	assert_int_equal(gotlen, want->len);
	assert_memory_equal(got, want->data, want->len);
	assert_int_equal(got[gotlen], '\0');
}

static size_t
fill(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	return n;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mech_names),
		cmocka_unit_test(test_dialogs),
		cmocka_unit_test(test_plain_lengths),
		cmocka_unit_test(test_login_lengths),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_step_after_end),
		cmocka_unit_test(test_unknown_mech),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
