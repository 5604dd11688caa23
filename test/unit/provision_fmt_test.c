/*
 * provision_fmt_test: the exact header row of every format with and
 * without IMAP (generic gains its IMAP columns only with), one full row
 * per format with and without IMAP, the endpoints every CSV and `mailbox
 * show` give for each IMAP setting (dovecot with and without a listener,
 * external, none, imap_host, submission_port), formula neutralisation of
 * names but never of credentials, refusal of incomplete accounts, the
 * local-part folding table (including every code point of Latin-1
 * Supplement and Latin Extended-A), the first/last name split, names
 * from a local part, warm-up cells, and reading every format's header
 * back with provision_fmt_columns().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/provision_fmt.h"
#include "core/config.h"
#include "lib/buf.h"
#include "lib/csv.h"

struct header_case {
	const char	*name;
	int		 imap;
	const char	*header;
};

struct endpoint_case {
	enum imap_server	 imap;
	size_t			 nimap;		/* imap_listen addresses */
	size_t			 nimaps;	/* imaps_listen addresses */
	const char		*imap_host;	/* postern.conf */
	const char		*submission_host;	/* the domain's */
	unsigned		 submission_port;	/* 0: default */
	const char		*want_smtp;
	unsigned		 want_smtp_port;
	const char		*want_imap;	/* NULL: none offered */
	int			 want_served;
};

struct row_case {
	const char	*fmt;
	int		 imap;
	const char	*row;
};

struct lp_case {
	const char	*in;
	size_t		 outsz;
	int		 rc;
	const char	*out;
};

struct split_case {
	const char	*in;
	int		 rc;
	const char	*first;
	const char	*last;
};

struct names_case {
	const char	*in;
	size_t		 firstsz;
	size_t		 lastsz;
	int		 rc;
	const char	*first;
	const char	*last;
};

static void	test_headers(void **);
static void	test_find(void **);
static void	test_endpoints(void **);
static void	test_rows(void **);
static void	test_row_neutralize(void **);
static void	test_row_refused(void **);
static void	test_row_reads_back(void **);
static void	test_local_part(void **);
static void	test_local_part_blocks(void **);
static void	test_local_part_long(void **);
static void	test_split(void **);
static void	test_names_from_local(void **);
static void	test_names_from_local_long(void **);
static void	test_row_warmup(void **);
static void	test_columns_every_format(void **);
static void	test_columns_aliases(void **);
static void	account(struct provision_account *, int);

#define INSTANTLY_HEADER \
	"Email,First Name,Last Name,IMAP Username,IMAP Password," \
	"IMAP Host,IMAP Port,SMTP Username,SMTP Password,SMTP Host," \
	"SMTP Port,Daily Limit,Warmup Enabled,Warmup Limit," \
	"Warmup Increment\r\n"
#define SMARTLEAD_HEADER \
	"from_name,from_email,user_name,password,smtp_host,smtp_port," \
	"imap_host,imap_port,max_email_per_day,custom_tracking_url," \
	"warmup_enabled,total_warmup_per_day,daily_rampup," \
	"reply_rate_percentage,bcc,signature," \
	"different_reply_to_address,imap_user_name,imap_password\r\n"
#define LEMLIST_HEADER \
	"email,firstName,lastName,smtpUsername,smtpPassword,smtpHost," \
	"smtpPort,imapUsername,imapPassword,imapHost,imapPort\r\n"
#define REPLY_HEADER \
	"Email,First Name,Last Name,SMTP Host,SMTP Port,SMTP Login," \
	"SMTP Password,IMAP Host,IMAP Port,IMAP Login,IMAP Password\r\n"
/* "SMTP from name": Woodpecker's article misspells it "SMPT". */
#define WOODPECKER_HEADER \
	"SMTP email,SMTP login,SMTP password,SMTP server,SMTP port," \
	"SMTP from name,IMAP email,IMAP password,IMAP server,IMAP port\r\n"

