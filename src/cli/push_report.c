/*
 * push_report: what `postern push` prints: the requests of --dry-run
 * (secrets masked), postern's own check beside a platform's failed
 * connection test, and the per-account result table or --json.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/push_int.h"
#include "diag/explain.h"
#include "diag/platform_text.h"
#include "lib/json.h"
#include "lib/util.h"

static void	show_line(const char *, const char *);
static void	show_request(const struct push_state *, const char *,
		    const char *, const char *, const struct buf *);
static void	check_one(const struct push_state *, struct push_item *);
static int	failed(const struct push_item *);
static const char *test_word(int);
static void	print_item(const struct push_state *, const struct push_item *);
static void	json_item(struct json *, const struct push_item *);
static int	report_json(const struct push_state *);

static const char *const outcome_names[] = {
	[PUSH_O_PENDING] = "pending",
	[PUSH_O_CREATED] = "created",
	[PUSH_O_UPDATED] = "updated",
	[PUSH_O_REPLACED] = "replaced",
	[PUSH_O_SKIPPED] = "skipped",
	[PUSH_O_FAILED] = "FAILED",
	[PUSH_O_NOT_TRIED] = "not-tried",
	[PUSH_O_SHOWN] = "shown",
};

const char *
push_outcome_name(enum push_outcome o)
{
	return outcome_names[o];
}

/* A URL or header line with the key's place shown as "****". */
static void
show_line(const char *prefix, const char *t)
{
	const char	*m = strstr(t, PUSH_KEY_MARK);

	if (m == NULL)
		printf("%s%s\n", prefix, t);
	else
		printf("%s%.*s****%s\n", prefix, (int)(m - t), t,
		    m + strlen(PUSH_KEY_MARK));
}

static void
show_request(const struct push_state *s, const char *method,
    const char *path, const char *email, const struct buf *body)
{
	struct buf	 url;
	char		 kh[128];
	const char	*k = push_key_header(s->o->p, kh, sizeof(kh));

	if (push_url(s->o->p, s->base, path, email, NULL, &url) == -1)
		return;
	printf("%s ", method);
	show_line("", buf_str(&url));
	if (k != NULL)
		show_line("  ", k);
	if (body != NULL) {
		printf("  Content-Type: application/json\n");
		printf("  %s\n", buf_str(body));
	}
	buf_free(&url);
}

int
push_show(struct push_state *s)
{
	const struct push_platform	*p = s->o->p;
	struct buf			 body;
	size_t				 i;
	int				 warm = 0;

	printf("postern push %s --dry-run: the requests for %zu account(s); "
	    "nothing is sent\n", p->name, s->n);
	if (p->exists == PUSH_EXISTS_LIST)
		show_request(s, "GET", p->exists_path, NULL, NULL);
	for (i = 0; i < s->n; i++) {
		const struct provision_account *a = s->items[i].a;

		printf("# %s\n", a->email);
		if (p->exists == PUSH_EXISTS_GET)
			show_request(s, "GET", p->exists_path, a->email, NULL);
		buf_init(&body, 64 * 1024);
		if (push_body(p, a, -1, 1, &body) == -1) {
			printf("  (a value does not fit the request)\n");
			buf_free(&body);
			return 1;
		}
		show_request(s, "POST", p->create_path, NULL, &body);
		buf_free(&body);
		s->items[i].outcome = PUSH_O_SHOWN;
		warm |= a->warmup == PROVISION_WARMUP_ON;
	}
	if (warm && p->warmup_path != NULL) {
		printf("# then, for the accounts created with warm-up asked "
		    "for, in groups of %zu:\n", p->warmup_batch);
		show_request(s, "POST", p->warmup_path, NULL, NULL);
	}
	return 0;
}

/* postern's own check of what the platform could not reach. */
static void
check_one(const struct push_state *s, struct push_item *it)
{
	const struct provision_account	*a = it->a;
	struct check_opts		 o;

	if ((it->check = calloc(1, sizeof(*it->check))) == NULL)
		return;
	memset(&o, 0, sizeof(o));
	(void)util_strlcpy(o.host, a->smtp_host, sizeof(o.host));
	o.port = a->smtp_port;
	o.mode = CHECK_AUTO;
	o.user = a->email;
	o.password = a->password;
	o.passlen = strlen(a->password);
	o.timeout_ms = 10000;
	o.cafile = s->o->check_ca_file;
	o.connect_to = s->o->check_connect;
	o.no_retry = 1;			/* never risk a lockout */
	o.imap = provision_fmt_has_imap(a);
	if (o.imap) {
		(void)util_strlcpy(o.imap_host, a->imap_host,
		    sizeof(o.imap_host));
		o.imap_port = a->imap_port;
	}
	check_run(&o, it->check);
}

void
push_checks(struct push_state *s)
{
	size_t	i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < s->n; i++)
		if (s->items[i].smtp_ok == 0 || s->items[i].imap_ok == 0)
			check_one(s, &s->items[i]);
}

