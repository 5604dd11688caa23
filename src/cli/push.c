/*
 * push: the calls of `postern push` (push.h): options and key, then per
 * account the existence check, the create (or update, or delete and
 * create), and at the end warm-up for the accounts created.  Every
 * request goes through call(), which puts the key in, retries and
 * takes it out of anything the platform says back.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/push_int.h"
#include "lib/http_client.h"
#include "lib/util.h"

#define PUSH_USER_AGENT	"postern-push/1 (self-hosted mail server)"
#define LIST_PAGES_MAX	1000

static int	key_clean(char *, const char *);
static int	fill(const struct push_opts *, const char *, struct buf *);
static long	retry_delay(const struct http_response *, unsigned);
static int	transient(const struct http_response *);
static int	call(struct push_state *, const char *, const char *, int,
		    const struct buf *, struct http_response *);
static int	found_now(struct push_state *, struct push_item *);
static void	post(struct push_state *, struct push_item *, const char *,
		    const struct buf *, long long, struct http_response *);
static int	key_refused(struct push_state *, const struct http_response *);
static void	said(struct push_state *, struct push_item *,
		    const struct http_response *, const char *);
static long	list_page(struct push_state *, const char *);
static int	list_existing(struct push_state *);
static int	exists_one(struct push_state *, struct push_item *, int *);
static int	create(struct push_state *, struct push_item *, long long,
		    enum push_outcome);
static void	read_created(struct push_state *, struct push_item *,
		    const char *);
static void	conn_words(struct push_item *);
static void	push_one(struct push_state *, struct push_item *);
static void	warmup(struct push_state *);
static void	progress(const struct push_state *, size_t);

int
push_option(struct push_opts *o, int argc, char **argv, int *i,
    const char **why)
{
	const char	*a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	const char	**dst = NULL;
	int		  was = o->given;

	o->given = 1;
	if (strcmp(a, "--update") == 0 || strcmp(a, "--replace") == 0) {
		if (o->mode != PUSH_CREATE) {
			*why = "--update and --replace do not go together";
			return -1;
		}
		o->mode = a[2] == 'u' ? PUSH_UPDATE : PUSH_REPLACE;
		return 1;
	}
	if (strcmp(a, "--dry-run") == 0 || strcmp(a, "--no-check") == 0) {
		*(a[2] == 'd' ? &o->dry_run : &o->no_check) = 1;
		return 1;
	}
	if (strcmp(a, "--key-file") == 0)
		dst = &o->key_file;
	else if (strcmp(a, "--base-url") == 0)
		dst = &o->base_url;
	else if (strcmp(a, "--ca-file") == 0)
		dst = &o->ca_file;
	else if (strcmp(a, "--check-ca-file") == 0)
		dst = &o->check_ca_file;
	else if (strcmp(a, "--check-connect") == 0)
		dst = &o->check_connect;
	else {
		o->given = was;
		return 0;
	}
	if (v == NULL) {
		*why = a;
		return -2;
	}
	*dst = v;
	(*i)++;
	return 1;
}

const char *
push_check_opts(const struct push_opts *o)
{
	if (o->mode == PUSH_UPDATE && o->p->update_id_key == NULL)
		return o->p->exists == PUSH_EXISTS_GET ? "--update: this "
		    "platform cannot change an existing account's password "
		    "through its API; use --replace (delete and create again)" :
		    "--update: this platform cannot update accounts";
	if (o->base_url != NULL && !http_url_allowed(o->base_url))
		return "--base-url must be https:// (plain http:// only to a "
		    "loopback address)";
	return NULL;
}

/* Trim the line end; refuse what cannot be a key.  0 or -1. */
static int
key_clean(char *k, const char *from)
{
	size_t	n = strlen(k), i;

	while (n > 0 && (k[n - 1] == '\n' || k[n - 1] == '\r' ||
	    k[n - 1] == ' ' || k[n - 1] == '\t'))
		k[--n] = '\0';
	if (n == 0) {
		fprintf(stderr, "postern: push: the API key in %s is empty\n",
		    from);
		return -1;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)k[i] <= ' ' || (unsigned char)k[i] >= 0x7f) {
			fprintf(stderr, "postern: push: the API key in %s has "
			    "%s at position %zu (a key is one word of visible "
			    "ASCII; paste it again)\n", from,
			    k[i] == ' ' ? "a space" : "an invisible or "
			    "non-ASCII character", i + 1);
			explicit_bzero(k, n);
			return -1;
		}
	return 0;
}

