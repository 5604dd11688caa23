/*
 * queue_admin: the queue process's end of the admin process's socket
 * (lib/ipc_adm.h): one thread reads the API's queue operations and
 * answers each in turn.  It reads the spool files as `postern queue`
 * does (spool_json.h), so the list is the same with delivery on or off,
 * and it applies hold, release, delete and retry through the keeper's
 * own command function, the one `postern queue` reaches through the
 * command directory, so there is one way to change a message.  Each
 * change is written to the audit log (the store's, through this
 * thread's handle).
 *
 * Operations: queue.list (?state= ?domain= the recipients', ?sender=,
 * ?cursor= the last id seen, ?limit=), queue.show, queue.hold,
 * queue.release, queue.delete, queue.retry (a message now), queue.flush
 * (every message now).  A token limited to a domain sees and touches
 * only messages from senders of that domain.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/http_path.h"
#include "lib/http_srv.h"
#include "lib/ipc_adm.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/deliver_int.h"
#include "queue/queue_admin.h"
#include "queue/spool_json.h"
#include "queue/tstore.h"
#include "store/store.h"

#define OUT_MAX		(8 * 1024 * 1024)
#define LIST_MAX	500

static struct {
	int		 sock;
	int		 dirfd;
	pthread_t	 tid;
	int		 running;
} QA = { .sock = -1 };

struct qa_filter {
	char	state[16];
	char	domain[256];
	char	sender[256];
	char	after[64];
	long	limit;
};

static void	*qa_main(void *);
static int	 qa_run(const struct ipc_adm_req *, struct buf *);
static int	 qa_list(const struct ipc_adm_req *, struct buf *);
static int	 qa_one(const struct ipc_adm_req *, struct buf *);
static int	 qa_mine(const struct ipc_adm_req *, const struct spool_msg *);
static int	 qa_match(const struct qa_filter *, const struct spool_msg *);
static int	 qa_filter(const char *, struct qa_filter *);
static void	 qa_audit(const struct ipc_adm_req *, const char *,
		    const char *);

int
queue_admin_start(int sock, int dirfd)
{
	QA.sock = sock;
	QA.dirfd = dirfd;
	if (sock == -1)
		return 0;
	if (pthread_create(&QA.tid, NULL, qa_main, NULL) != 0)
		return -1;
	QA.running = 1;
	return 0;
}

void
queue_admin_stop(void)
{
	if (!QA.running)
		return;
	shutdown(QA.sock, SHUT_RDWR);
	pthread_join(QA.tid, NULL);
	QA.running = 0;
}

/* The token's domain restriction holds the message's sender. */
static int
qa_mine(const struct ipc_adm_req *r, const struct spool_msg *m)
{
	const char	*at = strrchr(m->env.sender, '@');

	return r->domain[0] == '\0' || (at != NULL &&
	    strcasecmp(at + 1, r->domain) == 0);
}

static int
qa_match(const struct qa_filter *f, const struct spool_msg *m)
{
	const char	*at;
	size_t		 i;
	int		 any = f->domain[0] == '\0';

	if (f->state[0] != '\0' && strcmp(f->state, spool_msg_state(m)) != 0)
		return 0;
	if (f->sender[0] != '\0' && strcasecmp(f->sender, m->env.sender) != 0)
		return 0;
	for (i = 0; i < m->env.nrcpt && !any; i++)
		any = (at = strrchr(m->env.rcpt[i].addr, '@')) != NULL &&
		    strcasecmp(at + 1, f->domain) == 0;
	return any;
}

static int
qa_filter(const char *q, struct qa_filter *f)
{
	char	n[16], *end;

	memset(f, 0, sizeof(*f));
	f->limit = 100;
	if (http_query_get(q, "state", f->state, sizeof(f->state)) == -1 ||
	    http_query_get(q, "domain", f->domain, sizeof(f->domain)) == -1 ||
	    http_query_get(q, "sender", f->sender, sizeof(f->sender)) == -1 ||
	    http_query_get(q, "cursor", f->after, sizeof(f->after)) == -1)
		return -1;
	switch (http_query_get(q, "limit", n, sizeof(n))) {
	case -1:
		return -1;
	case 1:
		f->limit = strtol(n, &end, 10);
		if (end == n || *end != '\0' || f->limit < 1 ||
		    f->limit > LIST_MAX)
			return -1;
	}
	return 0;
}

