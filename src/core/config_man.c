/*
 * config_man: postern.conf(5), written from the key table itself
 * (config_keys[]: each row's group, description and default), so the
 * manual cannot name a key the parser does not know or miss one it
 * does.  The prose around the keys is here; the keys are not.
 *
 * Failure: config_man() returns -1 when the stream reports an error.
 */
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/config_int.h"
#include "lib/roff.h"

static void	man_key(FILE *, const struct config_key *);
static void	man_reload_keys(FILE *);

static const char man_head[] =
    ".SH NAME\n"
    "postern.conf \\- configuration file of the postern mail server\n"
    ".SH SYNOPSIS\n"
    ".I DIR\\fB/postern.conf\\fR\n"
    ".SH DESCRIPTION\n"
    ".B postern serve\n"
    "reads\n"
    ".I DIR/postern.conf\n"
    "at start; \\fBpostern init\\fR writes one.\n"
    "One \\fIkey\\fR = \\fIvalue\\fR per line; lines whose first non\\-blank\n"
    "character is # are comments; blank lines are ignored.\n"
    "Every key is optional and may appear once; an unknown key is an\n"
    "error.  A bad line stops \\fBserve\\fR with \\fIFILE:LINE: reason\\fR.\n"
    ".PP\n"
    "Durations are an integer with an optional unit ms, s, m, h or d (a\n"
    "bare number is seconds).  Sizes take an optional K, M or G (powers\n"
    "of 1024).  A listener value is one or more \\fIADDR:PORT\\fR or\n"
    "\\fI[IPv6]:PORT\\fR, separated by spaces, numeric addresses only; an\n"
    "empty value disables that listener.\n"
    ".SH KEYS\n";

static const char man_reload[] =
    ".SH RELOAD\n"
    "On SIGHUP (\\fBsystemctl reload postern\\fR) the server reads the\n"
    "certificates in \\fIDIR/certs\\fR again: sessions that start after the\n"
    "reload get the new ones, open sessions keep theirs; Dovecot reloads\n"
    "them too.  It reads this file again as well.  These keys take their\n"
    "new value for sessions and commands that start after the reload:\n";

static const char man_restart[] =
    "Every other key needs a restart (each process took its copy at\n"
    "start); the reload logs each one that changed (\"reload: KEY changed\n"
    "in postern.conf: restart to apply it\").  A file that does not parse\n"
    "is logged and nothing of it is applied.\n";

static const char man_tail[] =
    ".SH FILES\n"
    ".TP\n"
    ".I DIR/postern.conf\n"
    "this file; \\fIDIR\\fR is \\fB/var/lib/postern\\fR unless\n"
    "\\fB\\-d\\fR or \\fBPOSTERN_DIR\\fR says otherwise.\n"
    ".TP\n"
    ".I DIR/certs/NAME/fullchain.pem\\fR, \\fIprivkey.pem\n"
    "a certificate and its key; \\fINAME\\fR = \\fBhostname\\fR is the\n"
    "default.\n"
    ".SH SEE ALSO\n"
    ".BR postern (8)\n";

static void
man_key(FILE *f, const struct config_key *k)
{
	fputs(".TP\n.B ", f);
	roff_text(f, k->name);
	fputc('\n', f);
	roff_text(f, k->doc);
	fputs(".\n.br\nDefault: ", f);
	if (k->def == NULL)
		fputs("computed at start, see above", f);
	else if (*k->def == '\0')
		fputs("empty", f);
	else {
		fputs("\\fB", f);
		roff_text(f, k->def);
		fputs("\\fR", f);
	}
	fputs(".\n", f);
	if (k->flags & CONFIG_RELOAD)
		fputs(".br\nA reload (SIGHUP) applies it.\n", f);
}

/* The RELOAD section: its list of keys is the table's. */
static void
man_reload_keys(FILE *f)
{
	size_t	i, n = 0, last = 0;

	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].flags & CONFIG_RELOAD) {
			n++;
			last = i;
		}
	fputs(man_reload, f);
	for (i = 0; i < config_nkeys; i++)
		if (config_keys[i].flags & CONFIG_RELOAD) {
			fputs(".BR ", f);
			roff_text(f, config_keys[i].name);
			fputs(i == last ? " .\n" : " ,\n", f);
		}
	fputs(n > 0 ? ".PP\n" : "", f);
	fputs(man_restart, f);
}

int
config_man(FILE *f, const char *version, const char *date)
{
	size_t	g, i;

	fprintf(f, ".TH POSTERN.CONF 5 \"%s\" \"postern %s\" "
	    "\"File Formats Manual\"\n", date, version);
	fputs(man_head, f);
	for (g = 0; g < CG_COUNT; g++) {
		fprintf(f, ".SS %s\n", config_group_titles[g]);
		for (i = 0; i < config_nkeys; i++)
			if (config_keys[i].group == g)
				man_key(f, &config_keys[i]);
	}
	man_reload_keys(f);
	fputs(man_tail, f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