int
push_load_key(struct push_opts *o)
{
	const char	*env = getenv("POSTERN_PUSH_KEY");
	FILE		*f;
	char		 from[300];
	int		 ok;

	if (o->key_file != NULL) {
		if ((f = fopen(o->key_file, "r")) == NULL) {
			fprintf(stderr, "postern: push: %s: %s\n", o->key_file,
			    strerror(errno));
			return -1;
		}
		ok = fgets(o->key, sizeof(o->key), f) != NULL;
		fclose(f);
		if (ok && strchr(o->key, '\n') == NULL &&
		    strlen(o->key) == sizeof(o->key) - 1) {
			fprintf(stderr, "postern: push: %s: the key is longer "
			    "than %d bytes\n", o->key_file, PUSH_KEY_MAX);
			return -1;
		}
		(void)util_snprintf(from, sizeof(from), "%s", o->key_file);
	} else if (env != NULL) {
		if (util_strlcpy(o->key, env, sizeof(o->key)) == -1) {
			fprintf(stderr, "postern: push: POSTERN_PUSH_KEY is "
			    "longer than %d bytes\n", PUSH_KEY_MAX);
			return -1;
		}
		(void)util_strlcpy(from, "POSTERN_PUSH_KEY", sizeof(from));
	} else if (o->dry_run)
		return 0;
	else {
		fprintf(stderr, "postern: push: no API key: give --key-file "
		    "FILE or set POSTERN_PUSH_KEY (never on the command "
		    "line)\n");
		return -1;
	}
	return key_clean(o->key, from);
}

void
push_scrub(const struct push_opts *o, char *s)
{
	size_t	klen = strlen(o->key);
	char	*p;

	while (klen > 0 && (p = strstr(s, o->key)) != NULL) {
		memcpy(p, "****", 4);
		memmove(p + 4, p + klen, strlen(p + klen) + 1);
	}
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

/* t with PUSH_KEY_MARK replaced by the key (URL-encoded in a URL). */
static int
fill(const struct push_opts *o, const char *t, struct buf *out)
{
	const char	*m = strstr(t, PUSH_KEY_MARK);

	buf_init(out, 8192);
	if (m == NULL)
		return buf_appends(out, t);
	if (buf_append(out, t, (size_t)(m - t)) == -1 ||
	    (strncmp(t, "http", 4) == 0 ? push_encode(out, o->key) :
	    buf_appends(out, o->key)) == -1 ||
	    buf_appends(out, m + strlen(PUSH_KEY_MARK)) == -1)
		return -1;
	return 0;
}

/* 429, 5xx, or no answer for a reason that may pass (http_client.h). */
static int
transient(const struct http_response *r)
{
	return r->status == 0 ? r->may_pass : r->status == 429 ||
	    r->status >= 500;
}

/* Seconds before try number attempt + 1. */
static long
retry_delay(const struct http_response *r, unsigned attempt)
{
	long	d = r->retry_after >= 0 ? r->retry_after : 1L << attempt;

	return d > PUSH_RETRY_MAX_S ? PUSH_RETRY_MAX_S : d;
}

/*
 * One request, retried while transient; once: only a 429 is retried (a
 * create is not idempotent: after a 5xx or a lost answer the account may
 * exist, post() looks).  0 with an HTTP answer in r (any status), -1
 * without one (r->error says why, scrubbed).
 */
static int
call(struct push_state *s, const char *method, const char *url_t, int once,
    const struct buf *body, struct http_response *r)
{
	struct http_request	 req;
	struct buf		 url, hdr;
	char			 kh[128];
	const char		*k = push_key_header(s->o->p, kh, sizeof(kh));
	unsigned		 attempt;
	int			 rc = -1;

	memset(&req, 0, sizeof(req));
	buf_init(&hdr, 0);
	if (fill(s->o, url_t, &url) == -1 || (k != NULL &&
	    fill(s->o, k, &hdr) == -1)) {
		buf_free(&url);
		buf_free(&hdr);
		memset(r, 0, sizeof(*r));
		util_strlcpy(r->error, "URL too long", sizeof(r->error));
		return -1;
	}
	req.method = method;
	req.url = buf_str(&url);
	req.user_agent = PUSH_USER_AGENT;
	req.ca_file = s->o->ca_file;
	req.headers[req.nheaders++] = "Accept: application/json";
	if (k != NULL)
		req.headers[req.nheaders++] = buf_str(&hdr);
	if (body != NULL) {
		req.headers[req.nheaders++] = "Content-Type: application/json";
		req.body = buf_str(body);
		req.bodylen = body->len;
	}
	for (attempt = 0; attempt < PUSH_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			http_response_free(r);
			s->retries++;
		}
		rc = http_request(&req, r);
		if (!transient(r) || attempt + 1 == PUSH_ATTEMPTS ||
		    (once && r->status != 429))
			break;
		sleep((unsigned)retry_delay(r, attempt));
	}
	push_scrub(s->o, r->error);
	explicit_bzero(url.data, url.cap);
	if (hdr.data != NULL)
		explicit_bzero(hdr.data, hdr.cap);
	buf_free(&url);
	buf_free(&hdr);
	return rc;
}