/* The platforms' headers are fixed; generic grows IMAP columns. */
static const struct header_case headers[] = {
	{ "generic", 0,
	    "email,smtp_host,smtp_port,security,username,password\r\n" },
	{ "generic", 1,
	    "email,smtp_host,smtp_port,security,username,password,"
	    "imap_host,imap_port,imap_security,imap_username,"
	    "imap_password\r\n" },
	{ "instantly", 0, INSTANTLY_HEADER },
	{ "instantly", 1, INSTANTLY_HEADER },
	{ "smartlead", 0, SMARTLEAD_HEADER },
	{ "smartlead", 1, SMARTLEAD_HEADER },
	{ "lemlist", 0, LEMLIST_HEADER },
	{ "lemlist", 1, LEMLIST_HEADER },
	{ "reply", 0, REPLY_HEADER },
	{ "reply", 1, REPLY_HEADER },
	{ "woodpecker", 0, WOODPECKER_HEADER },
	{ "woodpecker", 1, WOODPECKER_HEADER },
};

static const struct endpoint_case endpoint_cases[] = {
	/* Our Dovecot with a listener: IMAP at the SMTP host, 993. */
	{ IMAP_DOVECOT, 1, 1, "", NULL, 0,
	    "mail.example.com", 587, "mail.example.com", 1 },
	{ IMAP_DOVECOT, 0, 1, "", "smtp.example.org", 0,
	    "smtp.example.org", 587, "smtp.example.org", 1 },
	{ IMAP_DOVECOT, 1, 0, "imap.example.com", "smtp.example.org", 2587,
	    "smtp.example.org", 2587, "imap.example.com", 1 },
	/* Dovecot wanted but no IMAP listener: off, as today. */
	{ IMAP_DOVECOT, 0, 0, "", NULL, 0,
	    "mail.example.com", 587, NULL, 0 },
	{ IMAP_DOVECOT, 0, 0, "imap.other.net", NULL, 0,
	    "mail.example.com", 587, "imap.other.net", 0 },
	/* A system Dovecot on our login socket, so on this host. */
	{ IMAP_EXTERNAL, 0, 0, "", "", 0,
	    "mail.example.com", 587, "mail.example.com", 1 },
	/* No IMAP here: only a named other server. */
	{ IMAP_NONE, 1, 1, "", NULL, 0,
	    "mail.example.com", 587, NULL, 0 },
	{ IMAP_NONE, 0, 0, "imap.other.net", NULL, 465,
	    "mail.example.com", 465, "imap.other.net", 0 },
};

static const struct row_case rows[] = {
	{ "generic", 1,
	    "jose.nunez@example.com,mail.example.com,587,STARTTLS,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,imap.example.com,"
	    "993,SSL/TLS,jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G\r\n" },
	{ "generic", 0,
	    "jose.nunez@example.com,mail.example.com,587,STARTTLS,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G\r\n" },
	{ "instantly", 1,
	    "jose.nunez@example.com,José,Núñez,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,imap.example.com,993,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,mail.example.com,"
	    "587,30,TRUE,,\r\n" },
	{ "instantly", 0,
	    "jose.nunez@example.com,José,Núñez,,,,,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,mail.example.com,"
	    "587,,,,\r\n" },
	{ "smartlead", 1,
	    "José Núñez,jose.nunez@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,imap.example.com,"
	    "993,30,,TRUE,,,,,,replies@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G\r\n" },
	{ "smartlead", 0,
	    "José Núñez,jose.nunez@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,,,,,,,,,,,,,\r\n" },
	{ "lemlist", 1,
	    "jose.nunez@example.com,José,Núñez,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,imap.example.com,"
	    "993\r\n" },
	{ "lemlist", 0,
	    "jose.nunez@example.com,José,Núñez,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,,,,\r\n" },
	{ "reply", 1,
	    "jose.nunez@example.com,José,Núñez,mail.example.com,587,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,imap.example.com,"
	    "993,jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G\r\n" },
	{ "reply", 0,
	    "jose.nunez@example.com,José,Núñez,mail.example.com,587,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,,,,\r\n" },
	{ "woodpecker", 1,
	    "jose.nunez@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,José Núñez,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,imap.example.com,"
	    "993\r\n" },
	{ "woodpecker", 0,
	    "jose.nunez@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,José Núñez,,,,\r\n" },
};

