/*
 * cli_account: `postern domain|alias ...`; `postern mailbox` is in
 * cli_mailbox.c, the frame both use (subcommand tables, output tables,
 * JSON, errors) in subcmd.c.  Output is an aligned table (or key: value
 * lines for show) by default and JSON with --json.  Every error names
 * the object and the reason and exits 1; a usage error first says what
 * was wrong, then shows the usage, and exits 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/passwd_file.h"
#include "core/provision_fmt.h"
#include "cli/subcmd.h"
#include "core/config.h"
#include "core/password.h"
#include "core/smtp_parse.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "store/store.h"

/* --- domain ------------------------------------------------------------- */

static const char *
host_match_text(int v)
{
	return v == 1 ? "yes" : v == 0 ? "no" : "default";
}

/* --dkim rsa|ed25519|both|none: which keys a new domain gets. */
static const struct {
	const char	*name;
	const char	*algs[2];
} dkim_choices[] = {
	{ "rsa", { "rsa", NULL } },
	{ "ed25519", { "ed25519", NULL } },
	{ "both", { "rsa", "ed25519" } },
	{ "none", { NULL, NULL } },
};

/*
 * The domain and its DKIM keys in one transaction, so a domain never
 * exists half made.  A new domain has no keys, so each one is active.
 */
static int
domain_add(struct store *st, char **a, int json)
{
	struct store_dkim_key	k[2];
	const char		*choice = a[1] != NULL ? a[2] : "rsa";
	char			d[STORE_ADDR_MAX + 1];
	size_t			c, i;

	if (a[1] != NULL && strcmp(a[1], "--dkim") != 0)
		return subcmd_usage_error("domain", "add", "too many arguments "
		    "('%.64s')", a[1]);
	if (choice == NULL)
		return subcmd_usage_error("domain", "add",
		    "--dkim needs a value "
		    "(rsa, ed25519, both, none)");
	for (c = 0; c < sizeof(dkim_choices) / sizeof(dkim_choices[0]); c++)
		if (strcmp(choice, dkim_choices[c].name) == 0)
			break;
	if (c == sizeof(dkim_choices) / sizeof(dkim_choices[0]))
		return subcmd_usage_error("domain", "add",
		    "--dkim '%.64s': not rsa, "
		    "ed25519, both or none", choice);
	if (!smtp_valid_domain(a[0]) ||
	    util_strlcpy(d, a[0], sizeof(d)) == -1) {
		fprintf(stderr, "postern: domain %s: not a valid domain name\n",
		    a[0]);
		return 1;
	}
	util_lower(d);
	if (store_begin(st) != STORE_OK)
		return subcmd_store_fail(st, "domain", d, STORE_ERR);
	if (subcmd_store_fail(st, "domain", d, store_domain_add(st, d)))
		goto fail;
	for (i = 0; i < 2 && dkim_choices[c].algs[i] != NULL; i++)
		if (cli_dkim_create(st, d, dkim_choices[c].algs[i], 0, NULL,
		    &k[i]) == -1)
			goto fail;
	if (store_commit(st) != STORE_OK) {
		subcmd_store_fail(st, "domain", d, STORE_ERR);
		goto fail;
	}
	printf("postern: domain %s added\n", d);
	for (i = 0; i < 2 && dkim_choices[c].algs[i] != NULL; i++)
		printf("postern: DKIM key %s (%s) active; publish its TXT "
		    "record %s._domainkey.%s (see: postern dns %s)\n",
		    k[i].selector, k[i].algorithm, k[i].selector, d, d);
	return 0;
fail:
	store_rollback(st);
	return 1;
}

struct domain_list {
	struct subcmd_table	 t;
	struct json	*j;
};

static int
domain_row(const struct store_domain *d, void *arg)
{
	struct domain_list	*l = arg;
	char			 nm[24], na[24], created[40];
	const char		*row[6];

	cli_time(d->created, created, sizeof(created));
	if (l->j != NULL) {
		json_obj_begin(l->j);
		json_kstr(l->j, "domain", d->name);
		json_kint(l->j, "mailboxes", d->nmailboxes);
		json_kint(l->j, "aliases", d->naliases);
		json_kstr(l->j, "sender_policy", d->sender_policy ==
		    STORE_SENDER_DOMAIN ? "domain" : "mailbox");
		json_kstr(l->j, "require_host_match",
		    host_match_text(d->host_match));
		json_kstr(l->j, "submission_host", d->submission_host);
		json_kint(l->j, "created", d->created);
		json_obj_end(l->j);
		return 0;
	}
	snprintf(nm, sizeof(nm), "%lld", (long long)d->nmailboxes);
	snprintf(na, sizeof(na), "%lld", (long long)d->naliases);
	row[0] = d->name;
	row[1] = nm;
	row[2] = na;
	row[3] = d->sender_policy == STORE_SENDER_DOMAIN ? "domain" :
	    "mailbox";
	row[4] = host_match_text(d->host_match);
	row[5] = created;
	return subcmd_table_row(&l->t, row) == -1;
}

static int
domain_list(struct store *st, char **a, int json)
{
	static const char *head[] = { "DOMAIN", "MAILBOXES", "ALIASES",
	    "SENDER", "HOST-MATCH", "CREATED" };
	struct domain_list	 l;
	struct json		 j;
	struct buf		 b;
	int			 rc;

	subcmd_table_init(&l.t, 6);
	l.j = NULL;
	if (json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
		l.j = &j;
	} else
		subcmd_table_row(&l.t, head);
	rc = store_domain_list(st, domain_row, &l);
	return subcmd_list_finish(st, "domain", rc, &l.t, json ? &j : NULL, &b);
}