/*
 * What every later call would meet too stops the run: 401/402/403 (the
 * key or the workspace) and no answer at all after the retries (the
 * endpoint, its certificate, the network).
 */
static int
key_refused(struct push_state *s, const struct http_response *r)
{
	char	words[PUSH_TEXT_MAX];

	if (r->status == 0) {
		(void)util_snprintf(s->refused, sizeof(s->refused), "no "
		    "answer from %s at %s: %s", s->o->p->title, s->base,
		    r->error);
		push_scrub(s->o, s->refused);
		s->key_refused = 1;
		return 1;
	}
	if (r->status != 401 && r->status != 402 && r->status != 403)
		return 0;
	push_error_text(s->o->p, buf_str(&r->body), words, sizeof(words));
	push_scrub(s->o, words);
	(void)util_snprintf(s->refused, sizeof(s->refused), "%s refused the "
	    "API key: HTTP %ld: %s", s->o->p->title, r->status, words);
	s->key_refused = 1;
	return 1;
}

/* The platform's words for a failure, after prefix. */
static void
said(struct push_state *s, struct push_item *it,
    const struct http_response *r, const char *prefix)
{
	char	words[PUSH_TEXT_MAX];

	if (r->status == 0)
		(void)util_strlcpy(words, r->error, sizeof(words));
	else
		push_error_text(s->o->p, buf_str(&r->body), words,
		    sizeof(words));
	push_scrub(s->o, words);
	it->status = r->status;
	if (r->status == 0)
		(void)util_snprintf(it->said, sizeof(it->said), "%s%s",
		    prefix, words);
	else
		(void)util_snprintf(it->said, sizeof(it->said), "%sHTTP %ld: "
		    "%s", prefix, r->status, words);
}

/* One page of the account list appended; its length, or -1. */
static long
list_page(struct push_state *s, const char *body)
{
	const struct push_platform	*p = s->o->p;
	json_t				*root, *v, *id;
	const char			*email;
	size_t				 i, n;
	void				*grown;

	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	v = json_is_array(root) ? root : push_json_path(root, "data");
	n = json_is_array(v) ? json_array_size(v) : 0;
	if (n > 0 && (grown = reallocarray(s->listed, s->nlisted + n,
	    sizeof(*s->listed))) == NULL) {
		json_decref(root);
		return -1;
	}
	if (n > 0)
		s->listed = grown;
	for (i = 0; i < n; i++) {
		email = json_string_value(json_object_get(json_array_get(v, i),
		    p->list_email_key));
		id = json_object_get(json_array_get(v, i), p->list_id_key);
		if (email == NULL || util_strlcpy(s->listed[s->nlisted].email,
		    email, sizeof(s->listed->email)) == -1)
			continue;
		s->listed[s->nlisted++].id = json_is_integer(id) ?
		    (long long)json_integer_value(id) : -1;
	}
	json_decref(root);
	return (long)n;
}

/*
 * PUSH_EXISTS_LIST: every account of the workspace, page by page.  Not
 * knowing them stops the run: a create of an account that exists would
 * fail, or worse, make a second one.
 */