static int
qa_list(const struct ipc_adm_req *r, struct buf *out)
{
	struct qa_filter	 f;
	struct spool_msg	 m;
	struct json		 j;
	char			**ids, err[256], last[64] = "";
	size_t			 n, i;
	long			 shown = 0;

	if (qa_filter(r->query, &f) == -1)
		return http_problem(out, 400, "bad query: state (active, "
		    "deferred, held, finishing), domain, sender, cursor, limit "
		    "(1 to 500)", NULL);
	if (spool_list_ids(QA.dirfd, &ids, &n) == -1)
		return http_problem(out, 500, "the spool could not be read", NULL);
	json_init(&j, out);
	json_obj_begin(&j);
	json_key(&j, "messages");
	json_arr_begin(&j);
	for (i = 0; i < n && shown < f.limit; i++) {
		if (strcmp(ids[i], f.after) <= 0 ||
		    spool_load(QA.dirfd, ids[i], &m, err, sizeof(err)) == -1)
			continue;
		if (qa_mine(r, &m) && qa_match(&f, &m)) {
			spool_json_msg(&j, &m);
			util_strlcpy(last, ids[i], sizeof(last));
			shown++;
		}
		spool_msg_free(&m);
	}
	json_arr_end(&j);
	json_kstr(&j, "next_cursor", shown == f.limit && i < n ? last : "");
	json_obj_end(&j);
	spool_free_ids(ids, n);
	return json_finish(&j) == 0 ? 200 : 500;
}

/* show, or an action on one message (op "queue.VERB"). */
static int
qa_one(const struct ipc_adm_req *r, struct buf *out)
{
	static const char *verbs[] = { "hold", "release", "delete", "retry" };
	struct spool_msg	 m;
	struct json		 j;
	const char		*verb = r->op + 6, *cmd = NULL;
	char			 err[256];
	size_t			 i;
	int			 mine;

	if (!spool_valid_id(r->arg) || spool_load(QA.dirfd, r->arg, &m, err,
	    sizeof(err)) == -1)
		return http_problem(out, 404, "no such message in the queue", NULL);
	mine = qa_mine(r, &m);
	json_init(&j, out);
	if (mine && strcmp(verb, "show") == 0)
		spool_json_msg(&j, &m);
	spool_msg_free(&m);
	if (!mine)
		return http_problem(out, 403, "this token is limited to another "
		    "domain", NULL);
	if (strcmp(verb, "show") == 0)
		return json_finish(&j) == 0 ? 200 : 500;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i]) == 0)
			cmd = strcmp(verb, "retry") == 0 ? "flush" : verb;
	if (cmd == NULL)
		return http_problem(out, 500, "unknown queue operation", NULL);
	keeper_command(cmd, r->arg, NULL);
	qa_audit(r, r->op, r->arg);
	json_obj_begin(&j);
	json_kstr(&j, "id", r->arg);
	json_kstr(&j, "done", verb);
	json_obj_end(&j);
	return json_finish(&j) == 0 ? 200 : 500;
}

static void
qa_audit(const struct ipc_adm_req *r, const char *action, const char *target)
{
	struct store_audit	a;
	struct store		*st = tstore_get();

	memset(&a, 0, sizeof(a));
	a.time = (int64_t)(util_now_ms() / 1000);
	util_strlcpy(a.actor, r->actor, sizeof(a.actor));
	util_strlcpy(a.client, r->client, sizeof(a.client));
	util_strlcpy(a.action, action, sizeof(a.action));
	util_strlcpy(a.target, target, sizeof(a.target));
	if (st == NULL || store_audit_add(st, &a) != STORE_OK)
		log_warnx("queue: audit log: %s", st != NULL ?
		    store_errmsg(st) : "no store");
}

static int
qa_run(const struct ipc_adm_req *r, struct buf *out)
{
	struct json	j;

	if (strcmp(r->op, "queue.list") == 0)
		return qa_list(r, out);
	if (strcmp(r->op, "queue.flush") == 0) {
		if (r->domain[0] != '\0')
			return http_problem(out, 403, "flushing the whole queue "
			    "needs a token for every domain", NULL);
		keeper_command("flush", "", NULL);
		qa_audit(r, r->op, "*");
		json_init(&j, out);
		json_obj_begin(&j);
		json_kstr(&j, "done", "flush");
		json_obj_end(&j);
		return json_finish(&j) == 0 ? 200 : 500;
	}
	if (strncmp(r->op, "queue.", 6) == 0)
		return qa_one(r, out);
	return http_problem(out, 500, "unknown operation", NULL);
}

static void *
qa_main(void *arg)
{
	struct ipc_msg		*m;
	struct ipc_adm_req	*r;
	struct buf		 out;
	int			 status, rc;

	(void)arg;
	if ((m = malloc(sizeof(*m))) == NULL ||
	    (r = malloc(sizeof(*r))) == NULL)
		fatal("queue: admin thread");
	buf_init(&out, OUT_MAX);
	while ((rc = ipc_adm_recv(QA.sock, m, r)) == 1 || rc == -2) {
		buf_reset(&out);
		if (rc == -2) {
			log_warnx("queue: malformed admin request");
			status = http_problem(&out, 400, "malformed request", NULL);
		} else
			status = qa_run(r, &out);
		if (ipc_adm_answer(QA.sock, m->id, status, out.data != NULL ?
		    out.data : "", out.len) == -1)
			log_warn("queue: admin answer");
		ipc_adm_clear(r);
	}
	buf_free(&out);
	tstore_close();
	free(m);
	free(r);
	return NULL;
}
