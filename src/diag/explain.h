/*
 * explain: `postern explain`.  Explain an SMTP reply ("530", "550 5.7.26
 * text...") or every recipient of a bounce message (RFC 3464 DSN, or the
 * common non-standard bounces of qmail, Exim, Gmail, Microsoft, Yahoo)
 * from the knowledge base (kb.h), as text or JSON (json.h).
 */
#ifndef POSTERN_EXPLAIN_H
#define POSTERN_EXPLAIN_H

#include <stddef.h>
#include <stdio.h>

#include "core/bounce_parse.h"

#define EXPLAIN_BOUNCE_MAX	BOUNCE_PARSE_MAX	/* input bound */
#define EXPLAIN_RCPT_MAX	BOUNCE_RCPT_MAX	/* recipients reported */

/*
 * Explain one reply.  0 when the knowledge base explains it, 1 when
 * nothing matches (what the class and subject digits say is still
 * printed) or the text holds no reply at all.
 */
int	explain_reply_text(const char *reply, FILE *out, int json);

/*
 * Explain a bounce: 0 when at least one recipient's failure is explained,
 * 1 when no recipient or nothing explainable was found, -1 when the input
 * is refused (larger than EXPLAIN_BOUNCE_MAX) or memory runs out.
 */
int	explain_bounce(const char *data, size_t len, FILE *out, int json);

/*
 * The command line: `postern explain [--json] REPLY...` (arguments joined
 * with spaces) or `postern explain [--json] --bounce FILE` ("-" is
 * stdin).  argv[0] is the first argument after "explain".  Exit status:
 * 0 explained, 1 not explained or unreadable, 2 usage.
 */
int	cli_explain(const char *datadir, int argc, char **argv);

struct json;
struct kb_entry;

/* One knowledge-base entry, for other commands' output (check). */
void	explain_entry_text(FILE *, int indent, const char *label,
	    const struct kb_entry *);
void	explain_entry_json(struct json *, const char *kind,
	    const struct kb_entry *);

#endif
