/*
 * check_json: a check's result as JSON (check.h), the document `postern
 * check --json` prints and POST /api/v1/check answers: every step run
 * with its state, time, detail and note, the server's reply with what the
 * knowledge base says of it (explain_entry_json()), TLS facts, the IMAP
 * leg when it ran, and the result.  Moved from cli_check.c so the admin
 * API (server/api_check.c) answers the very same document.
 */
#include <string.h>

#include "diag/check.h"
#include "diag/explain.h"
#include "diag/kb.h"
#include "lib/buf.h"
#include "lib/json.h"

static void	json_entry(struct json *, const char *, const struct kb_entry *);
static void	json_tls(struct json *, const struct sc_tls_info *);
static void	json_words(struct json *, const char *, const char *);
static void	json_imap_steps(struct json *,
		    const struct check_imap_result *);
static void	json_imap(struct json *, const struct check_imap_result *);

const char *
check_summary(const struct check_result *r)
{
	if (!r->imap.enabled)
		return NULL;
	if (r->failed < 0 && r->imap.failed >= 0)
		return "SMTP works but IMAP fails: replies will go undetected "
		    "(platforms call this a limited connection)";
	if (r->failed >= 0 && r->imap.failed < 0)
		return "IMAP works but SMTP fails: the mailbox cannot send";
	if (r->failed >= 0)
		return "both SMTP and IMAP fail";
	return "SMTP and IMAP both work";
}

/* The first failed step, SMTP's before IMAP's, or NULL. */
const char *
check_failed_step(const struct check_result *r)
{
	if (r->failed >= 0)
		return check_step_name((enum check_step)r->failed);
	if (r->imap.enabled && r->imap.failed >= 0)
		return check_imap_step_name(
		    (enum check_imap_step)r->imap.failed);
	return NULL;
}

static void
json_entry(struct json *j, const char *k, const struct kb_entry *e)
{
	json_key(j, k);
	if (e == NULL)
		json_write_null(j);
	else
		explain_entry_json(j, k, e);
}

