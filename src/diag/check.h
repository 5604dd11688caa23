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
 *
 * With o->imap, check_run() then runs the IMAP leg (check_imap.c, see
 * below): how a sending platform reads the mailbox.
 */
#ifndef POSTERN_CHECK_H
#define POSTERN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "core/reply.h"
#include "core/smtp_client.h"
#include "lib/buf.h"
#include "diag/check_imap_parse.h"
#include "diag/step.h"

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
	/* the IMAP leg (check_imap.c), run after the SMTP steps */
	int		 imap;		/* check IMAP too */
	char		 imap_host[256]; /* "" = the SMTP host */
	unsigned	 imap_port;	/* 0 = 993 (143 for starttls, plain) */
	enum check_mode	 imap_mode;	/* auto: STARTTLS on 143, else TLS */
	const char	*imap_user;	/* NULL = user */
	const char	*imap_password;	/* NULL = password */
	size_t		 imap_passlen;
};

struct check_step_result {
	enum step_state	 state;
	uint64_t	 ms;
	char		 detail[1024];	/* one line for people */
	char		 note[1024];	/* a detection: what it means */
	struct reply	 reply;		/* the server's reply, if any */
	int		 has_reply;
};

/*
 * The IMAP leg: how a sending platform reads the mailbox (replies,
 * warm-up).  Connect, implicit TLS or STARTTLS, greeting, CAPABILITY,
 * LOGIN, the extensions platforms need, SELECT INBOX, the Junk folder,
 * the namespace prefix, LOGOUT.  Each step is explained like the SMTP
 * ones; a NO is explained from the knowledge base by its text.
 */
enum check_imap_step {
	ISTEP_CONNECT,
	ISTEP_TLS,		/* implicit TLS */
	ISTEP_GREETING,
	ISTEP_CAPABILITY,	/* before login (before TLS on STARTTLS) */
	ISTEP_STARTTLS,
	ISTEP_CAPABILITY_TLS,
	ISTEP_LOGIN,
	ISTEP_EXTENSIONS,	/* after login: what platforms will miss */
	ISTEP_SELECT,
	ISTEP_FOLDERS,		/* LIST: the Junk folder */
	ISTEP_NAMESPACE,
	ISTEP_LOGOUT,
	ISTEP_COUNT
};

struct check_imap_step_result {
	enum step_state	 state;
	uint64_t	 ms;
	char		 detail[1024];
	char		 note[2048];
	char		 response[512];	/* the server's line behind a
					   failure, printable, or "" */
};

struct check_imap_result {
	int			 enabled;
	char			 host[256];
	unsigned		 port;
	enum check_mode		 mode;		/* resolved */
	char			 addr[64];
	char			 software[64];
	struct sc_tls_info	 tls;
	int			 tls_active;
	unsigned		 caps;		/* ICAP_* after login */
	char			 missing[128];	/* platform caps absent */
	char			 junk[CHECK_IMAP_NAME_MAX];
	char			 junk_by[16];	/* "\\Junk", "name" or "" */
	char			 prefix[CHECK_IMAP_NAME_MAX];
	char			 delimiter[4];
	int			 folders;	/* LIST answers */
	struct check_imap_step_result step[ISTEP_COUNT];
	int			 failed;	/* check_imap_step or -1 */
	int			 exit_status;
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
	struct check_imap_result imap;		/* enabled if checked */
};

int	 check_run(const struct check_opts *, struct check_result *);
/* Port 0 is 465 for CHECK_TLS, else 587. */
unsigned check_port(enum check_mode, unsigned port);
/* Auto is CHECK_TLS on 465 (RFC 8314), else CHECK_STARTTLS. */
enum check_mode check_mode_for_port(enum check_mode, unsigned port);
void	 check_print_text(const struct check_result *, int verbose);
void	 check_print_json(const struct check_result *);
/* The JSON check_print_json() prints, into b (check_json.c).  0 or -1. */
int	 check_json(const struct check_result *, struct buf *);
/* The first failed step's name, SMTP's before IMAP's, or NULL. */
const char *check_failed_step(const struct check_result *);
/* "SMTP works but IMAP fails: ..." and the like; NULL without IMAP. */
const char *check_summary(const struct check_result *);
const char *check_step_name(enum check_step);
int	 check_step_exit(enum check_step);

/*
 * The IMAP leg, after check_run()'s SMTP steps (check_run() calls it when
 * o->imap): fills r->imap and, when SMTP passed, takes r->exit_status
 * from the first failed IMAP step.
 */
int	 check_imap_run(const struct check_opts *, struct check_result *);
/* Port 0 is 143 for CHECK_STARTTLS and CHECK_PLAIN, else 993. */
unsigned check_imap_port(enum check_mode, unsigned port);
/* Auto is CHECK_STARTTLS on 143, else implicit TLS, as platforms dial. */
enum check_mode check_imap_mode_for_port(enum check_mode, unsigned port);
const char *check_imap_step_name(enum check_imap_step);
int	 check_imap_step_exit(enum check_imap_step);

/* The command line: `postern check ...`. */
int	 cli_check(int argc, char **argv);

#endif
