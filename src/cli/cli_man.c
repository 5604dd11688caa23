/*
 * cli_man: postern(8), the manual of the commands.  The COMMANDS section
 * is made from the usage lines of main.c's command table (each line:
 * synopsis, two or more blanks, description; a line that starts with
 * blanks continues the description), so `postern` and its manual list
 * the same commands; the other sections are written here.
 *
 * Failure: cli_man8() returns -1 when the stream reports an error.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/roff.h"

static void	man_command(FILE *, const char *);

static const char man_head[] =
    ".SH NAME\n"
    "postern \\- mail server for sending mailboxes\n"
    ".SH SYNOPSIS\n"
    ".B postern\n"
    ".RB [ \\-d\n"
    ".IR DIR ]\n"
    ".I command\n"
    ".RI [ arguments ]\n"
    ".SH DESCRIPTION\n"
    ".B postern\n"
    "is an SMTP submission and MX server with an account store, a durable\n"
    "queue and delivery, IMAP through Dovecot, and the commands that\n"
    "provision and inspect it.\n"
    ".B postern serve\n"
    "runs the server in the foreground: a privileged parent binds the\n"
    "ports and reads the TLS keys, then runs the auth, queue and smtp\n"
    "processes as the unprivileged \\fBuser\\fR (the smtp process chrooted\n"
    "into \\fIDIR/empty\\fR) and an IMAP supervisor for Dovecot.\n"
    "Every command works on the data directory \\fIDIR\\fR:\n"
    "\\fB\\-d\\fR \\fIDIR\\fR, else \\fB$POSTERN_DIR\\fR, else\n"
    "\\fI/var/lib/postern\\fR.  Run a command without arguments for its\n"
    "usage.\n"
    ".SH COMMANDS\n";

static const char man_tail[] =
    ".SH SIGNALS\n"
    "Sent to the parent process of \\fBpostern serve\\fR:\n"
    ".TP\n"
    ".BR SIGTERM ,\\ SIGINT\n"
    "stop: new connections are refused, idle sessions get 421, messages in\n"
    "flight may finish within \\fBshutdown_grace\\fR.\n"
    ".TP\n"
    ".B SIGHUP\n"
    "reload: read the certificates in \\fIDIR/certs\\fR again for new\n"
    "sessions (open sessions keep theirs), have Dovecot do the same,\n"
    "apply the SMTP limits and timeouts \\fBpostern.conf\\fR(5) lists\n"
    "under RELOAD, and log each other key that changed, which needs a\n"
    "restart.\n"
    "Logged as \"reload: certificates for N names\".\n"
    ".SH ENVIRONMENT\n"
    ".TP\n"
    ".B POSTERN_DIR\n"
    "the data directory when \\fB\\-d\\fR is not given.\n"
    ".TP\n"
    ".B NOTIFY_SOCKET\n"
    "set by systemd for \\fBType=notify\\fR: \\fBserve\\fR sends READY=1 once\n"
    "the ports accept, RELOADING=1 and READY=1 around a reload, and\n"
    "STOPPING=1.\n"
    ".SH FILES\n"
    ".TP\n"
    ".I DIR/postern.conf\n"
    "the configuration, see \\fBpostern.conf\\fR(5).\n"
    ".TP\n"
    ".I DIR/certs/NAME/fullchain.pem\\fR, \\fIprivkey.pem\n"
    "certificates, chosen by SNI; \\fINAME\\fR = \\fBhostname\\fR is the\n"
    "default.\n"
    ".TP\n"
    ".I DIR/db/postern.db\n"
    "the account store (SQLite).\n"
    ".TP\n"
    ".I DIR/spool/queue\n"
    "the queue: one file per message.\n"
    ".TP\n"
    ".I DIR/mail\n"
    "the local mailboxes (Maildir).\n"
    ".SH EXIT STATUS\n"
    "0 on success; 1 when a command fails, and when \\fBserve\\fR stopped\n"
    "after a failure (a process died); 2 on a usage error.\n"
    ".SH SEE ALSO\n"
    ".BR postern.conf (5),\n"
    ".BR dovecot (1),\n"
    ".BR systemd.service (5)\n";

/* One usage text of the command table: .TP tag lines, then text. */
static void
man_command(FILE *f, const char *help)
{
	const char	*line, *end, *gap;
	int		 tagged = 0;

	for (line = help; *line != '\0'; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		if (line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
			/* "  synopsis   description" */
			line += 2;
			gap = strstr(line, "  ");
			if (gap == NULL || gap > end)
				gap = end;
			fputs(tagged ? ".TQ\n.B " : ".TP\n.B ", f);
			roff_textn(f, line, (size_t)(gap - line));
			fputc('\n', f);
			tagged = 1;
			line = gap;
		}
		line += strspn(line, " ");
		if (line < end) {
			roff_textn(f, line, (size_t)(end - line));
			fputc('\n', f);
		}
	}
}

int
cli_man8(FILE *f, const char *const *helps, size_t n, const char *version,
    const char *date)
{
	size_t	i;

	fprintf(f, ".TH POSTERN 8 \"%s\" \"postern %s\" "
	    "\"System Manager's Manual\"\n", date, version);
	fputs(man_head, f);
	for (i = 0; i < n; i++)
		man_command(f, helps[i]);
	fputs(man_tail, f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