int
check_json(const struct check_result *r, struct buf *b)
{
	const struct check_step_result	*sr;
	struct kb_match			 m;
	struct json			 j;
	int				 s;

	json_init(&j, b);
	json_obj_begin(&j);
	json_kstr(&j, "host", r->host);
	json_kint(&j, "port", r->port);
	json_kstr(&j, "mode", r->mode == CHECK_TLS ? "tls" :
	    r->mode == CHECK_PLAIN ? "plain" : "starttls");
	json_kbool(&j, "implicit_tls_fallback", r->tls_fallback);
	json_kstr(&j, "address", r->addr);
	json_kstr(&j, "banner_host", r->banner_host);
	json_kstr(&j, "software", r->software);
	json_kstr(&j, "auth_before_tls", r->auth_before_tls);
	json_kstr(&j, "auth_after_tls", r->auth_after_tls);
	if (r->tls_active)
		json_tls(&j, &r->tls);
	json_key(&j, "steps");
	json_arr_begin(&j);
	for (s = 0; s < STEP_COUNT; s++) {
		sr = &r->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		json_obj_begin(&j);
		json_kstr(&j, "step", check_step_name((enum check_step)s));
		json_kstr(&j, "state", sr->state == STEP_OK ? "ok" :
		    sr->state == STEP_WARN ? "warn" : "failed");
		json_kint(&j, "ms", (int64_t)sr->ms);
		json_kstr(&j, "detail", sr->detail);
		json_kstr(&j, "note", sr->note);
		if (sr->has_reply) {
			json_key(&j, "reply");
			json_obj_begin(&j);
			json_kint(&j, "code", sr->reply.code);
			json_kstr(&j, "enhanced", sr->reply.enhanced);
			json_kstr(&j, "text", sr->reply.text);
			json_obj_end(&j);
			kb_lookup(sr->reply.code, sr->reply.enhanced,
			    sr->reply.text, &m);
			json_key(&j, "explanation");
			json_obj_begin(&j);
			json_entry(&j, "provider", m.provider);
			json_entry(&j, "enhanced", m.enhanced);
			json_entry(&j, "basic", m.basic);
			json_obj_end(&j);
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (r->imap.enabled) {
		json_imap(&j, &r->imap);
		json_kstr(&j, "summary", check_summary(r));
	}
	json_kstr(&j, "result", check_failed_step(r) ? "failed" : "ok");
	json_kstr(&j, "failed_step", check_failed_step(r) ?
	    check_failed_step(r) : "");
	json_kint(&j, "exit_status", r->exit_status);
	json_obj_end(&j);
	return json_finish(&j);
}

static void
json_tls(struct json *j, const struct sc_tls_info *t)
{
	json_key(j, "tls");
	json_obj_begin(j);
	json_kstr(j, "version", t->version);
	json_kstr(j, "cipher", t->cipher);
	json_kstr(j, "subject", t->subject);
	json_kstr(j, "san", t->san);
	json_kstr(j, "issuer", t->issuer);
	json_kstr(j, "not_after", t->not_after);
	json_kbool(j, "name_matches", t->name_matches);
	json_kbool(j, "verified", t->verified);
	json_kstr(j, "verify_error", t->verify_error);
	json_obj_end(j);
}

/* A space-separated list as an array. */
static void
json_words(struct json *j, const char *k, const char *list)
{
	char		 w[64];
	size_t		 n;

	json_key(j, k);
	json_arr_begin(j);
	while (*list != '\0') {
		n = strcspn(list, " ");
		if (n > 0 && n < sizeof(w)) {
			memcpy(w, list, n);
			w[n] = '\0';
			json_str(j, w);
		}
		list += n + (list[n] == ' ');
	}
	json_arr_end(j);
}

static void
json_imap_steps(struct json *j, const struct check_imap_result *ir)
{
	const struct check_imap_step_result	*sr;
	struct kb_match				 m;
	int					 s;

	json_key(j, "steps");
	json_arr_begin(j);
	for (s = 0; s < ISTEP_COUNT; s++) {
		sr = &ir->step[s];
		if (sr->state == STEP_SKIPPED)
			continue;
		json_obj_begin(j);
		json_kstr(j, "step", check_imap_step_name(
		    (enum check_imap_step)s));
		json_kstr(j, "state", sr->state == STEP_OK ? "ok" :
		    sr->state == STEP_WARN ? "warn" : "failed");
		json_kint(j, "ms", (int64_t)sr->ms);
		json_kstr(j, "detail", sr->detail);
		json_kstr(j, "note", sr->note);
		if (sr->response[0] != '\0') {
			json_kstr(j, "response", sr->response);
			kb_lookup(0, NULL, sr->response, &m);
			json_key(j, "explanation");
			json_obj_begin(j);
			json_entry(j, "provider", m.provider);
			json_obj_end(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
json_imap(struct json *j, const struct check_imap_result *ir)
{
	json_key(j, "imap");
	json_obj_begin(j);
	json_kstr(j, "host", ir->host);
	json_kint(j, "port", ir->port);
	json_kstr(j, "mode", ir->mode == CHECK_TLS ? "tls" :
	    ir->mode == CHECK_PLAIN ? "plain" : "starttls");
	json_kstr(j, "address", ir->addr);
	json_kstr(j, "software", ir->software);
	if (ir->tls_active)
		json_tls(j, &ir->tls);
	json_words(j, "missing_capabilities", ir->missing);
	json_kstr(j, "junk_folder", ir->junk);
	json_kstr(j, "junk_found_by", ir->junk_by);
	json_kint(j, "folders", ir->folders);
	json_kstr(j, "namespace_prefix", ir->prefix);
	json_imap_steps(j, ir);
	json_kstr(j, "result", ir->failed >= 0 ? "failed" : "ok");
	json_kstr(j, "failed_step", ir->failed >= 0 ? check_imap_step_name(
	    (enum check_imap_step)ir->failed) : "");
	json_kint(j, "exit_status", ir->exit_status);
	json_obj_end(j);
}

