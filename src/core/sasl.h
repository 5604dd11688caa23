/*
 * sasl: server side of SASL PLAIN (RFC 4616) and LOGIN
 * (draft-murchison-sasl-login) as used by SMTP AUTH (RFC 4954).  Pure:
 * no I/O, no logging.  The SMTP session feeds it the optional initial
 * response and each client line, and sends the 334 challenges it returns.
 * The credentials it collects are wiped by sasl_clear(), which the caller
 * must call on every path.
 */
#ifndef POSTERN_SASL_H
#define POSTERN_SASL_H

#include <stddef.h>

#define SASL_USER_MAX	255	/* decoded authentication identity */
#define SASL_PASS_MAX	1024	/* decoded password */

enum sasl_mech {
	SASL_MECH_PLAIN,
	SASL_MECH_LOGIN,
};

enum sasl_status {
	SASL_CONTINUE,		/* send "334 <challenge>" and wait */
	SASL_DONE,		/* user and pass are ready to verify */
	SASL_ERR_BASE64,	/* undecodable response: 501 5.5.2 */
	SASL_ERR_CANCEL,	/* client sent "*": 501 5.7.0 */
	SASL_ERR_SYNTAX,	/* decoded message malformed or too long:
				   501 5.5.2 */
	SASL_ERR_AUTHZ,		/* PLAIN authzid differs from authcid:
				   535 5.7.8 */
};

struct sasl {
	enum sasl_mech	mech;
	int		step;
	char		user[SASL_USER_MAX + 1];	/* NUL-terminated */
	char		pass[SASL_PASS_MAX + 1];	/* NUL-terminated */
	size_t		userlen;
	size_t		passlen;
};

/* Case-insensitive mechanism name lookup; 0 on success, -1 if unknown. */
int	sasl_mech_parse(const char *name, enum sasl_mech *);
const char *sasl_mech_name(enum sasl_mech);

/*
 * Start an exchange.  initial is the initial response from the AUTH
 * command line (RFC 4954 §4: "=" means an empty response) or NULL when
 * there was none.  On SASL_CONTINUE *challenge points to the base64 text
 * to send after "334 " (possibly empty).
 */
enum sasl_status sasl_start(struct sasl *, enum sasl_mech,
	    const char *initial, const char **challenge);

/* Feed one client line (without CRLF). */
enum sasl_status sasl_step(struct sasl *, const char *line,
	    const char **challenge);

/* Wipe credentials (explicit_bzero). Safe to call more than once. */
void	sasl_clear(struct sasl *);

#endif
