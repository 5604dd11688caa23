/*
 * cli_queue: `postern queue list|show|flush|delete|hold|release|holds`
 * (holds: cli_holds.c).
 *
 * list and show read the spool files (spool.h; the spool log read only,
 * seglog.h), so they work whether or not the server runs.  The changing commands depend on who owns the
 * queue: the queue process holds an exclusive flock on
 * DIR/spool/queue.lock for its whole life.  If we can take that lock the
 * server is stopped and the command edits the files itself (under the
 * lock, so a server starting meanwhile waits); otherwise it leaves the
 * command on the server's command channel (control.h) and the running
 * server applies it within a second.  Either way the effect is the same
 * records in ID.st.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_holds.h"
#include "lib/json.h"
#include "lib/util.h"
#include "queue/control.h"
#include "queue/spool.h"
#include "queue/spool_json.h"

#define HEADER_SHOW_MAX	(64 * 1024)

struct qcli {
	const char	*datadir;
	char		 qdir[PATH_MAX];
	int		 dirfd;
	int		 json;
};

static int	 qcli_open(struct qcli *, const char *);
static int	 qcli_list(struct qcli *);
static int	 qcli_show(struct qcli *, const char *);
static int	 qcli_change(struct qcli *, const char *, const char *);
static int	 qcli_offline(struct qcli *, const char *, const char *);
static int	 qcli_usage(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
qcli_open(struct qcli *q, const char *datadir)
{
	uint64_t	next;

	q->datadir = datadir;
	if (cli_server_user(datadir) == -1)
		return -1;
	if (util_snprintf(q->qdir, sizeof(q->qdir), "%s/spool/queue",
	    datadir) == -1 || (q->dirfd = open(q->qdir, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "postern: %s: %s\n", q->qdir, strerror(errno));
		return -1;
	}
	/* the spool log's messages, read only: the server may be writing */
	if (spool_index_load(q->dirfd, &next, SEGLOG_READONLY) == -1) {
		fprintf(stderr, "postern: %s: spool log: %s\n", q->qdir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
text_rcpts(const struct spool_msg *m)
{
	char	next[64], addr[SMTP_ADDR_MAX + 1];
	size_t	i;

	for (i = 0; i < m->env.nrcpt; i++) {
		const struct spool_rcpt *r = &m->rs[i];

		size_t ml = strlen(r->mta);
		/* connection failures already start with the host's name */
		int named = ml == 0 || (strncmp(r->reply, r->mta, ml) == 0 &&
		    r->reply[ml] == ':');

		cli_time(r->next, next, sizeof(next));
		spool_printable(addr, sizeof(addr), m->env.rcpt[i].addr,
		    strlen(m->env.rcpt[i].addr));
		printf("    %-8s %s", spool_rstate_name(r->state), addr);
		if (r->attempts > 0)
			printf("  (%" PRIu32 " attempt%s%s%s) %s%s%s",
			    r->attempts,
			    r->attempts == 1 ? "" : "s",
			    r->state == SPOOL_R_PENDING ? ", next " : "",
			    r->state == SPOOL_R_PENDING ? next : "",
			    named ? "" : r->mta, named ? "" : ": ", r->reply);
		printf("\n");
	}
}

static int
qcli_list(struct qcli *q)
{
	struct spool_msg	 m;
	struct buf		 b;
	struct json		 j;
	char			**ids, err[256], when[64];
	char			 from[SMTP_ADDR_MAX + 1];
	size_t			 n, i, shown = 0;

	if (spool_list_ids(q->dirfd, &ids, &n) == -1) {
		fprintf(stderr, "postern: %s: %s\n", q->qdir, strerror(errno));
		return 1;
	}
	buf_init(&b, 256 * 1024 * 1024);
	json_init(&j, &b);
	json_obj_begin(&j);
	json_key(&j, "messages");
	json_arr_begin(&j);
	for (i = 0; i < n; i++) {
		if (spool_load(q->dirfd, ids[i], &m, err, sizeof(err)) == -1) {
			if (errno != ENOENT)
				fprintf(stderr, "postern: %s: %s\n", ids[i],
				    err);
			continue;
		}
		shown++;
		if (q->json)
			spool_json_msg(&j, &m);
		else {
			cli_time((int64_t)m.env.created, when, sizeof(when));
			spool_printable(from, sizeof(from), m.env.sender,
			    strlen(m.env.sender));
			printf("%s %9" PRIu64 " %s <%s> %s\n", m.env.id,
			    m.content_len, when, from, spool_msg_state(&m));
			text_rcpts(&m);
		}
		spool_msg_free(&m);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	if (q->json) {
		if (json_finish(&j) == -1)
			fprintf(stderr, "postern: queue too large for JSON\n");
		else
			printf("%s\n", buf_str(&b));
	} else {
		printf("-- %zu message%s in the queue\n", shown,
		    shown == 1 ? "" : "s");
		cli_holds_footer(q->datadir);
	}
	buf_free(&b);
	spool_free_ids(ids, n);
	return 0;
}

/* The header section of the content, for `show`. */
static void
show_header(struct qcli *q, const char *id, uint64_t content_off,
    uint64_t content_len)
{
	char	*h, *end;
	size_t	 n = content_len < HEADER_SHOW_MAX ? content_len :
	    HEADER_SHOW_MAX;
	ssize_t	 r;
	int	 fd;

	if ((fd = spool_open_msg(q->dirfd, id)) == -1 ||
	    (h = malloc(n + 1)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	r = pread(fd, h, n, (off_t)content_off);
	close(fd);
	if (r > 0) {
		h[r] = '\0';
		if ((end = strstr(h, "\r\n\r\n")) != NULL)
			end[2] = '\0';
		/* remote text on the operator's terminal: no escapes */
		for (end = h; *end; end++)
			if (((unsigned char)*end < 0x20 && !strchr("\r\n\t",
			    *end)) || *end == 0x7f)
				*end = '?';
		printf("\n%s", h);
	}
	free(h);
}

static int
qcli_show(struct qcli *q, const char *id)
{
	struct spool_msg	m;
	struct buf		b;
	struct json		j;
	char			err[256], when[64];

	if (!spool_valid_id(id) ||
	    spool_load(q->dirfd, id, &m, err, sizeof(err)) == -1) {
		fprintf(stderr, "postern: queue: no message %s\n", id);
		return 1;
	}
	if (q->json) {
		buf_init(&b, 64 * 1024 * 1024);
		json_init(&j, &b);
		spool_json_msg(&j, &m);
		if (json_finish(&j) == 0)
			printf("%s\n", buf_str(&b));
		buf_free(&b);
	} else {
		cli_time((int64_t)m.env.created, when, sizeof(when));
		spool_printable(m.env.sender, sizeof(m.env.sender),
		    m.env.sender, strlen(m.env.sender));
		spool_printable(m.env.helo, sizeof(m.env.helo), m.env.helo,
		    strlen(m.env.helo));
		printf("id:        %s\narrival:   %s\nsize:      %" PRIu64
		    "\nsender:    <%s>\nauth:      %s\nclient:    %s\n"
		    "listener:  %s\nstate:     %s\nrecipients:\n", m.env.id,
		    when, m.content_len, m.env.sender,
		    m.env.auth_user[0] ? m.env.auth_user : "-", m.env.client,
		    m.env.listener, spool_msg_state(&m));
		text_rcpts(&m);
		show_header(q, id, m.content_off, m.content_len);
	}
	spool_msg_free(&m);
	return 0;
}

/* The server is stopped (we hold its lock): edit the files. */
static int
qcli_offline(struct qcli *q, const char *verb, const char *id)
{
	struct spool_msg	m;
	struct buf		b;
	char			err[256];
	size_t			i;
	int			rc = 0;

	if (strcmp(verb, "delete") == 0)
		return spool_remove(q->dirfd, id, 1);
	if (spool_load(q->dirfd, id, &m, err, sizeof(err)) == -1)
		return -1;
	buf_init(&b, 16 * 1024 * 1024);
	if (strcmp(verb, "hold") == 0 || strcmp(verb, "release") == 0)
		spool_rec_hold(&b, strcmp(verb, "hold") == 0);
	else {		/* flush: every pending recipient is due now */
		for (i = 0; i < m.env.nrcpt; i++) {
			if (m.rs[i].state != SPOOL_R_PENDING)
				continue;
			m.rs[i].next = 0;
			spool_rec_rcpt(&b, i, &m.rs[i]);
		}
		if (m.hold)
			spool_rec_hold(&b, 0);
	}
	if (b.len > 0)
		rc = spool_log(q->dirfd, id, &b, NULL);
	buf_free(&b);
	spool_msg_free(&m);
	return rc;
}

static int
qcli_change(struct qcli *q, const char *verb, const char *id)
{
	char	**ids = NULL, lock[PATH_MAX];
	size_t	  n = 0, i;
	int	  lfd, online, rc = 0;

	if (*id != '\0') {
		if (!spool_valid_id(id) || spool_msg_access(q->dirfd, id)) {
			fprintf(stderr, "postern: queue %s: no message %s\n",
			    verb, id);
			return 1;
		}
	}
	snprintf(lock, sizeof(lock), "%s/spool/queue.lock", q->datadir);
	if ((lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		fprintf(stderr, "postern: %s: %s\n", lock, strerror(errno));
		return 1;
	}
	online = flock(lfd, LOCK_EX | LOCK_NB) == -1;
	if (online)	/* leave the command for it (control.h) */
		rc = control_send(q->datadir, verb, id);
	else if (*id != '\0')
		rc = qcli_offline(q, verb, id);
	else if (spool_list_ids(q->dirfd, &ids, &n) == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = qcli_offline(q, verb, ids[i]);
		spool_free_ids(ids, n);
	}
	close(lfd);
	if (rc == -1) {
		fprintf(stderr, "postern: queue %s %s: %s\n", verb, id,
		    strerror(errno));
		return 1;
	}
	printf("postern: queue %s %s: %s\n", verb, *id ? id : "(all)",
	    online ? "passed to the running server (applied within a "
	    "second)" : "done (the server is not running)");
	return 0;
}

/*
 * A usage error: "postern: queue[ SUBCOMMAND]: REASON", then the usage;
 * 2.
 */
static int
qcli_usage(const char *verb, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "postern: queue%s%s: ", verb ? " " : "",
	    verb ? verb : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: postern [-d DIR] queue list [--json]\n"
	    "       postern [-d DIR] queue show ID [--json]\n"
	    "       postern [-d DIR] queue flush [ID]\n"
	    "       postern [-d DIR] queue delete|hold|release ID\n"
	    "       postern [-d DIR] queue holds [--json]\n");
	return 2;
}

int
cli_queue(const char *datadir, int argc, char **argv)
{
	/* the subcommands, and whether each needs an ID (2 = optional) */
	static const struct {
		const char	*verb;
		int		 id;
	} verbs[] = {
		{ "list", 0 }, { "show", 1 }, { "flush", 2 }, { "delete", 1 },
		{ "hold", 1 }, { "release", 1 }, { "holds", 0 },
	};
	static const char *names = "list, show, flush, delete, hold, release, "
	    "holds";
	struct qcli	 q;
	const char	*verb, *id = "";
	size_t		 v;
	int		 i, rc;

	if (argc == 0)
		return qcli_usage(NULL, "which subcommand? (%s)", names);
	verb = argv[0];
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(verb, verbs[v].verb) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		return qcli_usage(NULL, "unknown subcommand '%.64s' (%s)", verb,
		    names);
	memset(&q, 0, sizeof(q));
	q.dirfd = -1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			q.json = 1;
		else if (argv[i][0] == '-')
			return qcli_usage(verb, "unknown option '%.64s'",
			    argv[i]);
		else if (*id == '\0' && verbs[v].id != 0)
			id = argv[i];
		else
			return qcli_usage(verb, "too many arguments ('%.64s')",
			    argv[i]);
	}
	if (verbs[v].id == 1 && *id == '\0')
		return qcli_usage(verb, "missing ID (see: postern queue list)");
	if (strcmp(verb, "holds") == 0)
		return cli_holds(datadir, q.json);
	if (qcli_open(&q, datadir) == -1)
		return 1;
	if (strcmp(verb, "list") == 0)
		rc = qcli_list(&q);
	else if (strcmp(verb, "show") == 0)
		rc = qcli_show(&q, id);
	else
		rc = qcli_change(&q, verb, id);
	close(q.dirfd);
	return rc;
}
