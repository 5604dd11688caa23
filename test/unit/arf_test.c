/*
 * arf_test: the core ARF parser (core/arf.h) on the reports of
 * test/data/arf/: an abuse report returning the whole message (LF and
 * CRLF), one returning only its header with no Original-Mail-From, a
 * not-spam report, other mail, garbage and the size bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arf.h"

#define ARF_DIR	"test/data/arf/"

static char *
slurp(const char *name, size_t *len, int crlf)
{
	char	 path[256], *p, *q;
	FILE	*f;
	long	 n, i;

	(void)snprintf(path, sizeof(path), ARF_DIR "%s", name);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(p = malloc((size_t)n * 2 + 1));
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (crlf) {
		assert_non_null(q = malloc((size_t)n * 2 + 1));
		for (i = 0, *len = 0; i < n; i++) {
			if (p[i] == '\n')
				q[(*len)++] = '\r';
			q[(*len)++] = p[i];
		}
		free(p);
		q[*len] = '\0';
		return q;
	}
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static void
abuse(int crlf)
{
	struct arf_report	 r;
	size_t			 len;
	char			*s = slurp("abuse.eml", &len, crlf);

	assert_int_equal(arf_header_is_report(s, len), 1);
	assert_int_equal(arf_parse(s, len, &r), 0);
	assert_true(r.feedback && r.returned);
	assert_string_equal(r.type, "abuse");
	assert_string_equal(r.mail_from, "user@example.test");
	assert_string_equal(r.reporter, "fbl.receiver.example");
	assert_string_equal(r.from, "user@example.test");
	assert_int_equal(r.nreceived, 2);
	assert_non_null(strstr(buf_str(&r.received), "from mail.example.test "
	    "(mail.example.test [192.0.2.1]) by in.receiver.example with "
	    "ESMTPS id 77AA; Mon, 07 Dec 2026 06:01:00 +0000\n"));
	assert_non_null(strstr(buf_str(&r.received), "(Postern) with ESMTPSA "
	    "id 0123456789ABCDEF01;"));
	arf_report_free(&r);
	free(s);
}

static void
test_abuse_lf(void **state)
{
	(void)state;
	abuse(0);
}

static void
test_abuse_crlf(void **state)
{
	(void)state;
	abuse(1);
}

static void
test_headers_only(void **state)
{
	struct arf_report	 r;
	size_t			 len;
	char			*s = slurp("headers-only.eml", &len, 1);

	(void)state;
	assert_int_equal(arf_parse(s, len, &r), 0);
	assert_true(r.feedback && r.returned);
	assert_string_equal(r.type, "abuse");
	assert_string_equal(r.mail_from, "");
	assert_string_equal(r.reporter, "complaints@jmrp.receiver.example");
	assert_string_equal(r.from, "other@example.test");
	assert_int_equal(r.nreceived, 1);
	assert_non_null(strstr(buf_str(&r.received), "(Postern) with ESMTPSA "
	    "id FEDCBA987654321001;"));
	arf_report_free(&r);
	free(s);
}

static void
test_not_spam(void **state)
{
	struct arf_report	 r;
	size_t			 len;
	char			*s = slurp("not-spam.eml", &len, 0);

	(void)state;
	assert_int_equal(arf_parse(s, len, &r), 0);
	assert_true(r.feedback && r.returned);
	assert_string_equal(r.type, "not-spam");
	assert_string_equal(r.from, "user@example.test");
	assert_string_equal(r.reporter, "fbl@feedback.receiver.example");
	arf_report_free(&r);
	free(s);
}

static void
test_other_mail_garbage_and_bound(void **state)
{
	struct arf_report	r;
	static const char	dsn[] = "From: a@b.example\nContent-Type: "
				    "multipart/report; report-type=delivery-"
				    "status; boundary=x\n\n--x\nContent-Type: "
				    "message/feedback-report\n\nFeedback-Type: "
				    "abuse\n--x--\n";
	static const char	bare[] = "Content-Type: multipart/report; "
				    "report-type=feedback-report; boundary=x"
				    "\n\n--x\nContent-Type: message/rfc822\n\n"
				    "From: u@example.test\n--x--\n";
	static const char	g[] = "\0\0--\n--\nContent-Type: multipart/"
				    "report; report-type=feedback-report; "
				    "boundary=\"\"\n\n--\n--\n";

	(void)state;
	assert_int_equal(arf_header_is_report(dsn, sizeof(dsn) - 1), 0);
	assert_int_equal(arf_parse(dsn, sizeof(dsn) - 1, &r), 0);
	assert_false(r.feedback);
	arf_report_free(&r);
	/* no feedback-report part: not a report, whatever it returns */
	assert_int_equal(arf_parse(bare, sizeof(bare) - 1, &r), 0);
	assert_false(r.feedback);
	assert_string_equal(r.type, "");
	arf_report_free(&r);
	assert_int_equal(arf_parse(g, sizeof(g) - 1, &r), 0);
	assert_false(r.feedback);
	arf_report_free(&r);
	assert_int_equal(arf_parse("", 0, &r), 0);
	assert_false(r.feedback);
	arf_report_free(&r);
	assert_int_equal(arf_parse(g, (size_t)ARF_PARSE_MAX + 1, &r), -1);
	arf_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abuse_lf),
		cmocka_unit_test(test_abuse_crlf),
		cmocka_unit_test(test_headers_only),
		cmocka_unit_test(test_not_spam),
		cmocka_unit_test(test_other_mail_garbage_and_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