static int
list_existing(struct push_state *s)
{
	const struct push_platform	*p = s->o->p;
	struct http_response		 r;
	struct buf			 url;
	char				 q[64], words[PUSH_TEXT_MAX];
	size_t				 page;
	long				 n = 0;

	for (page = 0; page < LIST_PAGES_MAX; page++) {
		(void)util_snprintf(q, sizeof(q), "offset=%zu&limit=%zu",
		    page * p->list_page, p->list_page);
		if (push_url(p, s->base, p->exists_path, NULL, q, &url) == -1)
			return -1;
		(void)call(s, "GET", buf_str(&url), 0, NULL, &r);
		buf_free(&url);
		if (r.status == 200)
			n = list_page(s, buf_str(&r.body));
		else if (!key_refused(s, &r)) {
			push_error_text(p, buf_str(&r.body), words,
			    sizeof(words));
			(void)util_snprintf(s->refused, sizeof(s->refused),
			    "cannot list the accounts on %s: HTTP %ld: %s",
			    p->title, r.status, words);
			push_scrub(s->o, s->refused);
			s->key_refused = 1;
		}
		http_response_free(&r);
		if (s->key_refused || n < 0) {
			if (n < 0)
				(void)util_strlcpy(s->refused, "out of memory",
				    sizeof(s->refused));
			s->key_refused = 1;
			return -1;
		}
		if ((size_t)n < p->list_page)
			return 0;
	}
	return 0;
}

/* PUSH_EXISTS_GET for one account: 0 with *exists set, or -1. */
static int
exists_one(struct push_state *s, struct push_item *it, int *exists)
{
	const struct push_platform	*p = s->o->p;
	struct http_response		 r;
	struct buf			 url;
	int				 rc = -1;

	if (push_url(p, s->base, p->exists_path, it->a->email, NULL,
	    &url) == -1)
		return -1;
	(void)call(s, "GET", buf_str(&url), 0, NULL, &r);
	buf_free(&url);
	if (r.status == 200 || r.status == 404) {
		*exists = r.status == 200;
		rc = 0;
	} else if (!key_refused(s, &r))
		said(s, it, &r, "cannot tell whether the account exists: ");
	http_response_free(&r);
	return rc;
}

/* The platform's words about its own SMTP/IMAP test, if any. */
static void
conn_words(struct push_item *it)
{
	if (strcasestr(it->said, "connection") == NULL &&
	    strcasestr(it->said, "credentials") == NULL)
		return;
	if (strcasestr(it->said, "IMAP") != NULL)
		it->imap_ok = 0;
	else
		it->smtp_ok = 0;
}

static void
read_created(struct push_state *s, struct push_item *it, const char *body)
{
	const struct push_platform	*p = s->o->p;
	json_t				*root, *v;

	root = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_integer(v = push_json_path(root, p->id_key)))
		it->id = (long long)json_integer_value(v);
	if (json_is_boolean(v = push_json_path(root, p->smtp_ok_key)))
		it->smtp_ok = json_is_true(v);
	if (json_is_boolean(v = push_json_path(root, p->imap_ok_key)))
		it->imap_ok = json_is_true(v);
	if (json_is_integer(v = push_json_path(root, p->status_key))) {
		it->conn_status = (long)json_integer_value(v);
		if (it->conn_status < 0)
			it->smtp_ok = 0;
	}
	if (json_is_string(v = push_json_path(root, p->status_text_key))) {
		(void)util_snprintf(it->said, sizeof(it->said), "%s",
		    json_string_value(v));
		push_scrub(s->o, it->said);
	}
	json_decref(root);
}

/* Whether the account is on the platform now (after a lost answer). */
static int
found_now(struct push_state *s, struct push_item *it)
{
	size_t	i;
	int	exists = 0;

	if (s->o->p->exists == PUSH_EXISTS_GET)
		return exists_one(s, it, &exists) == 0 && exists;
	free(s->listed);
	s->listed = NULL;
	s->nlisted = 0;
	if (list_existing(s) == -1)
		return 0;
	for (i = 0; i < s->nlisted; i++)
		if (strcasecmp(s->listed[i].email, it->a->email) == 0) {
			it->id = s->listed[i].id;
			return 1;
		}
	return 0;
}

/*
 * The create (or update) POST.  After a 5xx or no answer a create looks
 * before it posts again: the first may have made the account, and a
 * second would meet "already exists".  r gets the last answer, or a
 * made-up 200 when the account was found.
 */
