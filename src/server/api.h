/*
 * api: the operations of the admin API that need the store, run in the
 * auth process (which owns it) for the admin process (which holds no
 * store).  The admin process does HTTP, routing and the token check's
 * bookkeeping; it sends each operation over IPC (IPC_ADM_REQ, see
 * auth_admin.c) and relays the JSON answer as it comes (IPC_ADM_RES).
 *
 * Authorisation is decided twice, on purpose: the admin process refuses
 * a token without the route's scope before asking; here each operation
 * checks the token's domain restriction against the domain of what it
 * touches, because only the store knows that domain.  Every operation
 * that changes something writes one audit row in the same call.
 *
 * Results are HTTP statuses; the body is JSON (a problem document for
 * errors: type, title, status, detail, fix).
 */
#ifndef POSTERN_API_H
#define POSTERN_API_H

#include <stddef.h>
#include <stdint.h>

#include "core/token.h"
#include "lib/buf.h"
#include "lib/ipc_adm.h"
#include "lib/json.h"
#include "store/store.h"

struct config;

/* One operation: the request as the admin process sent it, and when. */
struct api_call {
	struct ipc_adm_req	 r;
	int64_t			 now;
	int64_t			 familiar_since;	/* auth_familiar_days
							   ago */
};

/* Run one operation; the answer's JSON goes to out.  An HTTP status. */
int	 api_run(struct store *, const struct config *,
	    const struct api_call *, struct buf *out);

/* Shared by the operations (api.c). */
/* 1 if the call's token may act on this domain (its restriction). */
int	 api_domain_ok(const struct api_call *, const char *domain);
void	 api_audit(struct store *, const struct api_call *,
	    const char *action, const char *target, const char *detail);
/* A query parameter, decoded ("" when absent).  0, or -1 if bad. */
int	 api_query_str(const struct api_call *, const char *key, char *out,
	    size_t outsz);
/* An integer query parameter within [min, max], or def. -1 if bad. */
int	 api_query_int(const struct api_call *, const char *key, int64_t min,
	    int64_t max, int64_t def, int64_t *out);

/* The operations, one file per resource. */
int	 api_token_check(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailboxes_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_get(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_unlock(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_password(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_lock(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_create(struct store *, const struct api_call *,
	    struct buf *);
int	 api_mailbox_delete(struct store *, const struct api_call *,
	    struct buf *);
int	 api_domains_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_add(struct store *, const struct api_call *,
	    struct buf *);
int	 api_suppress_remove(struct store *, const struct api_call *,
	    struct buf *);
int	 api_audit_list(struct store *, const struct api_call *,
	    struct buf *);
/* "domains": [...] of the call's domains into an open object. */
int	 api_domains_json(struct store *, const struct api_call *,
	    struct json *);
/* api_overview.c */
int	 api_overview(struct store *, const struct api_call *, struct buf *);
int	 api_logins_list(struct store *, const struct api_call *,
	    struct buf *);
/* api_session.c: the console's login and the API's tokens */
int	 api_session_login(struct store *, const struct api_call *,
	    struct buf *);
int	 api_tokens_list(struct store *, const struct api_call *,
	    struct buf *);
int	 api_token_create(struct store *, const struct api_call *,
	    struct buf *);
int	 api_token_revoke(struct store *, const struct api_call *,
	    struct buf *);

/* --- provisioning, domains, check (helper B) --- */
/* The server's configuration, for the operations that need it
   (api_run() sets it before each operation). */
extern const struct config *api_cfg;
int	 api_provision(struct store *, const struct api_call *,
	    struct buf *);
int	 api_domain_create(struct store *, const struct api_call *,
	    struct buf *);
int	 api_domain_delete(struct store *, const struct api_call *,
	    struct buf *);
int	 api_domain_check(struct store *, const struct api_call *,
	    struct buf *);
/* POST /api/v1/check: validated here, run on a thread of its own
   (api_check_start()); this is what api_run() answers when called for
   it directly (never: auth_admin.c hands it to api_check_start()). */
int	 api_check(struct store *, const struct api_call *, struct buf *);
/*
 * Run the check of c (a copy is taken) on a thread of its own, at most
 * API_CHECKS_MAX at once, and send its answer on sock with answer(),
 * which the caller makes safe against its own answers.  0, or an HTTP
 * status with a problem in out to answer at once.
 */
#define API_CHECKS_MAX	2
int	 api_check_start(const struct api_call *c, uint64_t id,
	    void (*answer)(uint64_t, int, const struct buf *), struct buf *out);

#endif