static const struct lp_case lp_cases[] = {
	{ "José Núñez", 65, 0, "jose.nunez" },
	{ "First Last", 65, 0, "first.last" },
	{ "  Mary   Ann\tSmith  ", 65, 0, "mary.ann.smith" },
	{ "O'Brien", 65, 0, "obrien" },
	{ "D\xe2\x80\x99" "Angelo", 65, 0, "dangelo" },	/* ’ */
	{ "Jean-Luc Picard", 65, 0, "jean.luc.picard" },
	{ "Łukasz Żółć", 65, 0, "lukasz.zolc" },
	{ "Søren Kierkegaard", 65, 0, "soren.kierkegaard" },
	{ "Jürgen Straße", 65, 0, "jurgen.strasse" },
	{ "Æsa Þórsdóttir", 65, 0, "aesa.thorsdottir" },
	{ "Œdipe Ĳzerman", 65, 0, "oedipe.ijzerman" },
	{ "İlkay Işık", 65, 0, "ilkay.isik" },
	{ "François Ça", 65, 0, "francois.ca" },
	{ "Ðorđe Čolić", 65, 0, "dorde.colic" },
	{ "Zoë 2nd", 65, 0, "zoe.2nd" },
	{ "ANNE-MARIE", 65, 0, "anne.marie" },
	/* NFD: combining accents are dropped. */
	{ "Jose\xcc\x81 Nun\xcc\x83" "ez", 65, 0, "jose.nunez" },
	{ "李 Wang", 65, 0, "wang" },
	{ "Wang 李 Wei", 65, 0, "wang.wei" },
	{ "Wang李Wei", 65, 0, "wangwei" },
	{ "\xff\xfe" "Bob \xc3", 65, 0, "bob" },	/* bad UTF-8 */
	{ "\xc0\xaf" "x", 65, 0, "x" },			/* overlong */
	{ "a\xc2\xa0" "b", 65, 0, "a.b" },		/* NBSP */
	{ "...a..b...", 65, 0, "a.b" },
	{ "x × y ÷ z", 65, 0, "x.y.z" },
	{ "Anna Bell", 5, 0, "anna" },
	{ "A B", 3, 0, "a" },
	{ "李", 65, -1, "" },
	{ "", 65, -1, "" },
	{ NULL, 65, -1, "" },
	{ " .-' ", 65, -1, "" },
	{ "Anna", 1, -1, "" },
	{ "Anna", 0, -1, NULL },
};

static const struct split_case split_cases[] = {
	{ "José Núñez", 0, "José", "Núñez" },
	{ "  Mary   Ann \t Smith  ", 0, "Mary", "Ann Smith" },
	{ "Cher", 0, "Cher", "" },
	{ "", -1, "", "" },
	{ "   ", -1, "", "" },
	{ NULL, -1, "", "" },
};

static const struct names_case names_cases[] = {
	{ "john.smith@example.com", 32, 32, 0, "John", "Smith" },
	{ "john.smith", 32, 32, 0, "John", "Smith" },
	{ "sender07@example.test", 32, 32, 0, "Sender07", "" },
	{ "a..b", 32, 32, 0, "A", "B" },
	{ "JEAN-luc_de+la@x.test", 32, 32, 0, "Jean", "Luc De La" },
	{ "mary.o'neil@x.test", 32, 32, 0, "Mary", "O'neil" },
	{ ".anna.@x.test", 32, 32, 0, "Anna", "" },
	{ "\"a@b\"@x.test", 32, 32, 0, "\"a@b\"", "" },
	{ "07x.y", 32, 32, 0, "07x", "Y" },
	{ "", 32, 32, -1, "", "" },
	{ NULL, 32, 32, -1, "", "" },
	{ "@example.com", 32, 32, -1, "", "" },
	{ "._-+@x.test", 32, 32, -1, "", "" },
	/* Exactly fits, then one byte short on either side. */
	{ "abc.de", 4, 3, 0, "Abc", "De" },
	{ "abcd.de", 4, 3, -1, "", "" },
	{ "abc.de.f", 4, 5, 0, "Abc", "De F" },
	{ "abc.de.fg", 4, 5, -1, "", "" },
};

