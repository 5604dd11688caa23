/*
 * auth: the process that owns the account store.  The main thread reads
 * requests from the SMTP process and queues them; auth_workers threads,
 * each with its own store handle, answer them, so a slow argon2id
 * verification never stalls lookups behind it for long and never touches
 * the SMTP event loop.  Replies carry the request id, so they may be sent
 * out of order; a mutex serialises writes to the socket.
 *
 * Unknown users are verified against a dummy hash of the same cost, so
 * the reply and its timing are the same as for a wrong password.  The
 * reason ("unknown user", "wrong password") goes back to the SMTP process
 * for its log only, never to the client.  Passwords are wiped from every
 * buffer once verified.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "password.h"
#include "proc.h"
#include "sasl.h"
#include "smtp_parse.h"
#include "store.h"
#include "util.h"

struct auth_job {
	struct auth_job	*next;
	struct ipc_msg	 msg;
};

static struct {
	const char	*datadir;
	int		 sock;
	pthread_mutex_t	 lock;		/* queue and done */
	pthread_cond_t	 cond;
	pthread_mutex_t	 send_lock;
	struct auth_job	*head, *tail;
	int		 done;
} A = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.send_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void	*auth_worker(void *);
static void	 auth_handle(struct store *, struct ipc_msg *);
static void	 auth_verify(struct store *, struct ipc_msg *);
static void	 auth_rcpt(struct store *, struct ipc_msg *);
static void	 auth_reply(struct ipc_msg *);

static void
auth_reply(struct ipc_msg *m)
{
	pthread_mutex_lock(&A.send_lock);
	if (ipc_send(A.sock, m) == -1)
		log_warn("auth: reply");
	pthread_mutex_unlock(&A.send_lock);
}

static void
auth_verify(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg		 res;
	struct store_mailbox	 mb;
	char			 mech[16], user[SASL_USER_MAX + 1];
	char			 pass[SASL_PASS_MAX + 1];
	const char		*reason = "";
	uint32_t		 result = AUTH_RES_FAIL;
	int			 rc;

	if (ipc_get_str(req, mech, sizeof(mech)) == -1 ||
	    ipc_get_str(req, user, sizeof(user)) == -1 ||
	    ipc_get_str(req, pass, sizeof(pass)) == -1 ||
	    ipc_get_end(req) == -1) {
		log_warnx("auth: malformed request");
		result = AUTH_RES_TEMPFAIL;
		reason = "malformed request";
		goto reply;
	}
	rc = store_mailbox_get(st, user, &mb);
	if (rc == STORE_OK) {
		rc = password_verify(mb.hash, pass, strlen(pass));
		if (rc == 1) {
			result = AUTH_RES_OK;
			reason = "ok";
		} else if (rc == 0)
			reason = "wrong password";
		else {
			result = AUTH_RES_TEMPFAIL;
			reason = "unsupported password hash in store";
		}
	} else if (rc == STORE_NOTFOUND) {
		(void)password_verify_dummy(pass, strlen(pass));
		reason = "unknown user";
	} else {
		log_warnx("auth: store: %s", store_errmsg(st));
		result = AUTH_RES_TEMPFAIL;
		reason = "account store unavailable";
	}
reply:
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(req->data, req->len);
	ipc_msg_init(&res, IPC_AUTH_RES, req->id);
	ipc_put_u32(&res, result);
	ipc_put_str(&res, reason);
	auth_reply(&res);
}

static void
auth_rcpt(struct store *st, struct ipc_msg *req)
{
	struct ipc_msg		 res;
	struct store_mailbox	 mb;
	char			 addr[SMTP_ADDR_MAX + 1], *at;
	uint32_t		 result;
	int			 rc;

	if (ipc_get_str(req, addr, sizeof(addr)) == -1 ||
	    ipc_get_end(req) == -1) {
		log_warnx("auth: malformed recipient request");
		result = RCPT_RES_TEMPFAIL;
		goto reply;
	}
	if ((at = strrchr(addr, '@')) == NULL) {
		/* bare <postmaster>, RFC 5321 §4.1.1.3 */
		result = RCPT_RES_OK;
		goto reply;
	}
	rc = store_domain_exists(st, at + 1);
	if (rc == STORE_NOTFOUND) {
		result = RCPT_RES_RELAY;
		goto reply;
	}
	if (rc == STORE_OK) {
		*at = '\0';
		if (strcasecmp(addr, "postmaster") == 0) {
			result = RCPT_RES_OK;
			goto reply;
		}
		*at = '@';
		rc = store_mailbox_get(st, addr, &mb);
	}
	result = rc == STORE_OK ? RCPT_RES_OK : rc == STORE_NOTFOUND ?
	    RCPT_RES_UNKNOWN : RCPT_RES_TEMPFAIL;
	if (result == RCPT_RES_TEMPFAIL)
		log_warnx("auth: store: %s", store_errmsg(st));
reply:
	ipc_msg_init(&res, IPC_RCPT_RES, req->id);
	ipc_put_u32(&res, result);
	auth_reply(&res);
}

