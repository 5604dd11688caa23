/*
 * maildir_test: delivery into a fresh temporary directory (made with
 * mkdtemp(3) per test, removed afterwards) creates tmp/ new/ cur/, writes
 * exactly the prefix and the asked-for range of the source, leaves tmp/
 * empty and the source's offset alone, names files uniquely with the
 * right S=; failures leave nothing behind and keep errno; maildir_path()
 * refuses every address that could leave DATADIR/mail/.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/util.h"
#include "queue/maildir.h"

#define PREFIX	"Return-Path: <a@example.net>\r\n" \
		"Delivered-To: b@example.org\r\n"
#define SOURCE	"JUNKJUNK" "From: a\r\nSubject: hi\r\n\r\nbody\r\n" "TRAILER"
#define RANGE_OFF	8
/* the range without JUNKJUNK and TRAILER */
#define RANGE_LEN	(sizeof(SOURCE) - 1 - 8 - 7)

/* A path that must fit. */
#define PATHF(buf, ...)	\
	assert_int_equal(util_snprintf(buf, sizeof(buf), __VA_ARGS__), 0)

struct fixture {
	char	root[64];
	int	src;			/* the "spool file" */
};

static int	rm_one(const char *, const struct stat *, int, struct FTW *);
static int	setup(void **);
static int	teardown(void **);
static size_t	count_entries(const char *);
static void	read_file(const char *, char *, size_t, size_t *);

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		chmod(path, 0700);
	return remove(path);
}

static int
setup(void **state)
{
	struct fixture	*f;
	char		 path[PATH_MAX];

	assert_non_null(f = calloc(1, sizeof(*f)));
	snprintf(f->root, sizeof(f->root), "/tmp/maildir_test.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	PATHF(path, "%s/spool", f->root);
	f->src = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(f->src != -1);
	assert_int_equal(util_write_all(f->src, SOURCE, sizeof(SOURCE) - 1),
	    0);
	assert_int_equal(lseek(f->src, 3, SEEK_SET), 3);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 path[PATH_MAX];

	close(f->src);
	/* a read-only directory of a test must not stop the cleanup */
	PATHF(path, "%s/ro", f->root);
	chmod(path, 0700);
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Entries of a directory other than "." and "..". */
static size_t
count_entries(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 n = 0;

	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
read_file(const char *path, char *out, size_t outsz, size_t *len)
{
	int	fd;
	ssize_t	n;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_true((n = read(fd, out, outsz)) >= 0);
	close(fd);
	*len = (size_t)n;
}

static void
test_deliver(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], name[256], err[256];
	char		 got[1024], want[1024], size[32];
	struct stat	 st;
	size_t		 n, i;
	static const char *subs[] = { "tmp", "new", "cur" };

	/* the Maildir and two parents are missing */
	PATHF(md, "%s/mail/example.org/b/Maildir", f->root);
	assert_int_equal(maildir_deliver(md, PREFIX, strlen(PREFIX), f->src,
	    RANGE_OFF, RANGE_LEN, name, sizeof(name), err, sizeof(err)), 0);
	for (i = 0; i < 3; i++) {
		PATHF(p, "%s/%s", md, subs[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	/* content: the prefix, then exactly the range */
	PATHF(p, "%s/new/%s", md, name);
	read_file(p, got, sizeof(got), &n);
	snprintf(want, sizeof(want), "%s%.*s", PREFIX, (int)RANGE_LEN,
	    SOURCE + RANGE_OFF);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* name: TIME.M<usec>P<pid>R<hex>.HOST,S=<size> */
	snprintf(size, sizeof(size), ",S=%zu", n);
	assert_true(strlen(name) > strlen(size));
	assert_string_equal(name + strlen(name) - strlen(size), size);
	assert_true(name[0] >= '1' && name[0] <= '9');
	assert_non_null(strstr(name, ".M"));
	assert_non_null(strchr(name, 'P'));
	assert_non_null(strchr(name, 'R'));
	assert_null(strchr(name, '/'));
	assert_null(strchr(name, ':'));
	/* tmp/ is empty, and the shared fd kept its offset */
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
	assert_int_equal(lseek(f->src, 0, SEEK_CUR), 3);
}

static void
test_two_deliveries(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], a[256], b[256];

	PATHF(md, "%s/Maildir", f->root);
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, 0,
	    sizeof(SOURCE) - 1, a, sizeof(a), NULL, 0), 0);
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, 0,
	    sizeof(SOURCE) - 1, b, sizeof(b), NULL, 0), 0);
	assert_string_not_equal(a, b);
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 2);
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
	/* an empty message is still a message */
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, 0, 0, a,
	    sizeof(a), NULL, 0), 0);
	assert_non_null(strstr(a, ",S=0"));
}