static void
account(struct provision_account *a, int imap)
{
	memset(a, 0, sizeof(*a));
	a->email = "jose.nunez@example.com";
	a->first_name = "José";
	a->last_name = "Núñez";
	a->password = "Zq8mN2pK7wXa3bCdEf4G";
	a->smtp_host = "mail.example.com";
	a->smtp_port = 0;			/* default 587 */
	if (imap) {
		a->imap_host = "imap.example.com";
		a->imap_port = 993;
		a->daily_limit = 30;
		a->warmup = PROVISION_WARMUP_ON;
		a->reply_to = "replies@example.com";
	}
}

static void
test_headers(void **state)
{
	const struct provision_fmt	*f;
	struct buf			 b;
	size_t				 i;

	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		assert_non_null(f = provision_fmt_find(headers[i].name));
		buf_init(&b, 1 << 16);
		assert_int_equal(provision_fmt_header(f, headers[i].imap, &b),
		    0);
		assert_string_equal(buf_str(&b), headers[i].header);
		buf_free(&b);
	}
}

static void
test_endpoints(void **state)
{
	const struct endpoint_case	*c;
	struct provision_endpoints	 e;
	struct config			 cfg;
	size_t				 i;

	for (i = 0; i < sizeof(endpoint_cases) / sizeof(endpoint_cases[0]);
	    i++) {
		c = &endpoint_cases[i];
		config_defaults(&cfg);
		snprintf(cfg.hostname, sizeof(cfg.hostname),
		    "mail.example.com");
		cfg.imap = c->imap;
		cfg.nlisten[LISTEN_IMAP] = c->nimap;
		cfg.nlisten[LISTEN_IMAPS] = c->nimaps;
		snprintf(cfg.imap_host, sizeof(cfg.imap_host), "%s",
		    c->imap_host);
		if (c->submission_port != 0)
			cfg.submission_port = c->submission_port;
		provision_endpoints(&cfg, c->submission_host, &e);
		if (strcmp(e.smtp_host, c->want_smtp) != 0 ||
		    e.smtp_port != c->want_smtp_port ||
		    (e.imap_host == NULL) != (c->want_imap == NULL) ||
		    (c->want_imap != NULL && (strcmp(e.imap_host,
		    c->want_imap) != 0 || e.imap_port != 993)) ||
		    e.imap_served != c->want_served)
			fail_msg("case %zu: smtp %s:%u imap %s:%u served %d", i,
			    e.smtp_host, e.smtp_port, e.imap_host ?
			    e.imap_host : "(none)", e.imap_port,
			    e.imap_served);
	}
	/* imap_port is what the CSV gives, whatever Dovecot listens on. */
	config_defaults(&cfg);
	cfg.imap = IMAP_DOVECOT;
	cfg.nlisten[LISTEN_IMAPS] = 1;
	cfg.imap_port = 2993;
	provision_endpoints(&cfg, "smtp.example.org", &e);
	assert_int_equal(e.imap_port, 2993);
	assert_int_equal(e.smtp_port, PROVISION_SMTP_PORT);
}

