/*
 * fuzz_reply: libFuzzer harness for what remote servers say to postern
 * as a client: SMTP replies (core/reply.c, read by outbound delivery,
 * `postern check` and the bounce parser), their classification
 * (core/bounce_class.c) and IMAP responses (diag/check_imap_parse.c,
 * read by `postern check --imap`).
 *
 * Input: byte 0 chooses a command for the classifier; the rest is split
 * into lines at LF (CR dropped, as the line readers do), each in an
 * exactly sized heap block.  Checks:
 *  - reply_add_line: once it returns 1 or -1 the reply is not fed more;
 *    the code stays 0 or 200..599 and the same for every line, text and
 *    enhanced code stay NUL-terminated in their arrays, and an enhanced
 *    code kept is well formed (reply_valid_enhanced);
 *  - the complete reply classifies (bounce_classify_cmd) into values
 *    within the enums, hard only for the recipient's fault, and
 *    bounce_command on its text names a known command;
 *  - reply_parse_text on the whole input (as a person would paste it)
 *    keeps the same bounds;
 *  - each line, read as an IMAP response and as LIST and NAMESPACE
 *    arguments: fields NUL-terminated, pointers inside the line.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounce_class.h"
#include "core/reply.h"
#include "diag/check_imap_parse.h"

#define TERMINATED(a)	assert(memchr((a), '\0', sizeof(a)) != NULL)

static void
check_reply(const struct reply *r)
{
	TERMINATED(r->text);
	TERMINATED(r->enhanced);
	assert(r->code == 0 || (r->code >= 200 && r->code <= 599));
	if (r->enhanced[0] != '\0')
		assert(reply_valid_enhanced(r->enhanced));
}

static void
check_class(const struct reply *r, enum bounce_cmd cmd)
{
	struct bounce_class	c;

	bounce_classify_cmd(r->code, r->enhanced, r->text, "mx.example.com",
	    cmd, &c);
	assert((unsigned)c.reason < BOUNCE_NREASONS);
	assert(!c.hard || c.fault == BOUNCE_FAULT_RECIPIENT);
	assert(c.rule != NULL);
	assert(bounce_cmd_name(bounce_command(r->text,
	    strlen(r->text))) != NULL);
}

static void
check_imap(const char *s, size_t n)
{
	struct imap_line	l;
	struct imap_mailbox	mb;
	char			prefix[64], delim, q[80];

	if (check_imap_parse(s, n, &l) == 0) {
		TERMINATED(l.tag);
		TERMINATED(l.keyword);
		TERMINATED(l.code);
		if (l.code_args != NULL)
			assert(l.code_args >= s &&
			    l.code_args + l.code_argslen <= s + n);
		if (l.rest != NULL)
			assert(l.rest >= s && l.rest + l.restlen <= s + n);
	}
	(void)check_imap_caps(s, n);
	if (check_imap_list(s, n, &mb) == 0)
		TERMINATED(mb.name);
	if (check_imap_namespace(s, n, prefix, sizeof(prefix), &delim) == 0)
		TERMINATED(prefix);
	if (check_imap_quote(s, n, q, sizeof(q)) == 0)
		TERMINATED(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum bounce_cmd cmds[] = { BOUNCE_CMD_ANY,
	    BOUNCE_CMD_UNKNOWN, BOUNCE_CMD_CONN, BOUNCE_CMD_MAIL,
	    BOUNCE_CMD_RCPT, BOUNCE_CMD_DATA };
	struct reply	*r;
	const uint8_t	*p, *end, *nl;
	enum bounce_cmd	 cmd;
	char		*all, *line;
	size_t		 n, k;
	int		 st = 0, first = 0;

	if (size < 1)
		return 0;
	cmd = cmds[data[0] % (sizeof(cmds) / sizeof(cmds[0]))];
	if ((r = malloc(sizeof(*r))) == NULL)
		return 0;
	reply_init(r);
	for (p = data + 1, end = data + size; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if ((line = malloc(n + 1)) == NULL)
			break;
		for (k = 0; p < nl; p++)
			if (*p != '\r')
				line[k++] = (char)*p;
		line[k] = '\0';
		if (st == 0) {
			st = reply_add_line(r, line, k);
			assert(st >= -1 && st <= 1);
			check_reply(r);
			if (first == 0)
				first = r->code;
			assert(r->code == first || st == -1);
			if (st == 1) {
				assert(r->complete);
				check_class(r, cmd);
			}
		}
		check_imap(line, k);
		free(line);
	}
	/* the whole input, pasted */
	if ((all = malloc(size)) != NULL) {
		memcpy(all, data + 1, size - 1);
		all[size - 1] = '\0';
		reply_init(r);
		if (reply_parse_text(r, all) == 0) {
			check_reply(r);
			check_class(r, cmd);
		}
		free(all);
	}
	free(r);
	return 0;
}
