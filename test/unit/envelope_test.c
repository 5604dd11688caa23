/*
 * envelope_test: the spool's envelope format round-trips, and malformed
 * or truncated files are refused rather than half-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "queue/envelope.h"

static void
fill(struct envelope *e)
{
	envelope_init(e);
	strcpy(e->id, "0123456789ABCDEF01");
	e->created = 1795821890;
	strcpy(e->sender, "user@example.test");
	strcpy(e->helo, "client.example");
	strcpy(e->client, "127.0.0.1");
	strcpy(e->auth_user, "user@example.test");
	strcpy(e->listener, "submission");
	e->flags = 3;
	e->size = 4096;
	e->ret = DSN_RET_HDRS;
	strcpy(e->envid, "abc+2Bd");
	assert_int_equal(envelope_add_rcpt(e, "a@example.org"), 0);
	e->rcpt[0].notify = DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE;
	strcpy(e->rcpt[0].orcpt, "rfc822;a+2Bb@example.org");
	/* a value with a newline and spaces cannot forge a field */
	assert_int_equal(envelope_add_rcpt(e, "\"x\nrcpt 3 e@v\"@example.org"),
	    0);
}

static void
test_roundtrip(void **state)
{
	struct envelope	e, p;
	struct buf	b;
	char		err[128];

	fill(&e);
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	assert_int_equal(envelope_parse(&p, b.data, b.len, err, sizeof(err)),
	    0);
	assert_string_equal(p.id, e.id);
	assert_string_equal(p.sender, e.sender);
	assert_string_equal(p.helo, e.helo);
	assert_string_equal(p.auth_user, e.auth_user);
	assert_string_equal(p.listener, "submission");
	assert_int_equal(p.created, e.created);
	assert_int_equal(p.flags, 3);
	assert_int_equal(p.size, 4096);
	assert_int_equal(p.nrcpt, 2);
	assert_string_equal(p.rcpt[1].addr, "\"x\nrcpt 3 e@v\"@example.org");
	/* DSN parameters belong to the recipient line before them */
	assert_int_equal(p.ret, DSN_RET_HDRS);
	assert_string_equal(p.envid, "abc+2Bd");
	assert_int_equal(p.rcpt[0].notify, DSN_NOTIFY_SUCCESS |
	    DSN_NOTIFY_FAILURE);
	assert_string_equal(p.rcpt[0].orcpt, "rfc822;a+2Bb@example.org");
	assert_int_equal(p.rcpt[1].notify, 0);
	assert_string_equal(p.rcpt[1].orcpt, "");
	envelope_free(&p);
	envelope_free(&e);
	buf_free(&b);
}

/* The bytes on disk: "key LEN value\n", lengths and numbers in decimal. */
static void
test_format_bytes(void **state)
{
	struct envelope	e;
	struct buf	b;

	fill(&e);
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_non_null(strstr(b.data, "\nid 18 0123456789ABCDEF01\n"));
	assert_non_null(strstr(b.data, "\ncreated 10 1795821890\n"));
	assert_non_null(strstr(b.data, "\nsender 17 user@example.test\n"));
	assert_non_null(strstr(b.data, "\nsize 4 4096\n"));
	assert_non_null(strstr(b.data,
	    "\nrcpt 26 \"x\nrcpt 3 e@v\"@example.org\n"));
	assert_non_null(strstr(b.data, "\nnotify 1 6\n"));	/* 2 | 4 */
	envelope_free(&e);
	buf_free(&b);
}

/* envelope_copy: equal, and its own recipients */
static void
test_copy(void **state)
{
	struct envelope	e, c;
	struct buf	be, bc;

	fill(&e);
	assert_int_equal(envelope_copy(&c, &e), 0);
	buf_init(&be, 65536);
	buf_init(&bc, 65536);
	assert_int_equal(envelope_format(&e, &be), 0);
	assert_int_equal(envelope_format(&c, &bc), 0);
	assert_int_equal(be.len, bc.len);
	assert_memory_equal(be.data, bc.data, be.len);
	assert_ptr_not_equal(c.rcpt, e.rcpt);
	strcpy(c.rcpt[0].addr, "changed@example.org");
	assert_string_equal(e.rcpt[0].addr, "a@example.org");
	envelope_free(&c);
	envelope_free(&e);
	buf_free(&be);
	buf_free(&bc);
}

