/*
 * check: `postern check`, which tests a submission connection step by
 * step (credentials, DNS, TCP, TLS, banner, EHLO, STARTTLS, AUTH, MAIL,
 * RCPT, DATA) and, when a step fails, says what the reply means, whose
 * side it is on, the likely causes and the fixes.  check_run() is
 * reentrant (the bulk mode runs several at once); printing is separate.
 *
 * Auto mode (the default) uses implicit TLS on port 465 and STARTTLS
 * elsewhere; on another port, a server silent for CHECK_PROBE_MS after
 * the connect is tried with implicit TLS on a second connection (the
 * step "probe"), since that silence is what an implicit-TLS port does.
 */
#ifndef POSTERN_CHECK_H
#define POSTERN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"
#include "smtp_client.h"

enum check_mode { CHECK_AUTO, CHECK_STARTTLS, CHECK_TLS, CHECK_PLAIN };

enum check_step {
	STEP_CREDENTIALS,
	STEP_DNS,
	STEP_CONNECT,
	STEP_PROBE,		/* auto: silence, so implicit TLS? */
	STEP_TLS,		/* implicit TLS */
	STEP_BANNER,
	STEP_EHLO,
	STEP_STARTTLS,
	STEP_EHLO_TLS,
	STEP_AUTH,
	STEP_MAIL,
	STEP_RCPT,
	STEP_DATA,
	STEP_COUNT
};

enum step_state { STEP_SKIPPED, STEP_OK, STEP_WARN, STEP_FAILED };

/* Auto mode: how long a plaintext server may stay silent (ms). */
#define CHECK_PROBE_MS	3000

struct check_opts {
	char		 host[256];	/* "" = MX of the user's domain */
	unsigned	 port;		/* 0 = 587 (465 with --mode tls) */
	enum check_mode	 mode;
	const char	*user;
	const char	*password;
	size_t		 passlen;
	const char	*from;		/* NULL = the user */
	const char	*to;		/* NULL = no RCPT */
	int		 send;		/* really send a test message */
	unsigned	 timeout_ms;
	const char	*cafile;
	const char	*ehlo;		/* name for EHLO */
	const char	*connect_to;	/* numeric address to use instead
					   of resolving host (which stays
					   the TLS name) */
	int		 no_retry;	/* bulk: never a second AUTH */
	int		 clean;		/* retry once with cleaned creds */
};

struct check_step_result {
	enum step_state	 state;
	uint64_t	 ms;
	char		 detail[1024];	/* one line for people */
	char		 note[1024];	/* a detection: what it means */
	struct reply	 reply;		/* the server's reply, if any */
	int		 has_reply;
};

struct check_result {
	char			 host[256];
	unsigned		 port;
	enum check_mode		 mode;		/* resolved */
	int			 tls_fallback;	/* auto found implicit TLS
						   on a port other than 465 */
	char			 addr[64];	/* address connected to */
	char			 banner_host[256];
	char			 software[128];
	struct sc_tls_info	 tls;
	int			 tls_active;
	char			 auth_before_tls[128];
	char			 auth_after_tls[128];
	struct check_step_result step[STEP_COUNT];
	int			 failed;	/* enum check_step or -1 */
	int			 exit_status;
};

int	 check_run(const struct check_opts *, struct check_result *);
/* Port 0 is 465 for CHECK_TLS, else 587. */
unsigned check_port(enum check_mode, unsigned port);
/* Auto is CHECK_TLS on 465 (RFC 8314), else CHECK_STARTTLS. */
enum check_mode check_mode_for_port(enum check_mode, unsigned port);
void	 check_print_text(const struct check_result *, int verbose);
void	 check_print_json(const struct check_result *);
const char *check_step_name(enum check_step);
int	 check_step_exit(enum check_step);

/* The command line: `postern check ...`. */
int	 cli_check(int argc, char **argv);

#endif
