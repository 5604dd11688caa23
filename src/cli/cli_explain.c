/*
 * cli_explain: the `postern explain` command (explain.h).
 *
 *	postern explain [--json] REPLY...
 *	postern explain [--json] --bounce FILE	("-" reads stdin)
 *
 * REPLY arguments are joined with spaces, so the reply needs no quotes.
 * The bounce is read whole, up to EXPLAIN_BOUNCE_MAX; a larger input is
 * refused rather than cut, since a cut message could be misread.
 * Exit: 0 explained, 1 not explained or unreadable, 2 usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_holds.h"
#include "diag/explain.h"
#include "lib/buf.h"

#define CLI_EXPLAIN_ARGS_MAX	65536

static int	cli_explain_usage(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	cli_explain_read(const char *, struct buf *);

/* A usage error: "postern: explain: REASON", then the usage; 2. */
static int
cli_explain_usage(const char *fmt, ...)
{
	va_list	ap;

	fputs("postern: explain: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr,
	    "\nusage: postern explain [--json] REPLY...\n"
	    "       postern explain [--json] --bounce FILE   (- for stdin)\n"
	    "e.g.   postern explain 530\n"
	    "       postern explain 550 5.7.26 Unauthenticated email ...\n"
	    "       postern explain 'Error: Invalid login: 535 5.7.8 ...'   "
	    "(a platform's whole line)\n");
	return 2;
}

/* Read all of path (or stdin) into b; -1 with a message on failure. */
static int
cli_explain_read(const char *path, struct buf *b)
{
	FILE	*f;
	char	 chunk[8192];
	size_t	 n;
	int	 rc = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "postern explain: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) == -1) {
			fprintf(stderr, "postern explain: %s: larger than "
			    "%d bytes, refused\n", path, EXPLAIN_BOUNCE_MAX);
			rc = -1;
		}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "postern explain: %s: read error\n", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

int
cli_explain(const char *datadir, int argc, char **argv)
{
	struct buf	 b;
	const char	*bounce = NULL;
	int		 i, json = 0, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--bounce") == 0 && i + 1 == argc)
			return cli_explain_usage("--bounce needs a FILE (- for "
			    "stdin)");
		else if (strcmp(argv[i], "--bounce") == 0)
			bounce = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_explain_usage("unknown option '%.64s'",
			    argv[i]);
		else
			break;
	}
	if (bounce != NULL && i < argc)
		return cli_explain_usage("give a REPLY or --bounce FILE, not "
		    "both ('%.64s')", argv[i]);
	if (bounce == NULL && i == argc)
		return cli_explain_usage("give an SMTP reply (e.g. 550 5.7.1 "
		    "...), an IMAP response (e.g. NO [AUTHENTICATIONFAILED] "
		    "...), a platform's error line or --bounce FILE");
	if (bounce != NULL) {
		buf_init(&b, EXPLAIN_BOUNCE_MAX);
		if (cli_explain_read(bounce, &b) == -1) {
			buf_free(&b);
			return 1;
		}
		rc = explain_bounce(buf_str(&b), b.len, stdout, json);
		buf_free(&b);
		if (rc == -1)
			fprintf(stderr, "postern explain: out of memory\n");
		return rc == 0 ? 0 : 1;
	}
	buf_init(&b, CLI_EXPLAIN_ARGS_MAX);
	for (; i < argc; i++)
		if ((b.len > 0 && buf_append(&b, " ", 1) == -1) ||
		    buf_appends(&b, argv[i]) == -1) {
			buf_free(&b);
			return cli_explain_usage("the reply is longer than %d "
			    "bytes", CLI_EXPLAIN_ARGS_MAX);
		}
	rc = explain_reply_text(buf_str(&b), stdout, json);
	if (!json && datadir != NULL)
		cli_holds_explain(datadir, buf_str(&b));
	buf_free(&b);
	return rc;
}