static void
test_find(void **state)
{
	size_t	i;

	assert_ptr_equal(provision_fmt_find("Instantly"),
	    provision_fmt_find("instantly"));
	assert_ptr_equal(provision_fmt_find("SMARTLEAD"),
	    provision_fmt_find("smartlead"));
	assert_ptr_equal(provision_fmt_find("Woodpecker"),
	    provision_fmt_find("woodpecker"));
	assert_non_null(provision_fmt_find("lemlist"));
	assert_non_null(provision_fmt_find("reply"));
	assert_null(provision_fmt_find("excel"));
	assert_null(provision_fmt_find(""));
	assert_null(provision_fmt_find(NULL));
	for (i = 0; provision_fmt_at(i) != NULL; i++)
		assert_ptr_equal(provision_fmt_find(provision_fmt_at(i)->name),
		    provision_fmt_at(i));
	assert_int_equal(i, 6);
}

static void
test_rows(void **state)
{
	struct provision_account	a;
	struct buf			b;
	size_t				i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		account(&a, rows[i].imap);
		buf_init(&b, 1 << 16);
		assert_int_equal(provision_fmt_row(
		    provision_fmt_find(rows[i].fmt), &a, &b), 0);
		if (strcmp(buf_str(&b), rows[i].row) != 0)
			fail_msg("%s imap=%d:\n got  %s\n want %s", rows[i].fmt,
			    rows[i].imap, buf_str(&b), rows[i].row);
		buf_free(&b);
	}
}

/* Names are neutralised; passwords, even risky-looking, are not. */
static void
test_row_neutralize(void **state)
{
	struct provision_account	a;
	struct buf			b;

	account(&a, 0);
	a.first_name = "=HYPERLINK(\"http://x\")";
	a.last_name = "+1";
	a.password = "-pw,\"x\"";
	a.smtp_port = 2587;
	buf_init(&b, 1 << 16);
	assert_int_equal(provision_fmt_row(provision_fmt_find("instantly"),
	    &a, &b), 0);
	assert_string_equal(buf_str(&b),
	    "jose.nunez@example.com,\"'=HYPERLINK(\"\"http://x\"\")\",'+1,"
	    ",,,,jose.nunez@example.com,\"-pw,\"\"x\"\"\",mail.example.com,"
	    "2587,,,,\r\n");
	buf_reset(&b);
	a.first_name = "";
	a.last_name = "@evil";
	assert_int_equal(provision_fmt_row(provision_fmt_find("smartlead"),
	    &a, &b), 0);
	assert_memory_equal(buf_str(&b), "'@evil,", 7);
	buf_free(&b);
}

static void
test_row_refused(void **state)
{
	const struct provision_fmt	*f = provision_fmt_find("generic");
	struct provision_account	 a;
	struct buf			 b;

	buf_init(&b, 1 << 16);
	assert_int_equal(buf_appends(&b, "keep"), 0);
	account(&a, 1);
	a.email = NULL;
	assert_int_equal(provision_fmt_row(f, &a, &b), -1);
	account(&a, 1);
	a.password = "";
	assert_int_equal(provision_fmt_row(f, &a, &b), -1);
	account(&a, 1);
	a.smtp_host = NULL;
	assert_int_equal(provision_fmt_row(f, &a, &b), -1);
	assert_string_equal(buf_str(&b), "keep");
	buf_free(&b);

	/* A full buffer leaves nothing behind. */
	buf_init(&b, 40);
	account(&a, 1);
	assert_int_equal(provision_fmt_row(f, &a, &b), -1);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* Header and rows read back with the same number of fields, both ways. */
static void
test_row_reads_back(void **state)
{
	const struct provision_fmt	*f;
	struct provision_account	 a;
	struct csv_reader		 r;
	struct csv_record		 rec;
	struct buf			 b;
	size_t				 i, n;
	int				 imap;

	csv_record_init(&rec);
	for (i = 0; (f = provision_fmt_at(i)) != NULL; i++) {
		for (imap = 0; imap <= 1; imap++) {
			buf_init(&b, 1 << 16);
			account(&a, imap);
			assert_int_equal(provision_fmt_has_imap(&a), imap);
			assert_int_equal(provision_fmt_header(f, imap, &b), 0);
			assert_int_equal(provision_fmt_row(f, &a, &b), 0);
			assert_int_equal(provision_fmt_row(f, &a, &b), 0);
			csv_reader_init(&r, b.data, b.len);
			for (n = 0; csv_read(&r, &rec) == 1; n++)
				assert_int_equal(rec.nfields, imap ||
				    strcmp(f->name, "generic") != 0 ?
				    f->ncols : 6);
			assert_int_equal(n, 3);
			assert_string_equal(r.err, "");
			buf_free(&b);
		}
	}
	csv_record_free(&rec);
}

static void
test_local_part(void **state)
{
	const struct lp_case	*c;
	char			 out[80];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(lp_cases) / sizeof(lp_cases[0]); i++) {
		c = &lp_cases[i];
		memset(out, 'Z', sizeof(out));
		rc = provision_local_part(c->in, out, c->outsz);
		if (rc != c->rc)
			fail_msg("[%s]: rc %d", c->in ? c->in : "(null)", rc);
		if (c->out != NULL && strcmp(out, c->out) != 0)
			fail_msg("[%s]: got [%s] want [%s]", c->in, out,
			    c->out);
		if (c->out == NULL)
			assert_int_equal(out[0], 'Z');	/* untouched */
	}
}

