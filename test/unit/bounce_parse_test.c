/*
 * bounce_parse_test: the core bounce parser's API (core/bounce_parse.h)
 * on bounces of test/data/bounces/: an RFC 3464 DSN with two recipients
 * (a recipient fault and a sender block), a non-standard qmail bounce,
 * a Microsoft DSN with CRLF line ends, garbage and the size bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/bounce_class.h"
#include "core/bounce_parse.h"

#define BOUNCE_DIR	"test/data/bounces/"

static char *
slurp(const char *name, size_t *len)
{
	char	 path[256], *p;
	FILE	*f;
	long	 n;

	(void)snprintf(path, sizeof(path), BOUNCE_DIR "%s", name);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(p = malloc((size_t)n + 1));
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void
test_dsn_two_recipients(void **state)
{
	struct bounce_report	 r;
	const struct bounce_rcpt *a, *b;
	size_t			 len;
	char			*s = slurp("two-recipients-dsn.eml", &len);

	(void)state;
	assert_int_equal(bounce_parse(s, len, &r), 0);
	assert_true(r.dsn && r.known);
	assert_string_equal(r.format,
	    "RFC 3464 delivery status notification (Postfix)");
	assert_int_equal(r.n, 2);
	a = &r.rcpts[0];
	b = &r.rcpts[1];
	assert_string_equal(a->addr, "gone@remote.example");
	assert_string_equal(a->action, "failed");
	assert_string_equal(a->status, "5.1.1");
	assert_string_equal(a->remote_mta, "dns; in.remote.example");
	assert_int_equal(a->reply.code, 550);
	assert_string_equal(a->reply.enhanced, "5.1.1");
	assert_non_null(strstr(a->diag, "User unknown"));
	assert_int_equal(a->cmd, BOUNCE_CMD_RCPT);
	assert_true(a->failed);
	assert_int_equal(a->class.reason, BOUNCE_USERUNKNOWN);
	assert_int_equal(a->class.fault, BOUNCE_FAULT_RECIPIENT);
	assert_true(bounce_suppress(&a->class));
	assert_string_equal(b->addr, "fine@other.example");
	assert_string_equal(b->status, "5.7.1");
	assert_int_equal(b->class.reason, BOUNCE_BLOCKED);
	assert_int_equal(b->class.fault, BOUNCE_FAULT_SENDER);
	assert_false(bounce_suppress(&b->class));
	bounce_report_free(&r);
	free(s);
}

static void
test_qmail(void **state)
{
	struct bounce_report	r;
	size_t			len;
	char			*s = slurp("qmail.eml", &len);

	(void)state;
	assert_int_equal(bounce_parse(s, len, &r), 0);
	assert_false(r.dsn);
	assert_true(r.known);
	assert_string_equal(r.format, "qmail");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rcpts[0].addr, "dave@example.com");
	assert_int_equal(r.rcpts[0].reply.code, 552);
	assert_int_equal(r.rcpts[0].class.reason, BOUNCE_MAILBOXFULL);
	assert_int_equal(r.rcpts[0].class.fault, BOUNCE_FAULT_RECIPIENT);
	assert_false(r.rcpts[0].class.hard);
	assert_false(bounce_suppress(&r.rcpts[0].class));
	bounce_report_free(&r);
	free(s);
}

/* microsoft-ndr.eml has CRLF line ends, as a message on the wire. */
static void
test_microsoft_crlf(void **state)
{
	struct bounce_report	r;
	size_t			len;
	char			*s = slurp("microsoft-ndr.eml", &len);

	(void)state;
	assert_non_null(strstr(s, "\r\n"));
	assert_int_equal(bounce_parse(s, len, &r), 0);
	assert_true(r.dsn);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rcpts[0].addr, "grace@contoso.example");
	assert_string_equal(r.rcpts[0].status, "5.4.1");
	assert_int_equal(r.rcpts[0].class.reason, BOUNCE_USERUNKNOWN);
	assert_true(bounce_suppress(&r.rcpts[0].class));
	bounce_report_free(&r);
	free(s);
}

/*
 * An X-Unix diagnostic is a local agent's: its 5.1.1 (sysexits'
 * EX_NOUSER) does not make the address bad, its words may still say
 * what happened.
 */
