/*
 * sasl: server side of SASL PLAIN (RFC 4616) and LOGIN
 * (draft-murchison-sasl-login) for SMTP AUTH (RFC 4954).
 *
 * The exchange is a small state machine kept in struct sasl: PLAIN waits
 * for one message, LOGIN for a user name and then a password.  The
 * initial response of the AUTH line, when present, is fed to the first
 * state exactly like a client line, except that "=" stands for an empty
 * response (RFC 4954 §4) and "*" is not a cancellation there.  Later
 * lines follow RFC 4954 §4's grammar: "*" cancels, an empty line is an
 * empty response, anything else must be strict base64.
 *
 * Invariants: every decode goes into one fixed stack buffer sized for
 * the largest acceptable PLAIN message; longer input is refused before
 * decoding.  Every temporary that held credentials is wiped with
 * explicit_bzero() before returning, and user/pass are wiped on every
 * error, so after a failure the struct holds no secret.  Control
 * characters other than NUL are kept in user and pass on purpose: the
 * caller decides, and can tell a user that the pasted password ends in a
 * newline.
 *
 * Failure: a status other than SASL_CONTINUE or SASL_DONE ends the
 * exchange; sasl_step() after the end returns SASL_ERR_SYNTAX.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/sasl.h"
#include "lib/base64.h"

/*
 * Largest decoded message: PLAIN authzid NUL authcid NUL passwd, with
 * authzid as long as authcid (it may only repeat it).
 */
#define SASL_DEC_MAX	(2 * SASL_USER_MAX + SASL_PASS_MAX + 2)
#define SASL_ENC_MAX	((SASL_DEC_MAX + 2) / 3 * 4)

#define SASL_CHAL_USER	"VXNlcm5hbWU6"	/* "Username:" */
#define SASL_CHAL_PASS	"UGFzc3dvcmQ6"	/* "Password:" */

enum sasl_state {
	SASL_ST_IDLE = 0,	/* no exchange: before start, after end */
	SASL_ST_PLAIN,		/* waiting for the PLAIN message */
	SASL_ST_LOGIN_USER,	/* waiting for the LOGIN user name */
	SASL_ST_LOGIN_PASS,	/* waiting for the LOGIN password */
};

struct sasl_mech_row {
	const char	*name;
	enum sasl_mech	 mech;
	enum sasl_state	 first;		/* state after sasl_start() */
	const char	*challenge;	/* sent when there is no IR */
};

static const struct sasl_mech_row sasl_mechs[] = {
	{ "PLAIN", SASL_MECH_PLAIN, SASL_ST_PLAIN, "" },
	{ "LOGIN", SASL_MECH_LOGIN, SASL_ST_LOGIN_USER, SASL_CHAL_USER },
};

#define SASL_NMECHS	(sizeof(sasl_mechs) / sizeof(sasl_mechs[0]))

static const struct sasl_mech_row *sasl_mech_find(enum sasl_mech);
static enum sasl_status	sasl_feed(struct sasl *, const char *, int,
			    const char **);
static enum sasl_status	sasl_decode(const char *, int, unsigned char *,
			    size_t *);
static enum sasl_status	sasl_dispatch(struct sasl *, const unsigned char *,
			    size_t, const char **);
static enum sasl_status	sasl_plain(struct sasl *, const unsigned char *,
			    size_t);
static enum sasl_status	sasl_login_user(struct sasl *,
			    const unsigned char *, size_t, const char **);
static enum sasl_status	sasl_login_pass(struct sasl *,
			    const unsigned char *, size_t);
static int		sasl_set(char *, size_t *, size_t,
			    const unsigned char *, size_t);

int
sasl_mech_parse(const char *name, enum sasl_mech *mech)
{
	size_t	i;

	for (i = 0; i < SASL_NMECHS; i++) {
		if (strcasecmp(name, sasl_mechs[i].name) == 0) {
			*mech = sasl_mechs[i].mech;
			return 0;
		}
	}
	return -1;
}

const char *
sasl_mech_name(enum sasl_mech mech)
{
	const struct sasl_mech_row	*row;

	row = sasl_mech_find(mech);
	return row ? row->name : "UNKNOWN";
}

enum sasl_status
sasl_start(struct sasl *sa, enum sasl_mech mech, const char *initial,
    const char **challenge)
{
	const struct sasl_mech_row	*row;

	sasl_clear(sa);
	*challenge = NULL;
	if ((row = sasl_mech_find(mech)) == NULL)
		return SASL_ERR_SYNTAX;
	sa->mech = mech;
	sa->step = row->first;
	if (initial == NULL) {
		*challenge = row->challenge;
		return SASL_CONTINUE;
	}
	return sasl_feed(sa, initial, 1, challenge);
}

enum sasl_status
sasl_step(struct sasl *sa, const char *line, const char **challenge)
{
	*challenge = NULL;
	if (sa->step == SASL_ST_IDLE) {
		sasl_clear(sa);
		return SASL_ERR_SYNTAX;
	}
	return sasl_feed(sa, line, 0, challenge);
}

void
sasl_clear(struct sasl *sa)
{
	explicit_bzero(sa->user, sizeof(sa->user));
	explicit_bzero(sa->pass, sizeof(sa->pass));
	sa->userlen = 0;
	sa->passlen = 0;
	sa->step = SASL_ST_IDLE;
}