/* Every letter of both blocks folds to [a-z]; only × and ÷ vanish. */
static void
test_local_part_blocks(void **state)
{
	char		in[8], out[65];
	uint32_t	cp;
	size_t		i;

	for (cp = 0xc0; cp <= 0x17f; cp++) {
		in[0] = (char)(0xc0 | (cp >> 6));
		in[1] = (char)(0x80 | (cp & 0x3f));
		in[2] = '\0';
		if (cp == 0xd7 || cp == 0xf7) {
			assert_int_equal(provision_local_part(in, out,
			    sizeof(out)), -1);
			continue;
		}
		if (provision_local_part(in, out, sizeof(out)) != 0)
			fail_msg("U+%04X folds to nothing", (unsigned)cp);
		assert_in_range(strlen(out), 1, 2);
		for (i = 0; out[i] != '\0'; i++)
			assert_in_range(out[i], 'a', 'z');
	}
}

static void
test_local_part_long(void **state)
{
	char	in[200], out[100];
	size_t	i;

	/* 63 letters, a space, then more: the cut must not end in a dot. */
	memset(in, 'a', 63);
	in[63] = ' ';
	memset(in + 64, 'b', 20);
	in[84] = '\0';
	assert_int_equal(provision_local_part(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 63);
	/* 62 letters, a space, more: "a...a.b" is exactly 64. */
	in[62] = ' ';
	in[63] = 'b';
	assert_int_equal(provision_local_part(in, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), PROVISION_LOCAL_MAX);
	assert_int_equal(out[62], '.');
	for (i = 0; i < sizeof(in) - 1; i++)
		in[i] = (i % 3 == 2) ? ' ' : 'q';
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(provision_local_part(in, out, sizeof(out)), 0);
	assert_true(strlen(out) <= PROVISION_LOCAL_MAX);
	assert_true(out[strlen(out) - 1] != '.');
	assert_null(strstr(out, ".."));
}

static void
test_split(void **state)
{
	const struct split_case	*c;
	char			 first[32], last[32];
	size_t			 i;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		c = &split_cases[i];
		assert_int_equal(provision_split_name(c->in, first,
		    sizeof(first), last, sizeof(last)), c->rc);
		assert_string_equal(first, c->first);
		assert_string_equal(last, c->last);
	}
	/* Parts that do not fit fail, leaving both empty. */
	assert_int_equal(provision_split_name("Bartholomew X", first, 5, last,
	    sizeof(last)), -1);
	assert_int_equal(provision_split_name("Al Bartholomew", first,
	    sizeof(first), last, 5), -1);
	assert_string_equal(first, "");
	assert_string_equal(last, "");
	assert_int_equal(provision_split_name("Al Bert", first, 3, last, 5),
	    0);
	assert_string_equal(first, "Al");
	assert_string_equal(last, "Bert");
}