static void
test_x_unix(void **state)
{
	static const char	fmt[] = "Content-Type: multipart/report; "
	    "boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfailed\n"
	    "--b\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: X-Unix; %s\n--b--\n";
	struct bounce_report	r;
	char			msg[1024];
	int			n;

	(void)state;
	n = snprintf(msg, sizeof(msg), fmt, "procmail: Couldn't create "
	    "\"/var/mail/a\": No such user");
	assert_int_equal(bounce_parse(msg, (size_t)n, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rcpts[0].diag_type, "X-Unix");
	assert_int_equal(r.rcpts[0].class.reason, BOUNCE_MAILERERROR);
	assert_false(bounce_suppress(&r.rcpts[0].class));
	bounce_report_free(&r);
	n = snprintf(msg, sizeof(msg), fmt, "Quota exceeded message "
	    "delivery failed");
	assert_int_equal(bounce_parse(msg, (size_t)n, &r), 0);
	assert_int_equal(r.rcpts[0].class.reason, BOUNCE_MAILBOXFULL);
	bounce_report_free(&r);
}

/* Amazon SES quotes the receiving server's reply after its own label. */
static void
test_relay_wrapper(void **state)
{
	static const char	msg[] = "Content-Type: multipart/report; "
	    "boundary=\"b\"\n\n--b\nContent-Type: message/delivery-status"
	    "\n\nReporting-MTA: dns; a1.smtp-out.amazonses.com\n\n"
	    "Final-Recipient: rfc822;a@example.org\nAction: failed\n"
	    "Status: 5.0.0 (permanent failure)\nDiagnostic-Code: smtp; "
	    "5.1.0 - Unknown address error 550-'5.7.1 <x@ses.example>... "
	    "Access denied' (delivery attempts: 0)\n--b--\n";
	struct bounce_report	r;

	(void)state;
	assert_int_equal(bounce_parse(msg, sizeof(msg) - 1, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rcpts[0].reply.code, 550);
	assert_string_equal(r.rcpts[0].reply.enhanced, "5.7.1");
	assert_int_equal(r.rcpts[0].class.fault, BOUNCE_FAULT_SENDER);
	assert_false(bounce_suppress(&r.rcpts[0].class));
	bounce_report_free(&r);
}

/* A gateway's bounce that says nothing, returning the real bounce. */
static void
test_returned_bounce(void **state)
{
	static const char	msg[] = "Content-Type: multipart/mixed; "
	    "boundary=\"o\"\n\n--o\nContent-Type: text/plain\n\n"
	    "The following mail could not be delivered.\n--o\n"
	    "Content-Type: message/rfc822\n\n"
	    "Content-Type: multipart/report; boundary=\"i\"\n\n--i\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example\n\n"
	    "Final-Recipient: rfc822; a@example.org\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n"
	    "--i--\n--o--\n";
	struct bounce_report	r;

	(void)state;
	assert_int_equal(bounce_parse(msg, sizeof(msg) - 1, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rcpts[0].addr, "a@example.org");
	assert_int_equal(r.rcpts[0].class.reason, BOUNCE_USERUNKNOWN);
	assert_non_null(strstr(r.format, "returned in a bounce"));
	bounce_report_free(&r);
}

static void
test_garbage_and_bound(void **state)
{
	struct bounce_report	r;
	static const char	g[] = "\0\0--\n--\nContent-Type: multipart/x;"
				    " boundary=\"\"\n\n--\n--\n";

	(void)state;
	assert_int_equal(bounce_parse(g, sizeof(g) - 1, &r), 0);
	assert_false(r.dsn || r.known);
	assert_int_equal(r.n, 0);
	bounce_report_free(&r);
	assert_int_equal(bounce_parse(g, (size_t)BOUNCE_PARSE_MAX + 1, &r),
	    -1);
	bounce_report_free(&r);
	assert_int_equal(bounce_parse("", 0, &r), 0);
	assert_int_equal(r.n, 0);
	bounce_report_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn_two_recipients),
		cmocka_unit_test(test_qmail),
		cmocka_unit_test(test_microsoft_crlf),
		cmocka_unit_test(test_x_unix),
		cmocka_unit_test(test_relay_wrapper),
		cmocka_unit_test(test_returned_bounce),
		cmocka_unit_test(test_garbage_and_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