/* A Maildir removed between two deliveries (this thread remembers the
   Maildirs it made) is made again, with or without a recheck. */
static void
test_removed_between(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], cmd[PATH_MAX + 16];
	int		 recheck;

	PATHF(md, "%s/gone/Maildir", f->root);
	for (recheck = 0; recheck < 2; recheck++) {
		assert_int_equal(maildir_deliver_once(md, recheck ? "1.QAR1" :
		    "1.QAR0", recheck, NULL, 0, f->src, 0, 4, NULL, 0, NULL,
		    0), 0);
		PATHF(cmd, "rm -rf %s/gone", f->root);
		assert_int_equal(system(cmd), 0);
		assert_int_equal(maildir_deliver_once(md, recheck ? "1.QBR1" :
		    "1.QBR0", recheck, NULL, 0, f->src, 0, 4, NULL, 0, NULL,
		    0), 0);
		PATHF(p, "%s/new", md);
		assert_int_equal(count_entries(p), 1);
		PATHF(p, "%s/cur", md);
		assert_int_equal(count_entries(p), 0);
	}
}

/* A Maildir under a regular file cannot be made: -1, nothing left. */
static void
test_parent_is_file(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], name[256], err[256];

	PATHF(md, "%s/spool/Maildir", f->root);
	errno = 0;
	assert_int_equal(maildir_deliver(md, PREFIX, strlen(PREFIX), f->src,
	    0, 4, name, sizeof(name), err, sizeof(err)), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_string_not_equal(err, "");
	assert_string_equal(name, "");
	assert_int_equal(count_entries(f->root), 1);	/* just the spool */
}

/* Not writable (skipped as root, who may write anyway). */
static void
test_read_only_parent(void **state)
{
	struct fixture	*f = *state;
	char		 ro[PATH_MAX], md[PATH_MAX], err[256];

	if (geteuid() == 0) {
		print_message("running as root: read-only case skipped\n");
		return;
	}
	PATHF(ro, "%s/ro", f->root);
	assert_int_equal(mkdir(ro, 0500), 0);
	PATHF(md, "%s/Maildir", ro);
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, 0, 4, NULL, 0,
	    err, sizeof(err)), -1);
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(err, "mkdir"));
	assert_int_equal(count_entries(ro), 0);
}

/* The source ends early, or cannot be read: tmp/ and new/ stay empty. */
static void
test_copy_failure(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], err[256];

	PATHF(md, "%s/Maildir", f->root);
	assert_int_equal(maildir_deliver(md, PREFIX, strlen(PREFIX), f->src,
	    8, 1000, NULL, 0, err, sizeof(err)), -1);
	assert_int_equal(errno, EIO);
	assert_non_null(strstr(err, "write"));
	assert_int_equal(maildir_deliver(md, NULL, 0, -1, 0, 4, NULL, 0,
	    err, sizeof(err)), -1);
	assert_int_equal(errno, EBADF);
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 0);
}