static void
test_null_sender(void **state)
{
	struct envelope	e, p;
	struct buf	b;
	char		err[128];

	fill(&e);
	e.sender[0] = '\0';
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	assert_int_equal(envelope_parse(&p, b.data, b.len, err, sizeof(err)),
	    0);
	assert_string_equal(p.sender, "");
	envelope_free(&p);
	envelope_free(&e);
	buf_free(&b);
}

static void
test_every_truncation_fails(void **state)
{
	struct envelope	e, p;
	struct buf	b;
	char		err[128];
	size_t		n;

	fill(&e);
	buf_init(&b, 65536);
	assert_int_equal(envelope_format(&e, &b), 0);
	for (n = 0; n < b.len; n++)
		assert_int_equal(envelope_parse(&p, b.data, n, err,
		    sizeof(err)), -1);
	/* and nothing may follow the end line */
	assert_int_equal(buf_appends(&b, "rcpt 1 z\n"), 0);
	assert_int_equal(envelope_parse(&p, b.data, b.len, err, sizeof(err)),
	    -1);
	envelope_free(&e);
	buf_free(&b);
}

static void
test_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"postern-envelope 2\nid 1 x\nrcpt 1 a\n",
		"postern-envelope 1\nid 1 x\nrcpt 1 a",
		"postern-envelope 1\nid 1 xrcpt 1 a\n",
		"postern-envelope 1\nid 2 x\nrcpt 1 a\nend 0 \n",
		"postern-envelope 1\nid x x\nrcpt 1 a\nend 0 \n",
		"postern-envelope 1\nbogus 1 x\nid 1 x\nrcpt 1 a\nend 0 \n",
		"postern-envelope 1\nid 1 x\nend 0 \n",
		"postern-envelope 1\nrcpt 1 a\nend 0 \n",
		"postern-envelope 1\nid 1 x\nrcpt 1 a\nsize 2 1x\nend 0 \n",
		"postern-envelope 1\nid 1 x\nrcpt 1 a\nflags 10 4294967296\nend 0 \n",
		"postern-envelope 1\nid 1 x\nrcpt 1 a\nsize 21 "
		    "184467440737095516160\nend 0 \n",
		"postern-envelope 1\nid 40 0123456789012345678901234567890123456789"
		    "\nrcpt 1 a\nend 0 \n",
		"postern-envelope 1\nid 1 x\nrcpt 1 a\nend 1 x\n",
	};
	struct envelope	p;
	char		err[128];
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(envelope_parse(&p, bad[i], strlen(bad[i]),
		    err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
	/* an embedded NUL in a value */
	assert_int_equal(envelope_parse(&p,
	    "postern-envelope 1\nid 3 a\0b\nrcpt 1 a\n", 38, err, sizeof(err)),
	    -1);
}

static void
test_trailer(void **state)
{
	char		t[ENVELOPE_TRAILER_LEN + 1];
	uint64_t	off, len;

	assert_int_equal(envelope_trailer(t, 4096, 200), 0);
	assert_int_equal(strlen(t), ENVELOPE_TRAILER_LEN);
	assert_int_equal(envelope_trailer_parse(t, 4096 + 200 +
	    ENVELOPE_TRAILER_LEN, &off, &len), 0);
	assert_int_equal(off, 4096);
	assert_int_equal(len, 200);
	/* a trailer that does not describe this very file is refused */
	assert_int_equal(envelope_trailer_parse(t, 4096 + 199 +
	    ENVELOPE_TRAILER_LEN, &off, &len), -1);
	assert_int_equal(envelope_trailer_parse(t, 10, &off, &len), -1);
	t[20] = 'x';
	assert_int_equal(envelope_trailer_parse(t, 4096 + 200 +
	    ENVELOPE_TRAILER_LEN, &off, &len), -1);
	assert_int_equal(envelope_trailer(t, 0, 0), 0);
	t[ENVELOPE_TRAILER_LEN - 1] = ' ';
	assert_int_equal(envelope_trailer_parse(t, ENVELOPE_TRAILER_LEN, &off,
	    &len), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_every_truncation_fails),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_trailer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
