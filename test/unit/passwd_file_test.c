/*
 * passwd_file_test: table-driven tests of passwd_file_parse_line() (one
 * row per accepted shape, skipped line and refusal, with the exact
 * reason) and of passwd_file_read() over files written with mkstemp(3)
 * in $TMPDIR (or /tmp): entries in order with line numbers, the
 * "PATH:LINE: reason" of the first bad line, the line length limit, NUL
 * bytes, a missing last newline, CRLF, a refusing callback and a
 * missing file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/passwd_file.h"

#define SHA512	"$6$hltZrkT7kj3gv16f$4OlmVevSI4jzUwyi3kIB14oHDDoW2paFNzbbJVk6" \
		"cQRVlW4SX0/PL.uAZL2qv15vBVDSxUyLFv4bNzfVW03AT0"
#define MAXENT	8

struct parse_case {
	const char	*line;
	int		 rc;
	const char	*user;		/* rc 1 */
	const char	*hash;		/* rc 1 */
	const char	*reason;	/* rc -1 */
};

struct collected {
	size_t	n;
	char	user[MAXENT][64];
	char	hash[MAXENT][256];
	int	lineno[MAXENT];
	int	refuse_at;		/* lineno to refuse, 0: none */
};

#define OK(l, u, h)	{ l, 1, u, h, NULL }
#define SKIP(l)		{ l, 0, "", "", NULL }
#define BAD(l, r)	{ l, -1, "", "", r }

#define R_NOCOLON	"no ':' after the user name"
#define R_NOUSER	"empty user name"
#define R_UCHAR		"user name holds a space or control character"
#define R_UADDR		"user name is neither a local part nor an address"
#define R_NOPW		"empty password field"
#define R_PCHAR		"password field holds a space or control character"
#define R_SCHEME	"password field has a malformed {SCHEME} prefix " \
			"or nothing after it"

static const struct parse_case cases[] = {
	OK("alice:" SHA512, "alice", SHA512),
	OK("alice@example.org:" SHA512 ":1000:1000::/home/alice::",
	    "alice@example.org", SHA512),
	OK("bob:{SHA512-CRYPT}" SHA512 "::::::userdb_quota_rule=*:bytes=1G",
	    "bob", "{SHA512-CRYPT}" SHA512),
	OK("bob:{PLAIN}secret", "bob", "{PLAIN}secret"),
	OK("bob:{plain.b64}c2VjcmV0", "bob", "{plain.b64}c2VjcmV0"),
	OK("bob:x:1:2:Bob Smith, room 4:/home/bob:/bin/sh", "bob", "x"),
	OK("alice:" SHA512 "\r", "alice", SHA512),
	OK("alice:" SHA512 ":\r", "alice", SHA512),
	OK("j\xc3\xb6rg@example.org:h", "j\xc3\xb6rg@example.org", "h"),
	OK("a:b", "a", "b"),
	SKIP(""),
	SKIP("\r"),
	SKIP("   "),
	SKIP(" \t \r"),
	SKIP("#"),
	SKIP("# alice:" SHA512),
	SKIP("#alice:" SHA512),
	SKIP("  # indented comment"),
	BAD("alice", R_NOCOLON),
	BAD("alice " SHA512, R_NOCOLON),
	BAD(":" SHA512, R_NOUSER),
	BAD("::", R_NOUSER),
	BAD(" alice:" SHA512, R_UCHAR),
	BAD("alice :" SHA512, R_UCHAR),
	BAD("al ice:" SHA512, R_UCHAR),
	BAD("al\tice:" SHA512, R_UCHAR),
	BAD("al\x7fice:" SHA512, R_UCHAR),
	BAD("al\rice:" SHA512, R_UCHAR),
	BAD("@example.org:" SHA512, R_UADDR),
	BAD("alice@:" SHA512, R_UADDR),
	BAD("a@b@c:" SHA512, R_UADDR),
	BAD("@:" SHA512, R_UADDR),
	BAD("alice:", R_NOPW),
	BAD("alice::1000:1000", R_NOPW),
	BAD("alice:\r", R_NOPW),
	BAD("alice: " SHA512, R_PCHAR),
	BAD("alice:" SHA512 " ", R_PCHAR),
	BAD("alice:" SHA512 " :1000", R_PCHAR),
	BAD("alice:sec ret", R_PCHAR),
	BAD("alice:sec\tret", R_PCHAR),
	BAD("alice:secret\r\r", R_PCHAR),
	BAD("alice:{SHA512-CRYPT" SHA512, R_SCHEME),
	BAD("alice:{SHA512-CRYPT}", R_SCHEME),
	BAD("alice:{SHA512-CRYPT}:1000", R_SCHEME),
	BAD("alice:{}" SHA512, R_SCHEME),
	BAD("alice:{SHA512/CRYPT}" SHA512, R_SCHEME),
	BAD("alice:{", R_SCHEME),
};