static int
failed(const struct push_item *it)
{
	return it->outcome == PUSH_O_FAILED ||
	    it->outcome == PUSH_O_NOT_TRIED || it->outcome ==
	    PUSH_O_PENDING || it->warmup == 0 || it->smtp_ok == 0 ||
	    it->imap_ok == 0;
}

static const char *
test_word(int ok)
{
	return ok < 0 ? "not reported" : ok ? "passed" : "FAILED";
}

static void
print_item(const struct push_state *s, const struct push_item *it)
{
	const char			*title = s->o->p->title;
	const struct platform_text	*pt;

	printf("%-40s %-10s", it->a->email, push_outcome_name(it->outcome));
	if (it->id >= 0)
		printf(" id %lld", it->id);
	printf("\n");
	if (it->said[0] != '\0')
		printf("    %s says: %s\n", title, it->said);
	if (failed(it) && (pt = platform_text_find(it->said)) != NULL)
		explain_entry_text(stdout, 4, "What those words mean",
		    &pt->entry);
	if (it->found_late)
		printf("    the answer to the create was lost; the account was "
		    "found on %s afterwards\n", title);
	if (it->smtp_ok >= 0 || it->imap_ok >= 0)
		printf("    %s's test: SMTP %s, IMAP %s\n", title,
		    test_word(it->smtp_ok), test_word(it->imap_ok));
	if (it->warmup == 1)
		printf("    warm-up: switched on\n");
	else if (it->warmup == 0)
		printf("    warm-up: NOT switched on: %s\n", it->warmup_said);
	if (it->check != NULL) {
		printf("    postern's own check of the same settings, as %s "
		    "dials them:\n", title);
		check_print_text(it->check, 0);
	}
}

static void
json_item(struct json *j, const struct push_item *it)
{
	json_obj_begin(j);
	json_kstr(j, "email", it->a->email);
	json_kstr(j, "result", push_outcome_name(it->outcome));
	json_kint(j, "http_status", it->status);
	if (it->id >= 0)
		json_kint(j, "id", it->id);
	json_kstr(j, "platform_says", it->said);
	json_kstr(j, "smtp_test", it->smtp_ok < 0 ? "unknown" : it->smtp_ok ?
	    "passed" : "failed");
	json_kstr(j, "imap_test", it->imap_ok < 0 ? "unknown" : it->imap_ok ?
	    "passed" : "failed");
	json_kstr(j, "warmup", it->warmup < 0 ? "not-asked" : it->warmup ?
	    "on" : "failed");
	if (it->check != NULL) {
		json_key(j, "check");
		json_obj_begin(j);
		json_kstr(j, "result", it->check->failed < 0 ? "ok" : "failed");
		if (it->check->failed >= 0) {
			json_kstr(j, "failed_step", check_step_name(
			    (enum check_step)it->check->failed));
			json_kstr(j, "detail",
			    it->check->step[it->check->failed].detail);
		}
		json_kint(j, "exit_status", it->check->exit_status);
		json_obj_end(j);
	}
	json_obj_end(j);
}

static int
report_json(const struct push_state *s)
{
	struct buf	b;
	struct json	j;
	size_t		i, nfail = 0;

	buf_init(&b, 64 * 1024 * 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_kstr(&j, "platform", s->o->p->name);
	json_kstr(&j, "base_url", s->base);
	json_kint(&j, "retries", s->retries);
	json_key(&j, "accounts");
	json_arr_begin(&j);
	for (i = 0; i < s->n; i++) {
		json_item(&j, &s->items[i]);
		nfail += failed(&s->items[i]);
	}
	json_arr_end(&j);
	json_kint(&j, "failed", (int64_t)nfail);
	json_obj_end(&j);
	if (json_finish(&j) == 0)
		printf("%s\n", buf_str(&b));
	buf_free(&b);
	return nfail ? 1 : 0;
}

int
push_report(const struct push_state *s)
{
	size_t	i, count[PUSH_O_SHOWN + 1] = { 0 }, nfail = 0;

	if (s->o->json)
		return report_json(s);
	printf("postern push %s (%s): %zu account(s)\n", s->o->p->name,
	    s->base, s->n);
	for (i = 0; i < s->n; i++) {
		print_item(s, &s->items[i]);
		count[s->items[i].outcome]++;
		nfail += failed(&s->items[i]);
	}
	printf("postern push: %zu created, %zu replaced, %zu updated, "
	    "%zu skipped, %zu failed, %zu not tried", count[PUSH_O_CREATED],
	    count[PUSH_O_REPLACED], count[PUSH_O_UPDATED],
	    count[PUSH_O_SKIPPED], count[PUSH_O_FAILED],
	    count[PUSH_O_NOT_TRIED]);
	if (s->retries)
		printf(" (%u request(s) retried)", s->retries);
	printf("\n");
	if (nfail)
		printf("postern push: %zu account(s) need attention; exit "
		    "status 1\n", nfail);
	return nfail ? 1 : 0;
}
