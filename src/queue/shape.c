/*
 * shape: see shape.h.  The hold decisions read clock_now() (tests move
 * it); the time a skipped message is due again is the scheduler's own
 * clock, one second on: the scheduler does not pick it again before its
 * holds let it go (hold_admit() as a hint), so that second only bounds
 * how soon a freed slot is used.
 */
#include <sys/socket.h>

#include <string.h>

#include "lib/clock.h"
#include "lib/util.h"
#include "queue/djob.h"
#include "queue/health.h"
#include "queue/provider.h"
#include "queue/shape.h"
#include "queue/tstore.h"

static void	scopes(const struct djob_msg *, char *, char *, size_t);
static void	mark(struct djob_msg *);

static void
scopes(const struct djob_msg *jm, char *dkim, char *spf, size_t sz)
{
	hold_msg_dkim(jm->prefix.data, jm->prefix.len, jm->env->sender, dkim,
	    sz);
	hold_msg_spf(jm->env->sender, spf, sz);
}

/* Not now: back to the scheduler untried, if nothing was decided. */
static void
mark(struct djob_msg *jm)
{
	size_t	k;

	for (k = 0; k < jm->n; k++)
		if (jm->res[k].state != 0)
			return;
	jm->skip = (int64_t)(util_now_ms() / 1000) + 1;
	jm->answered = 1;
}

int
shape_ready(int p, const char *sig, size_t siglen, const char *sender)
{
	char	dkim[256], spf[256];

	/* held first: the scheduler parks held mail, not full */
	if (hold_any()) {	/* else no parsing, no lock */
		hold_msg_dkim(sig, siglen, sender, dkim, sizeof(dkim));
		hold_msg_spf(sender, spf, sizeof(spf));
		if (!hold_admit(p, dkim, spf, clock_now(), NULL))
			return SHAPE_HELD;
	}
	return provider_room(p) ? SHAPE_READY : SHAPE_FULL;
}

int
shape_open(struct shape_conn *sc, struct djob *job)
{
	char	dkim[256], spf[256];
	size_t	i;
	int	any = 0;

	sc->slot = 0;
	sc->sent = 0;
	sc->ticket.n = 0;
	sc->ip[0] = '\0';
	if (sc->prov < 0)
		return 1;
	if (provider_conn_take(sc->prov) == 0) {
		sc->slot = 1;
		/* the first message that may go takes its holds' slots */
		for (i = 0; i < job->nmsg && !any; i++) {
			if (job->msg[i].answered)
				continue;
			scopes(&job->msg[i], dkim, spf, sizeof(dkim));
			any = hold_admit(sc->prov, dkim, spf, clock_now(),
			    &sc->ticket);
		}
		if (any)
			return 1;
		shape_close(sc);
	}
	for (i = 0; i < job->nmsg; i++)
		if (!job->msg[i].answered)
			mark(&job->msg[i]);
	return 0;
}

int
shape_msg(struct shape_conn *sc, struct djob_msg *jm)
{
	char	dkim[256], spf[256];

	if (sc->prov < 0) {
		sc->sent++;
		return 1;
	}
	scopes(jm, dkim, spf, sizeof(dkim));
	if (!hold_admit(sc->prov, dkim, spf, clock_now(), &sc->ticket) ||
	    !provider_msg_take(sc->prov)) {
		mark(jm);
		return 0;
	}
	sc->sent++;
	return 1;
}

int
shape_full(const struct shape_conn *sc)
{
	const struct provider	*p = provider_get(sc->prov);

	return p != NULL && p->per_conn != 0 && sc->sent >= p->per_conn;
}

void
shape_close(struct shape_conn *sc)
{
	shape_between(sc);
	if (sc->slot)
		provider_conn_drop(sc->prov);
	sc->slot = 0;
}

void
shape_between(struct shape_conn *sc)
{
	if (sc->ticket.n > 0)
		hold_release(&sc->ticket);
}

void
shape_reply(struct shape_conn *sc, const struct djob_msg *jm, int code,
    const char *enhanced, const char *text)
{
	char	dkim[256] = "", spf[256] = "", why[600];
	int64_t	now = clock_now();

	if (sc->prov < 0 || code < 400)
		return;
	if (jm != NULL)
		scopes(jm, dkim, spf, sizeof(dkim));
	if (hold_observe(sc->prov, code, enhanced, text, sc->ip, dkim, spf,
	    now) && jm != NULL) {
		(void)util_snprintf(why, sizeof(why), "%d %s %s", code,
		    enhanced, text);
		health_signal(tstore_get(), jm->env->auth_user, now, why);
	}
}

void
shape_local_addr(struct shape_conn *sc, int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		util_addr_str((struct sockaddr *)&ss, sc->ip, sizeof(sc->ip));
}