/* Arguments that cannot work are refused before anything is written. */
static void
test_bad_args(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], name[8];

	PATHF(md, "%s/Maildir", f->root);
	assert_int_equal(maildir_deliver(md, NULL, 5, f->src, 0, 4, NULL, 0,
	    NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, UINT64_MAX, 4,
	    NULL, 0, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	/* name too small for the file name */
	assert_int_equal(maildir_deliver(md, NULL, 0, f->src, 0, 4, name,
	    sizeof(name), NULL, 0), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(name, "");
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 0);
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
}

struct path_case {
	const char	*address;
	const char	*want;		/* NULL: refused */
};

static const struct path_case path_cases[] = {
	{ "bob@example.org", "/d/mail/example.org/bob/Maildir" },
	{ "Bob.Smith@Example.ORG", "/d/mail/example.org/bob.smith/Maildir" },
	{ "\"bob\"@example.org", "/d/mail/example.org/bob/Maildir" },
	{ "b+tag@example.org", "/d/mail/example.org/b+tag/Maildir" },
	{ "caf\xc3\xa9@example.org",
	    "/d/mail/example.org/caf\xc3\xa9/Maildir" },
	{ "x@[192.0.2.1]", "/d/mail/[192.0.2.1]/x/Maildir" },
	{ "../x@d", NULL },
	{ "..@d", NULL },
	{ ".@d", NULL },
	{ "a/b@d", NULL },
	{ "x@../d", NULL },
	{ "x@..", NULL },
	{ "x@.", NULL },
	{ ".hidden@d", NULL },
	{ "x@.d", NULL },
	{ "x@d/e", NULL },
	{ "x@d\\e", NULL },
	{ "a\\b@d", NULL },
	{ "x@d\r\n", NULL },
	{ "a\tb@d", NULL },
	{ "a\x7f@d", NULL },
	{ "\"a b\"@d", NULL },
	{ "\"../x\"@d", NULL },
	{ "\"a/b\"@d", NULL },
	{ "\"a\\\"b\"@d", NULL },
	{ "\"\"@d", NULL },
	{ "\"x@d", NULL },
	{ "\"a@b\"@d", NULL },
	{ "@d", NULL },
	{ "x@", NULL },
	{ "x", NULL },
	{ "", NULL },
};

static void
test_path_table(void **state)
{
	const struct path_case	*c;
	char			 out[PATH_MAX];
	size_t			 i;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		c = &path_cases[i];
		print_message("address \"%s\"\n", c->address);
		if (c->want == NULL) {
			assert_int_equal(maildir_path("/d", c->address, out,
			    sizeof(out)), -1);
			assert_string_equal(out, "");
			continue;
		}
		assert_int_equal(maildir_path("/d", c->address, out,
		    sizeof(out)), 0);
		assert_string_equal(out, c->want);
	}
}