static void
test_names_from_local(void **state)
{
	const struct names_case	*c;
	char			 first[64], last[64];
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(names_cases) / sizeof(names_cases[0]); i++) {
		c = &names_cases[i];
		memset(first, 'Z', sizeof(first));
		memset(last, 'Z', sizeof(last));
		rc = provision_names_from_local(c->in, first, c->firstsz, last,
		    c->lastsz);
		if (rc != c->rc || strcmp(first, c->first) != 0 ||
		    strcmp(last, c->last) != 0)
			fail_msg("[%s]: rc %d [%s] [%s]", c->in ? c->in :
			    "(null)", rc, first, last);
	}
	assert_int_equal(provision_names_from_local("a.b", first, 0, last,
	    sizeof(last)), -1);
	assert_int_equal(provision_names_from_local("a.b", first,
	    sizeof(first), last, 0), -1);
}

/* A 64-byte local part: one long first name, or many short words. */
static void
test_names_from_local_long(void **state)
{
	char	in[PROVISION_LOCAL_MAX + 16], first[PROVISION_LOCAL_MAX + 1];
	char	last[PROVISION_LOCAL_MAX + 1];
	size_t	i;

	memset(in, 'q', PROVISION_LOCAL_MAX);
	strcpy(in + PROVISION_LOCAL_MAX, "@example.com");
	assert_int_equal(provision_names_from_local(in, first, sizeof(first),
	    last, sizeof(last)), 0);
	assert_int_equal(strlen(first), PROVISION_LOCAL_MAX);
	assert_int_equal(first[0], 'Q');
	assert_int_equal(first[1], 'q');
	assert_string_equal(last, "");
	assert_int_equal(provision_names_from_local(in, first,
	    PROVISION_LOCAL_MAX, last, sizeof(last)), -1);
	assert_string_equal(first, "");
	for (i = 0; i < PROVISION_LOCAL_MAX; i++)
		in[i] = i % 2 ? '.' : 'x';
	assert_int_equal(provision_names_from_local(in, first, sizeof(first),
	    last, sizeof(last)), 0);
	assert_string_equal(first, "X");
	assert_int_equal(strlen(last), 31 * 2 - 1);
	for (i = 0; last[i] != '\0'; i++)
		assert_int_equal(last[i], i % 2 ? ' ' : 'X');
}

/* Warm-up limit and increment fill the platforms' warm-up columns. */
static void
test_row_warmup(void **state)
{
	struct provision_account	a;
	struct buf			b;

	account(&a, 1);
	a.warmup_limit = 20;
	a.warmup_increment = 2;
	a.daily_limit = 40;
	buf_init(&b, 1 << 16);
	assert_int_equal(provision_fmt_row(provision_fmt_find("instantly"),
	    &a, &b), 0);
	assert_string_equal(buf_str(&b),
	    "jose.nunez@example.com,José,Núñez,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,imap.example.com,993,"
	    "jose.nunez@example.com,Zq8mN2pK7wXa3bCdEf4G,mail.example.com,"
	    "587,40,TRUE,20,2\r\n");
	buf_reset(&b);
	a.warmup = PROVISION_WARMUP_OFF;
	a.warmup_increment = 0;
	assert_int_equal(provision_fmt_row(provision_fmt_find("smartlead"),
	    &a, &b), 0);
	assert_string_equal(buf_str(&b),
	    "José Núñez,jose.nunez@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G,mail.example.com,587,imap.example.com,"
	    "993,40,,FALSE,20,,,,,replies@example.com,jose.nunez@example.com,"
	    "Zq8mN2pK7wXa3bCdEf4G\r\n");
	buf_free(&b);
}

/*
 * Every format's header, with and without IMAP, reads back: each column
 * that carries a value is found at the first column with that value (so
 * no two formats give one header text different values), and the login
 * values are always there.
 */