static void	test_parse_table(void **);
static void	test_parse_bounds(void **);
static void	test_read_good(void **);
static void	test_read_bad_line(void **);
static void	test_read_long_line(void **);
static void	test_read_nul(void **);
static void	test_read_refused(void **);
static void	test_read_missing(void **);
static void	test_read_empty(void **);
static int	collect(const char *, const char *, int, void *);
static void	write_file(char *, size_t, const void *, size_t);

static void
test_parse_table(void **state)
{
	char	user[64], hash[256], err[256];
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case	*c = &cases[i];

		memset(user, 'U', sizeof(user));
		memset(hash, 'H', sizeof(hash));
		err[0] = '\0';
		rc = passwd_file_parse_line(c->line, user, sizeof(user), hash,
		    sizeof(hash), err, sizeof(err));
		if (rc != c->rc)
			fail_msg("row %zu: rc %d, want %d (%s)", i, rc, c->rc,
			    err);
		assert_string_equal(user, c->user);
		assert_string_equal(hash, c->hash);
		if (c->rc == -1)
			assert_string_equal(err, c->reason);
		/* Reasons never quote the password field. */
		if (c->rc == -1 && strstr(err, "hltZ") != NULL)
			fail_msg("row %zu: reason quotes the hash", i);
	}
}

static void
test_parse_bounds(void **state)
{
	char	user[6], hash[5], err[128];

	assert_int_equal(passwd_file_parse_line("alice:abcd", user,
	    sizeof(user), hash, sizeof(hash), err, sizeof(err)), 1);
	assert_string_equal(user, "alice");
	assert_string_equal(hash, "abcd");
	assert_int_equal(passwd_file_parse_line("alice1:abcd", user,
	    sizeof(user), hash, sizeof(hash), err, sizeof(err)), -1);
	assert_string_equal(err, "user name longer than 5 bytes");
	assert_string_equal(user, "");
	assert_int_equal(passwd_file_parse_line("alice:abcde", user,
	    sizeof(user), hash, sizeof(hash), err, sizeof(err)), -1);
	assert_string_equal(err, "password field longer than 4 bytes");
	assert_string_equal(user, "");
	assert_string_equal(hash, "");
	/* A NULL or empty err buffer is allowed. */
	assert_int_equal(passwd_file_parse_line("alice", user, sizeof(user),
	    hash, sizeof(hash), NULL, 0), -1);
}

static int
collect(const char *user, const char *hash, int lineno, void *arg)
{
	struct collected	*c = arg;

	if (lineno == c->refuse_at)
		return -1;
	assert_true(c->n < MAXENT);
	snprintf(c->user[c->n], sizeof(c->user[0]), "%s", user);
	snprintf(c->hash[c->n], sizeof(c->hash[0]), "%s", hash);
	c->lineno[c->n] = lineno;
	c->n++;
	return 0;
}

