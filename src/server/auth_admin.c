/*
 * auth_admin: the auth process's end of the admin process's socket.  One
 * thread, with a store handle of its own, reads one operation at a time
 * (IPC_ADM_REQ), runs it (api.h) and sends the JSON answer back in
 * chunks that fit an IPC message (IPC_ADM_RES, "more" set on all but the
 * last).  Operator requests are few; doing them in turn keeps them off
 * the password workers, so a burst of API calls never delays an SMTP
 * login.  The thread ends when the admin process closes its socket.
 *
 * A malformed request is answered 400 and logged; a token's text is
 * wiped from memory once checked and never logged.
 *
 * The login check ("check.run", api_check.c) is the exception: it waits
 * on a network server, so it runs on a thread of its own and answers
 * when it ends; answers go out under one lock (auth_admin_answer()), so
 * the chunks of two answers never interleave on the socket.
 */
#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "lib/ipc_adm.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/http_srv.h"
#include "server/api.h"
#include "server/auth_admin.h"
#include "store/store.h"

#define OUT_MAX	(8 * 1024 * 1024)

static struct {
	const struct config	*cfg;
	const char		*datadir;
	int			 sock;
	pthread_t		 tid;
	int			 running;
} AA = { .sock = -1 };

static pthread_mutex_t	 answer_lock = PTHREAD_MUTEX_INITIALIZER;

static void	*auth_admin_main(void *);
static void	 auth_admin_answer(uint64_t, int, const struct buf *);
static void	 auth_admin_times(struct api_call *);

int
auth_admin_start(const struct config *cfg, const char *datadir, int sock)
{
	AA.cfg = cfg;
	AA.datadir = datadir;
	AA.sock = sock;
	if (sock == -1)
		return 0;
	if (pthread_create(&AA.tid, NULL, auth_admin_main, NULL) != 0)
		return -1;
	AA.running = 1;
	return 0;
}

void
auth_admin_stop(void)
{
	if (!AA.running)
		return;
	shutdown(AA.sock, SHUT_RDWR);	/* wakes the thread */
	pthread_join(AA.tid, NULL);
	AA.running = 0;
}

static void
auth_admin_times(struct api_call *c)
{
	c->now = (int64_t)(util_now_ms() / 1000);
	c->familiar_since = c->now - (int64_t)AA.cfg->auth_familiar_days *
	    86400;
}

/* One whole answer on the socket, from any thread. */
static void
auth_admin_answer(uint64_t id, int status, const struct buf *b)
{
	pthread_mutex_lock(&answer_lock);
	if (ipc_adm_answer(AA.sock, id, status, b->data != NULL ? b->data :
	    "", b->len) == -1)
		log_warn("auth: admin answer");
	pthread_mutex_unlock(&answer_lock);
}

static void *
auth_admin_main(void *arg)
{
	struct ipc_msg	*m;
	struct api_call	*c;
	struct store	*st;
	struct buf	 out;
	char		 err[512];
	int		 status, rc;

	(void)arg;
	m = malloc(sizeof(*m));
	c = malloc(sizeof(*c));
	if (m == NULL || c == NULL)
		fatal("auth: admin thread");
	if ((st = store_open(AA.datadir, 0, err, sizeof(err))) == NULL)
		log_warnx("auth: admin API: account store: %s", err);
	buf_init(&out, OUT_MAX);
	while ((rc = ipc_adm_recv(AA.sock, m, &c->r)) == 1 || rc == -2) {
		buf_reset(&out);
		auth_admin_times(c);
		if (rc == -2) {
			log_warnx("auth: malformed admin request");
			status = http_problem(&out, 400, "malformed request",
			    NULL);
		} else if (st == NULL)
			status = http_problem(&out, 503, "the account store "
			    "could not be opened", NULL);
		else if (strcmp(c->r.op, "check.run") == 0) {
			api_cfg = AA.cfg;
			status = api_check_start(c, m->id, auth_admin_answer,
			    &out);
		} else
			status = api_run(st, AA.cfg, c, &out);
		if (status != 0)	/* 0: a check thread answers */
			auth_admin_answer(m->id, status, &out);
		ipc_adm_clear(&c->r);
		explicit_bzero(c, sizeof(*c));
		explicit_bzero(m->data, sizeof(m->data));
	}
	buf_free(&out);
	if (st != NULL)
		store_close(st);
	free(m);
	free(c);
	return NULL;
}