static void
test_columns_every_format(void **state)
{
	const struct provision_fmt	*f;
	const char			*hdr[PROVISION_MAX_COLS];
	enum provision_val		 vals[PROVISION_MAX_COLS];
	int				 map[PROVISION_V_COUNT], distinct;
	size_t				 i, j, n, k;
	int				 imap, has_imap_host;
	static const enum provision_val	 need[] = { PROVISION_V_EMAIL,
	    PROVISION_V_SMTP_USER, PROVISION_V_SMTP_PASS,
	    PROVISION_V_SMTP_HOST, PROVISION_V_SMTP_PORT };

	for (i = 0; (f = provision_fmt_at(i)) != NULL; i++)
		for (imap = 0; imap <= 1; imap++) {
			n = 0;
			distinct = 0;
			has_imap_host = 0;
			for (j = 0; j < f->ncols; j++) {
				if (!imap && (f->cols[j].flags &
				    PROVISION_COL_IF_IMAP))
					continue;
				for (k = 0; k < n && vals[k] !=
				    f->cols[j].val; k++)
					;
				distinct += k == n && f->cols[j].val !=
				    PROVISION_V_EMPTY;
				has_imap_host |= f->cols[j].val ==
				    PROVISION_V_IMAP_HOST;
				vals[n] = f->cols[j].val;
				hdr[n++] = f->cols[j].header;
			}
			assert_int_equal(provision_fmt_columns(hdr, n, map),
			    distinct);
			for (j = 0; j < n; j++) {
				if (vals[j] == PROVISION_V_EMPTY)
					continue;
				for (k = 0; vals[k] != vals[j]; k++)
					;
				if (map[vals[j]] != (int)k)
					fail_msg("%s imap=%d: '%s' at %d, not "
					    "%zu", f->name, imap, hdr[j],
					    map[vals[j]], k);
			}
			for (k = 0; k < sizeof(need) / sizeof(need[0]); k++)
				if (map[need[k]] < 0)
					fail_msg("%s: value %d not found",
					    f->name, (int)need[k]);
			assert_true((map[PROVISION_V_IMAP_HOST] >= 0) ==
			    has_imap_host);
			assert_int_equal(map[PROVISION_V_EMPTY], -1);
		}
}

/* Platforms' own header texts, case, blanks, a BOM and duplicates. */
static void
test_columns_aliases(void **state)
{
	static const char *const hdr[] = { "\xef\xbb\xbf" "From_Email",
	    " Username ", "SMTP_PASSWORD", "Host", "PORT", "junk", NULL,
	    "imap security", "email", "custom_tracking_url", "IMAP_USER_NAME",
	    "smtp username", "" };
	int	map[PROVISION_V_COUNT];

	assert_int_equal(provision_fmt_columns(hdr, sizeof(hdr) /
	    sizeof(hdr[0]), map), 7);
	assert_int_equal(map[PROVISION_V_EMAIL], 0);
	assert_int_equal(map[PROVISION_V_SMTP_USER], 1);
	assert_int_equal(map[PROVISION_V_SMTP_PASS], 2);
	assert_int_equal(map[PROVISION_V_SMTP_HOST], 3);
	assert_int_equal(map[PROVISION_V_SMTP_PORT], 4);
	assert_int_equal(map[PROVISION_V_IMAP_SECURITY], 7);
	assert_int_equal(map[PROVISION_V_IMAP_USER], 10);
	assert_int_equal(map[PROVISION_V_IMAP_HOST], -1);
	assert_int_equal(map[PROVISION_V_EMPTY], -1);
	assert_int_equal(provision_fmt_columns(hdr, 0, map), 0);
	assert_int_equal(map[PROVISION_V_EMAIL], -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_row_neutralize),
		cmocka_unit_test(test_row_refused),
		cmocka_unit_test(test_row_reads_back),
		cmocka_unit_test(test_local_part),
		cmocka_unit_test(test_local_part_blocks),
		cmocka_unit_test(test_local_part_long),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_names_from_local),
		cmocka_unit_test(test_names_from_local_long),
		cmocka_unit_test(test_row_warmup),
		cmocka_unit_test(test_columns_every_format),
		cmocka_unit_test(test_columns_aliases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