/* NUL inside, too long for RFC 5321, too long for out, no datadir. */
static void
test_path_limits(void **state)
{
	static const char	nul[] = "a\0/../../x@d";
	char			addr[600], out[PATH_MAX];

	/* what follows the NUL is never seen: "a" has no '@' */
	assert_int_equal(maildir_path("/d", nul, out, sizeof(out)), -1);
	memset(addr, 'a', 64);
	snprintf(addr + 64, sizeof(addr) - 64, "@d");
	assert_int_equal(maildir_path("/d", addr, out, sizeof(out)), 0);
	memset(addr, 'a', 65);
	snprintf(addr + 65, sizeof(addr) - 65, "@d");
	assert_int_equal(maildir_path("/d", addr, out, sizeof(out)), -1);
	assert_int_equal(errno, EINVAL);
	addr[0] = 'x';
	addr[1] = '@';
	memset(addr + 2, 'd', 256);
	addr[258] = '\0';
	assert_int_equal(maildir_path("/d", addr, out, sizeof(out)), -1);
	assert_int_equal(maildir_path("/d", "bob@example.org", out, 20), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(maildir_path("", "bob@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(maildir_path(NULL, "bob@example.org", out,
	    sizeof(out)), -1);
	assert_int_equal(maildir_path("/d", NULL, out, sizeof(out)), -1);
}

/* A named delivery: written once, found again in new/ and in cur/. */
static void
test_once(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], q[PATH_MAX];
	char		 name[300], err[256], size[32];
	const char	*key = "1796600000.Q0123456789ABCDEF01R2";

	PATHF(md, "%s/Maildir", f->root);
	assert_int_equal(maildir_deliver_once(md, key, 0, PREFIX,
	    strlen(PREFIX), f->src, RANGE_OFF, RANGE_LEN, name, sizeof(name),
	    err, sizeof(err)), 0);
	assert_int_equal(strncmp(name, "new/", 4), 0);
	assert_int_equal(strncmp(name + 4, key, strlen(key)), 0);
	assert_int_equal(name[4 + strlen(key)], '.');
	snprintf(size, sizeof(size), ",S=%zu", strlen(PREFIX) + RANGE_LEN);
	assert_string_equal(name + strlen(name) - strlen(size), size);
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 1);

	/* the same name in new/: link(2) refuses it, even without recheck */
	assert_int_equal(maildir_deliver_once(md, key, 0, PREFIX,
	    strlen(PREFIX), f->src, RANGE_OFF, RANGE_LEN, name, sizeof(name),
	    err, sizeof(err)), 1);
	assert_int_equal(count_entries(p), 1);
	PATHF(q, "%s/tmp", md);
	assert_int_equal(count_entries(q), 0);

	/* a reader moved it to cur/ and flagged it seen */
	PATHF(p, "%s/%s", md, name);
	PATHF(q, "%s/cur/%s:2,S", md, name + 4);
	assert_int_equal(rename(p, q), 0);
	assert_int_equal(maildir_deliver_once(md, key, 1, PREFIX,
	    strlen(PREFIX), f->src, RANGE_OFF, RANGE_LEN, name, sizeof(name),
	    err, sizeof(err)), 1);
	assert_int_equal(strncmp(name, "cur/", 4), 0);
	assert_non_null(strstr(name, ":2,S"));
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 0);

	/* without recheck, cur/ is not read: the caller's promise that no
	   earlier try can have happened */
	assert_int_equal(maildir_deliver_once(md, key, 0, PREFIX,
	    strlen(PREFIX), f->src, RANGE_OFF, RANGE_LEN, name, sizeof(name),
	    err, sizeof(err)), 0);
	assert_int_equal(count_entries(p), 1);
}

/*
 * A batch (maildir_stage, maildir_commit): two Maildirs, three keyed
 * deliveries and one already there; nothing is in new/ before the
 * commit, everything after it, with each item's rc and name.
 */
static void
test_batch(void **state)
{
	struct fixture		*f = *state;
	struct maildir_item	 it[4];
	char			 a[PATH_MAX], b[PATH_MAX], p[PATH_MAX];
	static const char *const keys[] = { "1796600000.QAR0",
	    "1796600000.QAR1", "1796600000.QAR0", "1796600000.QBR0" };
	size_t			 i;

	PATHF(a, "%s/a/Maildir", f->root);
	PATHF(b, "%s/b/Maildir", f->root);
	assert_int_equal(maildir_deliver_once(a, keys[0], 0, PREFIX,
	    strlen(PREFIX), f->src, RANGE_OFF, RANGE_LEN, NULL, 0, NULL, 0),
	    0);
	for (i = 0; i < 4; i++)
		assert_int_equal(maildir_stage(&it[i], i == 3 ? b : a, keys[i],
		    i == 0, PREFIX, strlen(PREFIX), f->src, RANGE_OFF,
		    RANGE_LEN), i == 0 ? 1 : 0);
	PATHF(p, "%s/new", a);
	assert_int_equal(count_entries(p), 1);		/* the first only */
	maildir_commit(it, 4);
	/* 0 already there; 1 delivered; 2 the same name as 0: link(2)
	   refuses it, so it is there; 3 in the other Maildir */
	assert_int_equal(it[0].rc, 1);
	assert_int_equal(it[1].rc, 0);
	assert_int_equal(it[2].rc, 1);
	assert_int_equal(it[3].rc, 0);
	for (i = 1; i < 4; i++)
		assert_int_equal(strncmp(it[i].name, "new/", 4), 0);
	PATHF(p, "%s/new", a);
	assert_int_equal(count_entries(p), 2);
	PATHF(p, "%s/tmp", a);
	assert_int_equal(count_entries(p), 0);
	PATHF(p, "%s/new", b);
	assert_int_equal(count_entries(p), 1);
}