static int
domain_show(struct store *st, char **a, int json)
{
	struct store_domain	 d;
	struct domain_list	 l;
	struct json		 j;
	struct buf		 b;
	char			 created[40];

	if (subcmd_store_fail(st, "domain", a[0], store_domain_get(st, a[0],
	    &d)))
		return 1;
	if (json) {
		buf_init(&b, 1024 * 1024);
		json_init(&j, &b);
		l.j = &j;
		domain_row(&d, &l);
		return subcmd_json_out(&b, &j);
	}
	cli_time(d.created, created, sizeof(created));
	printf("domain:             %s\n", d.name);
	printf("mailboxes:          %lld\n", (long long)d.nmailboxes);
	printf("aliases:            %lld\n", (long long)d.naliases);
	printf("sender_policy:      %s\n", d.sender_policy ==
	    STORE_SENDER_DOMAIN ? "domain (any address of the domain)" :
	    "mailbox (own address and aliases)");
	printf("require_host_match: %s\n", host_match_text(d.host_match));
	printf("submission_host:    %s\n", d.submission_host[0] ?
	    d.submission_host : "(server hostname)");
	printf("created:            %s\n", created);
	return 0;
}

static int
domain_remove(struct store *st, char **a, int json)
{
	struct store_domain	d;

	if (a[1] != NULL && strcmp(a[1], "--force") != 0)
		return subcmd_usage_error("domain", "remove",
		    "too many arguments "
		    "('%.64s')", a[1]);
	if (subcmd_store_fail(st, "domain", a[0], store_domain_get(st, a[0],
	    &d)))
		return 1;
	if (d.nmailboxes > 0 && a[1] == NULL) {
		fprintf(stderr, "postern: domain %s: has %lld mailbox(es); "
		    "add --force to remove them too\n", d.name,
		    (long long)d.nmailboxes);
		return 1;
	}
	if (subcmd_store_fail(st, "domain", d.name, store_domain_remove(st,
	    d.name)))
		return 1;
	printf("postern: domain %s removed\n", d.name);
	return 0;
}

static int
domain_set(struct store *st, char **a, int json)
{
	if (strcmp(a[1], "submission_host") == 0 && a[2][0] != '\0' &&
	    !smtp_valid_domain(a[2])) {
		fprintf(stderr, "postern: domain %s: submission_host %s is "
		    "not a valid host name\n", a[0], a[2]);
		return 1;
	}
	if (subcmd_store_fail(st, "domain", a[0], store_domain_set(st, a[0],
	    a[1],
	    a[2])))
		return 1;
	printf("postern: domain %s: %s = %s\n", a[0], a[1], a[2]);
	return 0;
}

int
cli_domain(const char *datadir, int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "add", 1, 3, 0, "DOMAIN [--dkim rsa|ed25519|both|none]",
		    domain_add },
		{ "list", 0, 0, 0, "[--json]", domain_list },
		{ "show", 1, 1, 0, "DOMAIN [--json]", domain_show },
		{ "remove", 1, 2, 0, "DOMAIN [--force]", domain_remove },
		{ "set", 3, 3, 0, "DOMAIN sender_policy mailbox|domain | "
		    "require_host_match yes|no|default | submission_host HOST",
		    domain_set },
	};

	return subcmd_run(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "domain", argc, argv);
}

/* --- alias -------------------------------------------------------------- */

static int
alias_add(struct store *st, char **a, int json)
{
	char	al[STORE_ADDR_MAX + 1];

	if (cli_address(a[0], al, sizeof(al)) == -1) {
		fprintf(stderr, "postern: alias %s: not a valid address\n",
		    a[0]);
		return 1;
	}
	if (subcmd_store_fail(st, "alias", al, store_alias_add(st, al, a[1])))
		return 1;
	printf("postern: alias %s -> %s added\n", al, a[1]);
	return 0;
}

static int
alias_row(const struct store_alias *al, void *arg)
{
	struct json	*j = arg;		/* NULL: text */

	if (j != NULL) {
		json_obj_begin(j);
		json_kstr(j, "alias", al->address);
		json_kstr(j, "mailbox", al->target);
		json_obj_end(j);
	} else
		printf("%s -> %s\n", al->address, al->target);
	return 0;
}

static int
alias_list(struct store *st, char **a, int json)
{
	struct json	j;
	struct buf	b;
	int		rc;

	if (json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		json_arr_begin(&j);
	}
	rc = store_alias_list(st, a[0], alias_row, json ? &j : NULL);
	if (json) {
		json_arr_end(&j);
		if (rc != STORE_OK) {
			buf_free(&b);
			return subcmd_store_fail(st, "alias", "list", rc);
		}
		return subcmd_json_out(&b, &j);
	}
	return subcmd_store_fail(st, "alias", "list", rc);
}

static int
alias_remove(struct store *st, char **a, int json)
{
	if (subcmd_store_fail(st, "alias", a[0], store_alias_remove(st, a[0])))
		return 1;
	printf("postern: alias %s removed\n", a[0]);
	return 0;
}

int
cli_alias(const char *datadir, int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "add", 2, 2, 0, "ALIAS MAILBOX", alias_add },
		{ "list", 0, 1, 0, "[DOMAIN] [--json]", alias_list },
		{ "remove", 1, 1, 0, "ALIAS", alias_remove },
	};

	return subcmd_run(datadir, cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "alias", argc, argv);
}
