/*
 * sign: the DKIM signatures of one queued message (RFC 6376), made with
 * every active key of the sender's domain in the account store
 * (store_dkim_active) by dkim.h.  The scheduler signs a message once,
 * before its first remote delivery, and sends the fields ahead of the
 * content of every copy.  A key that cannot sign is logged and skipped:
 * the message then goes out with the signatures that could be made,
 * or none, never not at all.
 */
#ifndef POSTERN_SIGN_H
#define POSTERN_SIGN_H

#include <stdint.h>

#include "lib/buf.h"

struct store;

/*
 * Append to out the DKIM-Signature fields for the content_len bytes of
 * content read from fd at content_off (spool_open_msg()), sent by sender; id names the message
 * in the log.  0 when the domain's keys were tried (out may get nothing:
 * no active key, or none could sign); -1 when signing could not start
 * (no sender domain, no store, no content, the content unreadable), so
 * a later job may try again; -2 when the store did not answer for the
 * keys: the message must wait, or it would leave unsigned.
 */
int	sign_message(struct store *, const char *id, const char *sender,
	    int fd, uint64_t content_off, uint64_t content_len, int64_t now,
	    struct buf *out);

#endif