static void
write_file(char *path, size_t pathsz, const void *data, size_t len)
{
	const char	*dir;
	int		 fd;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, pathsz, "%s/passwd_file_test.XXXXXX", dir);
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
test_read_good(void **state)
{
	static const char	text[] =
	    "# postern accounts\n"
	    "\n"
	    "alice@example.org:" SHA512 ":1000:1000::/home/alice::\n"
	    "   \n"
	    "bob:{BLF-CRYPT}$2y$05$x\r\n"
	    "carol:{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdA$aGFzaA";
	struct collected	c;
	char			path[256], err[512];

	memset(&c, 0, sizeof(c));
	write_file(path, sizeof(path), text, sizeof(text) - 1);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), 0);
	unlink(path);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.user[0], "alice@example.org");
	assert_string_equal(c.hash[0], SHA512);
	assert_int_equal(c.lineno[0], 3);
	assert_string_equal(c.user[1], "bob");
	assert_string_equal(c.hash[1], "{BLF-CRYPT}$2y$05$x");
	assert_int_equal(c.lineno[1], 5);
	assert_string_equal(c.user[2], "carol");
	assert_string_equal(c.hash[2],
	    "{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$c2FsdA$aGFzaA");
	assert_int_equal(c.lineno[2], 6);
}

static void
test_read_bad_line(void **state)
{
	static const char	text[] =
	    "alice:h1\n"
	    "# comment\n"
	    "bob h2\n"
	    "carol:\n";
	struct collected	c;
	char			path[256], err[512], want[512];

	memset(&c, 0, sizeof(c));
	write_file(path, sizeof(path), text, sizeof(text) - 1);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:3: %s", path, R_NOCOLON);
	assert_string_equal(err, want);
	assert_int_equal(c.n, 1);	/* entries before the bad line */
}

/* PASSWD_FILE_LINE_MAX bytes are fine; one more is not. */
static void
test_read_long_line(void **state)
{
	static char		text[2 * PASSWD_FILE_LINE_MAX + 16];
	struct collected	c;
	char			path[256], err[512], want[512];
	size_t			n;

	n = (size_t)snprintf(text, sizeof(text), "u:");
	memset(text + n, 'h', PASSWD_FILE_LINE_MAX - n);
	n = PASSWD_FILE_LINE_MAX;
	text[n++] = '\n';
	memcpy(text + n, "v:", 2);
	memset(text + n + 2, 'h', PASSWD_FILE_LINE_MAX - 1);
	n += PASSWD_FILE_LINE_MAX + 1;
	text[n++] = '\n';

	memset(&c, 0, sizeof(c));
	write_file(path, sizeof(path), text, n);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: line longer than %d bytes", path,
	    PASSWD_FILE_LINE_MAX);
	assert_string_equal(err, want);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.lineno[0], 1);
}

static void
test_read_nul(void **state)
{
	static const char	text[] = "alice:h1\nbob:h\0002\n";
	struct collected	c;
	char			path[256], err[512], want[512];

	memset(&c, 0, sizeof(c));
	write_file(path, sizeof(path), text, sizeof(text) - 1);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);
	assert_int_equal(c.n, 1);
}

static void
test_read_refused(void **state)
{
	static const char	text[] = "alice:h1\n\nbob:h2\ncarol:h3\n";
	struct collected	c;
	char			path[256], err[512], want[512];

	memset(&c, 0, sizeof(c));
	c.refuse_at = 3;
	write_file(path, sizeof(path), text, sizeof(text) - 1);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "%s:3: entry refused", path);
	assert_string_equal(err, want);
	assert_int_equal(c.n, 1);
}

static void
test_read_missing(void **state)
{
	struct collected	c;
	char			err[512];

	memset(&c, 0, sizeof(c));
	assert_int_equal(passwd_file_read("/nonexistent/passwd", collect, &c,
	    err, sizeof(err)), -1);
	assert_string_equal(err,
	    "/nonexistent/passwd: No such file or directory");
	assert_int_equal(passwd_file_read("/", collect, &c, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "/: Is a directory");
}

static void
test_read_empty(void **state)
{
	struct collected	c;
	char			path[256], err[512];

	memset(&c, 0, sizeof(c));
	write_file(path, sizeof(path), "", 0);
	assert_int_equal(passwd_file_read(path, collect, &c, err,
	    sizeof(err)), 0);
	unlink(path);
	assert_int_equal(c.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_read_good),
		cmocka_unit_test(test_read_bad_line),
		cmocka_unit_test(test_read_long_line),
		cmocka_unit_test(test_read_nul),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_read_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