static void
post(struct push_state *s, struct push_item *it, const char *url,
    const struct buf *body, long long id, struct http_response *r)
{
	unsigned	attempt;

	for (attempt = 0;; attempt++) {
		(void)call(s, "POST", url, id < 0, body, r);
		if (!(r->status >= 500 || (r->status == 0 && r->may_pass)) ||
		    attempt + 1 == PUSH_ATTEMPTS)
			return;
		sleep((unsigned)retry_delay(r, attempt));
		s->retries++;
		if (id < 0 && !s->key_refused && found_now(s, it)) {
			http_response_free(r);
			memset(r, 0, sizeof(*r));
			buf_init(&r->body, 16);
			r->status = 200;
			it->found_late = 1;
			return;
		}
		http_response_free(r);
		if (s->key_refused)
			return;
	}
}

/* POST the account (id >= 0: an update).  0 or -1 (it->said says). */
static int
create(struct push_state *s, struct push_item *it, long long id,
    enum push_outcome ok)
{
	const struct push_platform	*p = s->o->p;
	struct http_response		 r;
	struct buf			 url, body;
	json_t				*root = NULL;
	int				 rc = -1;

	buf_init(&body, 64 * 1024);
	if (push_url(p, s->base, p->create_path, NULL, NULL, &url) == -1 ||
	    push_body(p, it->a, id, 0, &body) == -1) {
		buf_free(&url);
		buf_free(&body);
		(void)util_strlcpy(it->said, "a value does not fit the request",
		    sizeof(it->said));
		return -1;
	}
	post(s, it, buf_str(&url), &body, id, &r);
	explicit_bzero(body.data, body.cap);
	buf_free(&body);
	buf_free(&url);
	it->status = r.status;
	if (r.status >= 200 && r.status < 300 && p->ok_key != NULL)
		root = json_loads(buf_str(&r.body), 0, NULL);
	if (it->found_late || (r.status >= 200 && r.status < 300 &&
	    (p->ok_key == NULL || json_is_true(push_json_path(root,
	    p->ok_key))))) {
		it->outcome = ok;
		read_created(s, it, buf_str(&r.body));
		rc = 0;
	} else if (!key_refused(s, &r)) {
		said(s, it, &r, "");
		conn_words(it);
	}
	json_decref(root);
	http_response_free(&r);
	return rc;
}

static void
push_one(struct push_state *s, struct push_item *it)
{
	const struct push_platform	*p = s->o->p;
	struct http_response		 r;
	struct buf			 url;
	size_t				 i;
	int				 exists = 0;

	it->id = -1;
	if (p->exists == PUSH_EXISTS_GET) {
		if (exists_one(s, it, &exists) == -1)
			goto failed;
	} else
		for (i = 0; i < s->nlisted && !exists; i++)
			if (strcasecmp(s->listed[i].email, it->a->email) == 0) {
				exists = 1;
				it->id = s->listed[i].id;
			}
	if (!exists) {
		if (create(s, it, -1, PUSH_O_CREATED) == -1)
			goto failed;
		return;
	}
	if (s->o->mode == PUSH_CREATE) {
		it->outcome = PUSH_O_SKIPPED;
		(void)util_snprintf(it->said, sizeof(it->said), "already on "
		    "%s (--%s to give it this password)", p->title,
		    p->update_id_key ? "update" : "replace");
		return;
	}
	if (p->delete_path == NULL || (s->o->mode == PUSH_UPDATE &&
	    p->update_id_key != NULL)) {
		if (create(s, it, it->id, PUSH_O_UPDATED) == -1)
			goto failed;
		return;
	}
	if (push_url(p, s->base, p->delete_path, it->a->email, NULL,
	    &url) == -1)
		goto failed;
	(void)call(s, "DELETE", buf_str(&url), 0, NULL, &r);
	buf_free(&url);
	if (r.status < 200 || r.status >= 300) {
		if (!key_refused(s, &r))
			said(s, it, &r, "cannot delete the old account: ");
		http_response_free(&r);
		goto failed;
	}
	http_response_free(&r);
	if (create(s, it, -1, PUSH_O_REPLACED) == 0)
		return;
	(void)util_snprintf(it->said + strlen(it->said), sizeof(it->said) -
	    strlen(it->said), " (the old account was deleted from %s and "
	    "is not there now)", p->title);
failed:
	it->outcome = s->key_refused ? PUSH_O_NOT_TRIED : PUSH_O_FAILED;
	if (s->key_refused)
		(void)util_strlcpy(it->said, s->refused, sizeof(it->said));
}