static void
auth_handle(struct store *st, struct ipc_msg *m)
{
	switch (m->type) {
	case IPC_AUTH_REQ:
		auth_verify(st, m);
		break;
	case IPC_RCPT_REQ:
		auth_rcpt(st, m);
		break;
	default:
		log_warnx("auth: unexpected message type %u", m->type);
		break;
	}
}

static void *
auth_worker(void *arg)
{
	struct store	*st;
	struct auth_job	*job;
	char		 err[512];

	if ((st = store_open(A.datadir, 0, err, sizeof(err))) == NULL)
		log_warnx("auth: %s", err);
	for (;;) {
		pthread_mutex_lock(&A.lock);
		while (A.head == NULL && !A.done)
			pthread_cond_wait(&A.cond, &A.lock);
		if ((job = A.head) == NULL) {
			pthread_mutex_unlock(&A.lock);
			break;
		}
		if ((A.head = job->next) == NULL)
			A.tail = NULL;
		pthread_mutex_unlock(&A.lock);
		if (st == NULL && (st = store_open(A.datadir, 0, err,
		    sizeof(err))) == NULL)
			log_warnx("auth: %s", err);
		if (st != NULL)
			auth_handle(st, &job->msg);
		else {
			/* answer so the client is not left hanging */
			struct ipc_msg res;

			ipc_msg_init(&res, job->msg.type == IPC_AUTH_REQ ?
			    IPC_AUTH_RES : IPC_RCPT_RES, job->msg.id);
			ipc_put_u32(&res, job->msg.type == IPC_AUTH_REQ ?
			    AUTH_RES_TEMPFAIL : RCPT_RES_TEMPFAIL);
			if (job->msg.type == IPC_AUTH_REQ)
				ipc_put_str(&res, "account store unavailable");
			auth_reply(&res);
		}
		explicit_bzero(&job->msg, sizeof(job->msg));
		free(job);
	}
	store_close(st);
	return NULL;
}

void
auth_main(const struct config *cfg, const char *datadir, int sock)
{
	pthread_t	*tids;
	struct auth_job	*job;
	unsigned	 i;
	int		 r;

	log_set_role("auth");
	A.datadir = datadir;
	A.sock = sock;
	/* stop with the SMTP process (EOF), not with the terminal's ^C */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if ((tids = calloc(cfg->auth_workers, sizeof(*tids))) == NULL)
		fatal("auth: calloc");
	for (i = 0; i < cfg->auth_workers; i++)
		if (pthread_create(&tids[i], NULL, auth_worker, NULL) != 0)
			fatalx("auth: cannot start worker thread");
	for (;;) {
		if ((job = malloc(sizeof(*job))) == NULL)
			fatal("auth: malloc");
		r = ipc_recv(sock, &job->msg);
		if (r <= 0) {
			free(job);
			if (r == -1)
				log_warn("auth: receive");
			break;
		}
		job->next = NULL;
		pthread_mutex_lock(&A.lock);
		if (A.tail)
			A.tail->next = job;
		else
			A.head = job;
		A.tail = job;
		pthread_cond_signal(&A.cond);
		pthread_mutex_unlock(&A.lock);
	}
	pthread_mutex_lock(&A.lock);
	A.done = 1;
	pthread_cond_broadcast(&A.cond);
	pthread_mutex_unlock(&A.lock);
	for (i = 0; i < cfg->auth_workers; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	log_debug("auth: exiting");
	exit(0);
}
