/*
 * explain_bounce: explain every recipient of a bounce message (RFC 3464
 * DSN, or the common non-standard bounces of qmail, Exim, Gmail,
 * Microsoft, Yahoo), as text or JSON.  The bounce is read by
 * core/bounce_parse.h; each recipient's reply is explained by explain.c
 * (explain_int.h).
 *
 * Invariants: text from the input is printed with control characters
 * replaced, so a bounce cannot drive the terminal.
 *
 * Failure: garbage gives "no recipients found" (exit 1), never a crash;
 * an oversized input or a failed allocation gives -1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bounce_class.h"
#include "core/bounce_parse.h"
#include "core/reply.h"
#include "diag/explain.h"
#include "diag/explain_int.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"

static void	ex_prose_class_json(struct json *,
		    const struct bounce_report *, struct reply *);
static void	ex_prose_class_text(FILE *, const struct bounce_report *,
		    struct reply *);
static int	ex_bounce_print(const struct bounce_report *, FILE *, int);
static void	ex_rcpt_class_text(FILE *, const struct bounce_rcpt *);
static void	ex_rcpt_class_json(struct json *, const struct bounce_rcpt *);

/*
 * A recipient's reason, fault and hard/soft, as bounce_parse() found
 * them: what the queue acts on when the bounce arrives on the MX
 * (queue/local_dsn.c), never a second opinion.
 */
static void
ex_rcpt_class_text(FILE *out, const struct bounce_rcpt *r)
{
	if (r->failed)
		explain_class_print(out, 2, &r->class);
}

static void
ex_rcpt_class_json(struct json *j, const struct bounce_rcpt *r)
{
	if (r->failed)
		explain_class_put(j, &r->class);
}

/* No recipient found: the bounce's prose alone, as a 5xx failure. */
static void
ex_prose_class_json(struct json *j, const struct bounce_report *b,
    struct reply *rep)
{
	reply_init(rep);
	rep->code = 550;
	if (b->prose[0] != '\0')
		explain_class_json(j, rep, b->prose, NULL, b->cmd);
}

static void
ex_prose_class_text(FILE *out, const struct bounce_report *b, struct reply *rep)
{
	reply_init(rep);
	rep->code = 550;
	if (b->prose[0] != '\0')
		explain_class_text(out, 0, rep, b->prose, NULL, b->cmd);
}

static int
ex_bounce_print(const struct bounce_report *b, FILE *out, int json)
{
	struct reply	*rep;
	struct buf	 jb;
	struct json	 j;
	const struct bounce_rcpt *r;
	size_t		 i;
	int		 any = 0;

	if ((rep = malloc(sizeof(*rep))) == NULL)
		return -1;
	buf_init(&jb, EX_JSON_MAX);
	json_init(&j, &jb);
	if (json) {
		json_obj_begin(&j);
		json_kstr(&j, "format", b->format);
		json_key(&j, "recipients");
		json_arr_begin(&j);
	} else
		fprintf(out, "Bounce: %s, %zu recipient%s found\n", b->format,
		    b->n, b->n == 1 ? "" : "s");
	for (i = 0; i < b->n; i++) {
		r = &b->rcpts[i];
		*rep = r->reply;
		if (json) {
			json_obj_begin(&j);
			json_kstr(&j, "recipient", r->addr);
			json_kstr(&j, "action", r->action);
			json_kstr(&j, "status", r->status);
			json_kstr(&j, "remote_mta", r->remote_mta);
			json_kstr(&j, "diagnostic", r->diag);
			ex_rcpt_class_json(&j, r);
			any |= explain_out_json(&j, rep, r->diag);
			json_obj_end(&j);
			continue;
		}
		fprintf(out, "\nRecipient: ");
		explain_wrap(out, 11, "", r->addr[0] ? r->addr : "(not found)");
		if (r->action[0])
			explain_wrap(out, 14, "  Action:     ", r->action);
		if (r->status[0])
			explain_wrap(out, 14, "  Status:     ", r->status);
		if (r->remote_mta[0])
			explain_wrap(out, 14, "  Remote MTA: ", r->remote_mta);
		explain_wrap(out, 14, "  Diagnostic: ", r->diag[0] ? r->diag :
		    "(none found)");
		ex_rcpt_class_text(out, r);
		if (rep->code != 0 || rep->enhanced[0] != '\0')
			any |= explain_out_text(out, 2, rep, r->diag);
	}
	if (json) {
		json_arr_end(&j);
		if (b->n == 0)
			ex_prose_class_json(&j, b, rep);
		json_kbool(&j, "explained", any);
		json_obj_end(&j);
		(void)explain_json_flush(out, &jb, &j);
	} else if (b->n == 0) {
		fprintf(out, "No recipient or diagnostic found.\n");
		ex_prose_class_text(out, b, rep);
	}
	buf_free(&jb);
	free(rep);
	return any ? 0 : 1;
}

int
explain_bounce(const char *data, size_t len, FILE *out, int json)
{
	struct bounce_report	b;
	int			rc;

	rc = bounce_parse(data, len, &b) == -1 ? -1 :
	    ex_bounce_print(&b, out, json);
	bounce_report_free(&b);
	return rc;
}