/* Another key, or a key that only shares a prefix, is not "found". */
static void
test_once_other_keys(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], name[300];

	PATHF(md, "%s/Maildir", f->root);
	assert_int_equal(maildir_deliver_once(md, "100.QAAR1", 0, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 0);
	/* "100.QAAR1" must not match "100.QAAR10" nor the reverse */
	assert_int_equal(maildir_deliver_once(md, "100.QAAR10", 1, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 0);
	assert_int_equal(maildir_deliver_once(md, "100.QAAR", 1, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 0);
	assert_int_equal(maildir_deliver_once(md, "100.QAAR1", 1, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 1);
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 3);
	/* keys that would leave the directory or break the name */
	assert_int_equal(maildir_deliver_once(md, "1/..", 1, NULL, 0,
	    f->src, 0, 4, NULL, 0, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(maildir_deliver_once(md, "1:2", 1, NULL, 0,
	    f->src, 0, 4, NULL, 0, NULL, 0), -1);
	assert_int_equal(maildir_deliver_once(md, "", 1, NULL, 0,
	    f->src, 0, 4, NULL, 0, NULL, 0), -1);
	assert_int_equal(maildir_deliver_once(md, ".x", 1, NULL, 0,
	    f->src, 0, 4, NULL, 0, NULL, 0), -1);
	assert_int_equal(count_entries(p), 3);
}

/* A crash between creating tmp/NAME and publishing it: the retry
   replaces the leftover and delivers once. */
static void
test_once_leftover_tmp(void **state)
{
	struct fixture	*f = *state;
	char		 md[PATH_MAX], p[PATH_MAX], name[300], host[PATH_MAX];
	char		 got[64];
	size_t		 n;
	int		 fd;

	PATHF(md, "%s/Maildir", f->root);
	/* learn the full name, then fake a torn earlier try in tmp/ */
	assert_int_equal(maildir_deliver_once(md, "7.QBBR0", 0, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 0);
	PATHF(p, "%s/%s", md, name);
	assert_int_equal(unlink(p), 0);
	snprintf(host, sizeof(host), "%s", name + 4);
	PATHF(p, "%s/tmp/%s", md, host);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600)) != -1);
	assert_int_equal(write(fd, "torn", 4), 4);
	close(fd);
	assert_int_equal(maildir_deliver_once(md, "7.QBBR0", 1, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 0);
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
	PATHF(p, "%s/%s", md, name);
	read_file(p, got, sizeof(got), &n);
	assert_int_equal(n, 4);
	assert_memory_equal(got, SOURCE, 4);

	/* a crash between link(2) and unlink(2): in new/ and still in tmp/;
	   the retry finds it delivered and removes the tmp/ name */
	PATHF(p, "%s/%s", md, name);
	PATHF(host, "%s/tmp/%s", md, name + 4);
	assert_int_equal(link(p, host), 0);
	assert_int_equal(maildir_deliver_once(md, "7.QBBR0", 1, NULL, 0,
	    f->src, 0, 4, name, sizeof(name), NULL, 0), 1);
	PATHF(p, "%s/tmp", md);
	assert_int_equal(count_entries(p), 0);
	PATHF(p, "%s/new", md);
	assert_int_equal(count_entries(p), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deliver, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_removed_between, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_deliveries, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_parent_is_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_only_parent, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_once_other_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_once_leftover_tmp, setup,
		    teardown),
		cmocka_unit_test(test_path_table),
		cmocka_unit_test(test_path_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