static const struct sasl_mech_row *
sasl_mech_find(enum sasl_mech mech)
{
	size_t	i;

	for (i = 0; i < SASL_NMECHS; i++)
		if (sasl_mechs[i].mech == mech)
			return &sasl_mechs[i];
	return NULL;
}

/*
 * Decode one response and hand it to the current state.  The decode
 * buffer is wiped on every path; on any error so are user and pass.
 */
static enum sasl_status
sasl_feed(struct sasl *sa, const char *text, int initial,
    const char **challenge)
{
	unsigned char		dec[SASL_DEC_MAX];
	size_t			declen = 0;
	enum sasl_status	st;

	if (!initial && strcmp(text, "*") == 0)
		st = SASL_ERR_CANCEL;
	else if ((st = sasl_decode(text, initial, dec, &declen)) ==
	    SASL_CONTINUE)
		st = sasl_dispatch(sa, dec, declen, challenge);
	explicit_bzero(dec, sizeof(dec));
	if (st != SASL_CONTINUE && st != SASL_DONE) {
		sasl_clear(sa);
		*challenge = NULL;
	}
	return st;
}

/*
 * Decode text into dec (SASL_DEC_MAX bytes).  RFC 4954 §4: an initial
 * response is base64 or "=" for empty, so "" is malformed there; a later
 * line may be empty.  Returns SASL_CONTINUE on success.
 */
static enum sasl_status
sasl_decode(const char *text, int initial, unsigned char *dec,
    size_t *declen)
{
	size_t	n;
	long	r;

	*declen = 0;
	if (initial && strcmp(text, "=") == 0)
		return SASL_CONTINUE;
	if (initial && *text == '\0')
		return SASL_ERR_BASE64;
	if ((n = strnlen(text, SASL_ENC_MAX + 1)) > SASL_ENC_MAX)
		return SASL_ERR_SYNTAX;
	if ((r = base64_decode(text, n, dec, SASL_DEC_MAX)) == -1)
		return SASL_ERR_BASE64;
	*declen = (size_t)r;
	return SASL_CONTINUE;
}

static enum sasl_status
sasl_dispatch(struct sasl *sa, const unsigned char *msg, size_t len,
    const char **challenge)
{
	switch (sa->step) {
	case SASL_ST_PLAIN:
		return sasl_plain(sa, msg, len);
	case SASL_ST_LOGIN_USER:
		return sasl_login_user(sa, msg, len, challenge);
	case SASL_ST_LOGIN_PASS:
		return sasl_login_pass(sa, msg, len);
	default:
		return SASL_ERR_SYNTAX;
	}
}

/*
 * RFC 4616 §2: message = [authzid] NUL authcid NUL passwd, with authcid
 * and passwd non-empty and no other NUL.  We only let a user act as
 * itself, so a non-empty authzid must equal authcid.
 */
static enum sasl_status
sasl_plain(struct sasl *sa, const unsigned char *msg, size_t len)
{
	const unsigned char	*nul1, *nul2, *authc, *pass;
	size_t			 zlen, clen, plen;

	if ((nul1 = memchr(msg, '\0', len)) == NULL)
		return SASL_ERR_SYNTAX;
	authc = nul1 + 1;
	zlen = (size_t)(nul1 - msg);
	if ((nul2 = memchr(authc, '\0', len - zlen - 1)) == NULL)
		return SASL_ERR_SYNTAX;
	pass = nul2 + 1;
	clen = (size_t)(nul2 - authc);
	plen = len - zlen - clen - 2;
	if (memchr(pass, '\0', plen) != NULL || zlen > SASL_USER_MAX)
		return SASL_ERR_SYNTAX;
	if (sasl_set(sa->user, &sa->userlen, SASL_USER_MAX, authc, clen) ||
	    sasl_set(sa->pass, &sa->passlen, SASL_PASS_MAX, pass, plen))
		return SASL_ERR_SYNTAX;
	if (zlen != 0 && (zlen != clen || memcmp(msg, authc, clen) != 0))
		return SASL_ERR_AUTHZ;
	sa->step = SASL_ST_IDLE;
	return SASL_DONE;
}

static enum sasl_status
sasl_login_user(struct sasl *sa, const unsigned char *msg, size_t len,
    const char **challenge)
{
	if (memchr(msg, '\0', len) != NULL ||
	    sasl_set(sa->user, &sa->userlen, SASL_USER_MAX, msg, len))
		return SASL_ERR_SYNTAX;
	sa->step = SASL_ST_LOGIN_PASS;
	*challenge = SASL_CHAL_PASS;
	return SASL_CONTINUE;
}

static enum sasl_status
sasl_login_pass(struct sasl *sa, const unsigned char *msg, size_t len)
{
	if (memchr(msg, '\0', len) != NULL ||
	    sasl_set(sa->pass, &sa->passlen, SASL_PASS_MAX, msg, len))
		return SASL_ERR_SYNTAX;
	sa->step = SASL_ST_IDLE;
	return SASL_DONE;
}

/*
 * Store a credential field of 1..max bytes, NUL-terminated.  Empty
 * fields are refused: RFC 4616 requires 1*SAFE for authcid and passwd,
 * and LOGIN follows the same rule.  Returns 0, or -1 if out of bounds.
 */
static int
sasl_set(char *dst, size_t *dstlen, size_t max, const unsigned char *src,
    size_t len)
{
	if (len == 0 || len > max)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	*dstlen = len;
	return 0;
}
