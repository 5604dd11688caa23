/*
 * fuzz_bounce: libFuzzer harness for what the MX reads from strangers
 * in bounces and complaints: the bounce parser and classifier
 * (core/bounce_parse.c, bounce_scan.c, bounce_text.c, bounce_class.c)
 * and the ARF reader (core/arf.c).  Both run on every DSN and feedback
 * report that reaches a local mailbox (queue/local_dsn.c, local_arf.c).
 *
 * Input: the whole buffer is one message, parsed by both.  Checks:
 *  - bounce_parse returns 0 (the input is under its bound), at most
 *    BOUNCE_RCPT_MAX recipients, every string field NUL-terminated
 *    inside its array, a failed recipient's class within the enums
 *    with a rule, hard only for a recipient's fault, and the names of
 *    reason, fault and command defined;
 *  - a second parse of the same bytes gives the same recipients and
 *    classes (nothing depends on memory left from before);
 *  - arf_parse returns 0 with NUL-terminated fields, and as many
 *    Received lines in its buffer as it counts;
 *  - arf_header_is_report never reads past len (a prefix of the input).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arf.h"
#include "core/bounce_class.h"
#include "core/bounce_parse.h"

#define TERMINATED(a)	assert(memchr((a), '\0', sizeof(a)) != NULL)

static void
check_class(const struct bounce_class *c)
{
	assert((unsigned)c->reason < BOUNCE_NREASONS);
	assert(c->fault == BOUNCE_FAULT_UNKNOWN ||
	    c->fault == BOUNCE_FAULT_RECIPIENT ||
	    c->fault == BOUNCE_FAULT_SENDER);
	assert(!c->hard || c->fault == BOUNCE_FAULT_RECIPIENT);
	assert(bounce_reason_name(c->reason) != NULL);
	assert(bounce_fault_name(c->fault) != NULL);
	assert(!bounce_suppress(c) || c->hard);
}

static void
check_bounce(const char *data, size_t len)
{
	struct bounce_report	 r, again;
	size_t			 i;

	assert(bounce_parse(data, len, &r) == 0);
	assert(bounce_parse(data, len, &again) == 0);
	assert(again.n == r.n);
	assert(r.n <= BOUNCE_RCPT_MAX);
	assert(r.n == 0 || r.rcpts != NULL);
	TERMINATED(r.prose);
	assert(bounce_cmd_name(r.cmd) != NULL);
	for (i = 0; i < r.n; i++) {
		const struct bounce_rcpt *rc = &r.rcpts[i];

		TERMINATED(rc->addr);
		TERMINATED(rc->action);
		TERMINATED(rc->status);
		TERMINATED(rc->remote_mta);
		TERMINATED(rc->diag);
		TERMINATED(rc->diag_type);
		TERMINATED(rc->reply.enhanced);
		TERMINATED(rc->reply.text);
		assert(bounce_cmd_name(rc->cmd) != NULL);
		assert(strcmp(rc->addr, again.rcpts[i].addr) == 0);
		assert(rc->failed == again.rcpts[i].failed);
		if (!rc->failed)
			continue;
		check_class(&rc->class);
		assert(rc->class.rule != NULL);
		assert(again.rcpts[i].class.reason == rc->class.reason);
		assert(again.rcpts[i].class.hard == rc->class.hard);
	}
	bounce_report_free(&again);
	bounce_report_free(&r);
}

static void
check_arf(const char *data, size_t len)
{
	struct arf_report	 a;
	size_t			 i, lines = 0;

	(void)arf_header_is_report(data, len);
	(void)arf_header_is_report(data, len / 2);
	assert(arf_parse(data, len, &a) == 0);
	TERMINATED(a.type);
	TERMINATED(a.mail_from);
	TERMINATED(a.reporter);
	TERMINATED(a.from);
	assert(a.nreceived <= ARF_RECEIVED_MAX);
	for (i = 0; i < a.received.len; i++)
		lines += a.received.data[i] == '\n';
	assert(lines == a.nreceived);
	arf_report_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*copy;

	/* an exactly sized block: a read past the end is caught */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	check_bounce(copy, size);
	check_arf(copy, size);
	free(copy);
	return 0;
}