/* Switch warm-up on for the accounts created with it asked for. */
static void
warmup(struct push_state *s)
{
	const struct push_platform	*p = s->o->p;
	const char			**emails;
	struct push_item		**who;
	struct http_response		 r;
	struct buf			 url, body;
	size_t				 i, k, n;

	if (p->warmup_path == NULL || s->key_refused ||
	    (emails = calloc(p->warmup_batch, sizeof(*emails))) == NULL)
		return;
	if ((who = calloc(p->warmup_batch, sizeof(*who))) == NULL) {
		free(emails);
		return;
	}
	for (i = 0; i < s->n; ) {
		for (n = 0; i < s->n && n < p->warmup_batch; i++)
			if (s->items[i].a->warmup == PROVISION_WARMUP_ON &&
			    (s->items[i].outcome == PUSH_O_CREATED ||
			    s->items[i].outcome == PUSH_O_REPLACED)) {
				who[n] = &s->items[i];
				emails[n++] = s->items[i].a->email;
			}
		if (n == 0)
			break;
		buf_init(&body, 1024 * 1024);
		if (push_url(p, s->base, p->warmup_path, NULL, NULL,
		    &url) == 0 && push_warmup_body(p, emails, n, &body) == 0)
			(void)call(s, "POST", buf_str(&url), 0, &body, &r);
		else {
			memset(&r, 0, sizeof(r));
			(void)util_strlcpy(r.error, "request too long",
			    sizeof(r.error));
		}
		for (k = 0; k < n; k++) {
			who[k]->warmup = r.status >= 200 && r.status < 300;
			if (!who[k]->warmup)
				push_error_text(p, r.status ? buf_str(&r.body) :
				    r.error, who[k]->warmup_said,
				    sizeof(who[k]->warmup_said));
			push_scrub(s->o, who[k]->warmup_said);
		}
		http_response_free(&r);
		buf_free(&url);
		buf_free(&body);
	}
	free(emails);
	free(who);
}

static void
progress(const struct push_state *s, size_t done)
{
	char	bar[41];
	size_t	fill_n = s->n ? done * 40 / s->n : 40;

	if (!s->progress)
		return;
	memset(bar, '#', fill_n);
	memset(bar + fill_n, '.', 40 - fill_n);
	bar[40] = '\0';
	fprintf(stderr, "\r%s [%s] %zu/%zu", s->o->p->name, bar, done, s->n);
	if (done == s->n)
		fprintf(stderr, "\r%*s\r", 60 + (int)strlen(s->o->p->name), "");
	fflush(stderr);
}

int
push_run(const struct push_opts *o, const struct provision_account *a,
    size_t n)
{
	struct push_state	s;
	size_t			i;
	int			rc;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.base = o->base_url ? o->base_url : o->p->base_url;
	s.n = n;
	s.progress = !o->json && !o->dry_run && n > 1 && isatty(2);
	if ((s.items = calloc(n ? n : 1, sizeof(*s.items))) == NULL) {
		fprintf(stderr, "postern: push: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		s.items[i].a = &a[i];
		s.items[i].smtp_ok = s.items[i].imap_ok = s.items[i].warmup =
		    -1;
	}
	if (o->dry_run)
		rc = push_show(&s);
	else {
		if (http_client_init() == -1) {
			fprintf(stderr, "postern: push: libcurl setup failed\n");
			free(s.items);
			return 1;
		}
		if (o->p->exists == PUSH_EXISTS_LIST)
			(void)list_existing(&s);
		for (i = 0; i < n; i++) {
			progress(&s, i);
			if (s.key_refused) {
				s.items[i].outcome = PUSH_O_NOT_TRIED;
				(void)util_strlcpy(s.items[i].said, s.refused,
				    sizeof(s.items[i].said));
			} else
				push_one(&s, &s.items[i]);
		}
		progress(&s, n);
		warmup(&s);
		http_client_cleanup();
		if (!o->no_check)
			push_checks(&s);
		rc = push_report(&s);
	}
	for (i = 0; i < n; i++)
		free(s.items[i].check);
	free(s.items);
	free(s.listed);
	return rc;
}
