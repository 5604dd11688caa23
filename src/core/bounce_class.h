/*
 * bounce_class: classify a failed delivery into a reason (a taxonomy
 * after Sisimai's), hard or soft, and whose fault it is: the recipient's
 * address, the sender (IP, domain, authentication, content, pace), or
 * neither/unknown.  Pure; shared by the queue (suppression, logs) and
 * `postern explain`.  The rules are described in bounce_class.c.
 */
#ifndef POSTERN_BOUNCE_CLASS_H
#define POSTERN_BOUNCE_CLASS_H

#include <stddef.h>

enum bounce_reason {
	BOUNCE_UNDEFINED,
	BOUNCE_USERUNKNOWN,
	BOUNCE_HOSTUNKNOWN,
	BOUNCE_HASMOVED,
	BOUNCE_NOTACCEPT,
	BOUNCE_MAILBOXFULL,
	BOUNCE_SUSPEND,
	BOUNCE_FILTERED,
	BOUNCE_REJECTED,	/* the envelope sender was refused */
	BOUNCE_BLOCKED,		/* the sending IP or host was refused */
	BOUNCE_BADREPUTATION,
	BOUNCE_REQUIREPTR,
	BOUNCE_AUTHFAILURE,	/* SPF, DKIM, DMARC */
	BOUNCE_SECURITYERROR,	/* AUTH, TLS, other X.7 */
	BOUNCE_SPAMDETECTED,
	BOUNCE_VIRUSDETECTED,
	BOUNCE_POLICYVIOLATION,
	BOUNCE_CONTENTERROR,
	BOUNCE_NOTCOMPLIANTRFC,
	BOUNCE_MESGTOOBIG,
	BOUNCE_EXCEEDLIMIT,
	BOUNCE_RATELIMITED,	/* Sisimai's "speeding" */
	BOUNCE_TOOMANYCONN,
	BOUNCE_SYNTAXERROR,
	BOUNCE_NORELAYING,
	BOUNCE_EXPIRED,
	BOUNCE_NETWORKERROR,
	BOUNCE_SYSTEMERROR,
	BOUNCE_SYSTEMFULL,
	BOUNCE_MAILERERROR,
	BOUNCE_ONHOLD,
	BOUNCE_NREASONS
};

enum bounce_fault {
	BOUNCE_FAULT_UNKNOWN,
	BOUNCE_FAULT_RECIPIENT,
	BOUNCE_FAULT_SENDER
};

/*
 * The SMTP command a failure answered.  BOUNCE_CMD_ANY: the caller does
 * not say (the queue's own replies; only a text that says "end of DATA"
 * moves a user-unknown to filtered).  BOUNCE_CMD_UNKNOWN: a bounce that
 * names no command (bounce_command() found none).
 */
enum bounce_cmd {
	BOUNCE_CMD_ANY,
	BOUNCE_CMD_UNKNOWN,
	BOUNCE_CMD_CONN,	/* greeting, HELO/EHLO, STARTTLS, AUTH */
	BOUNCE_CMD_MAIL,
	BOUNCE_CMD_RCPT,
	BOUNCE_CMD_DATA		/* DATA or the end of the message */
};

struct bounce_class {
	enum bounce_reason	 reason;
	enum bounce_fault	 fault;
	int			 hard;	/* the address itself is bad */
	const char		*rule;	/* which row decided, for logs */
};

/*
 * Classify one failure.  code: the basic reply code (0 if none);
 * enhanced: "5.1.1" or NULL/""; text: the reply or diagnostic text (may
 * be NULL); mx: the host that answered (may be NULL), for provider rows.
 */
void	bounce_classify(int code, const char *enhanced, const char *text,
	    const char *mx, struct bounce_class *out);

/* The same, knowing the command the failure answered. */
void	bounce_classify_cmd(int code, const char *enhanced, const char *text,
	    const char *mx, enum bounce_cmd cmd, struct bounce_class *out);

/*
 * The command a bounce's text (n bytes, any case) says failed: Postfix
 * "in reply to end of DATA command", Exim "SMTP error from remote mail
 * server after RCPT TO:", Sendmail/Courier transcripts (">>> DATA" then
 * "<<< 550"), qmail "but sender was rejected"; BOUNCE_CMD_UNKNOWN if none.
 */
enum bounce_cmd	bounce_command(const char *text, size_t n);

/* Fill *out for reason r (its fault and hard/soft), rule as given. */
void	bounce_class_set(struct bounce_class *out, enum bounce_reason r,
	    const char *rule);

/* Suppress the address?  A hard failure the recipient is at fault for. */
int	bounce_suppress(const struct bounce_class *);

const char	*bounce_reason_name(enum bounce_reason);
const char	*bounce_fault_name(enum bounce_fault);
const char	*bounce_cmd_name(enum bounce_cmd);

#endif
