/*
 * store_schema: the one description of the account store's schema, for
 * every backend.  migrations[i] takes the schema from version i to i + 1
 * and is written in the SQL SQLite runs as it is, so an SQLite database
 * made by any earlier postern has exactly the schema it always had.
 * Other dialects render each step (store_schema_render): on PostgreSQL
 * an `INTEGER PRIMARY KEY` becomes a 64-bit identity column and every
 * other INTEGER a BIGINT (SQLite's integers are 64-bit), nothing else
 * changes.  So every step must stay within the SQL both accept:
 * CREATE TABLE/INDEX, ALTER TABLE ADD COLUMN with a constant default,
 * plain UPDATE.  Never edit a released step: add one.
 *
 * Failure: store_schema_render returns -1 if the rendered text does not
 * fit the caller's buffer.
 */
#include <string.h>

#include "store/store_int.h"

static int	schema_wordchar(char);
static int	schema_word(const char *, const char *, size_t);

/*
 * migrations[i] takes the schema from version i to i + 1.  Never edit a
 * released step: add one.
 */
static const char *const migrations[] = {
	/* 1: domains and mailboxes */
	"CREATE TABLE domain ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE mailbox ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL UNIQUE,"
	"  password_hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);",
	/* 2: settings, aliases, auth failures and locks, sent counts */
	"ALTER TABLE domain ADD COLUMN sender_policy TEXT NOT NULL"
	"  DEFAULT 'mailbox';"
	"ALTER TABLE domain ADD COLUMN host_match INTEGER NOT NULL"
	"  DEFAULT -1;"
	"ALTER TABLE domain ADD COLUMN submission_host TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE mailbox ADD COLUMN daily_limit INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE INDEX mailbox_domain ON mailbox(domain_id);"
	"CREATE TABLE alias ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL UNIQUE,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX alias_mailbox ON alias(mailbox_id);"
	"CREATE TABLE auth_failure ("
	"  id INTEGER PRIMARY KEY,"
	"  username TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  counted INTEGER NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX auth_failure_user ON auth_failure(username, time);"
	"CREATE INDEX auth_failure_client ON auth_failure(client, time);"
	"CREATE INDEX auth_failure_time ON auth_failure(time);"
	"CREATE TABLE auth_lock ("
	"  username TEXT PRIMARY KEY,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  counted_from INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE ip_lock ("
	"  client TEXT PRIMARY KEY,"
	"  locked_until INTEGER NOT NULL);"
	"CREATE TABLE sent ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  count INTEGER NOT NULL);"
	"CREATE INDEX sent_mailbox ON sent(mailbox_id, time);",
	/* 3: DKIM keys and the per-domain suppression list (delivery) */
	"CREATE TABLE dkim_key ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  selector TEXT NOT NULL,"
	"  algorithm TEXT NOT NULL,"		/* rsa-sha256, ed25519-sha256 */
	"  private_key TEXT NOT NULL,"		/* PEM */
	"  public_key TEXT NOT NULL,"		/* base64, the p= value */
	"  state TEXT NOT NULL,"		/* pending, active, retired */
	"  created INTEGER NOT NULL,"
	"  UNIQUE(domain_id, selector));"
	"CREATE TABLE suppression ("
	"  id INTEGER PRIMARY KEY,"
	"  domain_id INTEGER NOT NULL REFERENCES domain(id)"
	"    ON DELETE CASCADE,"
	"  address TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  source TEXT NOT NULL,"		/* bounce, manual */
	"  created INTEGER NOT NULL,"
	"  UNIQUE(domain_id, address));",
	/* 4: which protocol a failed login came over (smtp, imap) */
	"ALTER TABLE auth_failure ADD COLUMN protocol TEXT NOT NULL"
	"  DEFAULT 'smtp';",
	/*
	 * 5: the familiar-client rule (store_auth.c).  The networks a
	 * mailbox logged in from, each with a lock of its own; which lock
	 * a failure counted toward ('' the unfamiliar sources'); the
	 * administrator's lock on every source.  Every lock set before
	 * this version held for every client, and still does.
	 */
	"CREATE TABLE auth_familiar ("
	"  username TEXT NOT NULL,"
	"  network TEXT NOT NULL,"
	"  last_login INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL DEFAULT 0,"
	"  counted_from INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(username, network));"
	"ALTER TABLE auth_failure ADD COLUMN source TEXT NOT NULL"
	"  DEFAULT '';"
	"CREATE INDEX auth_failure_source ON auth_failure(username, source,"
	"  time);"
	"ALTER TABLE auth_lock ADD COLUMN all_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"UPDATE auth_lock SET all_until = locked_until, locked_until = 0"
	"  WHERE locked_until != 0;"
	"CREATE INDEX auth_lock_until ON auth_lock(locked_until);"
	"CREATE INDEX ip_lock_until ON ip_lock(locked_until);",
	/* 6: a locked client familiar to some mailbox is let in at
	   connect time (store_client_familiar) */
	"CREATE INDEX auth_familiar_network ON auth_familiar(network,"
	"  last_login);",
	/*
	 * 7: the warm-up ramp (store_warmup.c, core/warmup.h): the unix
	 * day it started (0: off), its first day's allowance and daily
	 * step, and the last freeze: until when, the allowance it held
	 * (0: never frozen), the ramp day it ends on, how many step-downs.
	 */
	"ALTER TABLE mailbox ADD COLUMN warmup_start INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_first INTEGER NOT NULL"
	"  DEFAULT 5;"
	"ALTER TABLE mailbox ADD COLUMN warmup_step INTEGER NOT NULL"
	"  DEFAULT 2;"
	"ALTER TABLE mailbox ADD COLUMN warmup_frozen_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_held INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_resume INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN warmup_downs INTEGER NOT NULL"
	"  DEFAULT 0;",
	/*
	 * 8: sending health (store_health.c, core/health.h).  Counters per
	 * mailbox per UTC day (recipients; complaints: feedback reports,
	 * queue/local_arf.c), sender-fault rejections per provider per
	 * day, the last outcomes the pause rules judge (kind: 0
	 * delivered, 1 recipient hard bounce, 2 sender fault, 3 other
	 * failure, 4 sender fault that is a block), and the pause: until
	 * when, why, the last outcome
	 * before it (older ones no longer count), how many pauses.
	 */
	"ALTER TABLE mailbox ADD COLUMN health_paused_until INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN health_reason TEXT NOT NULL"
	"  DEFAULT '';"
	"ALTER TABLE mailbox ADD COLUMN health_from INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE mailbox ADD COLUMN health_pauses INTEGER NOT NULL"
	"  DEFAULT 0;"
	"CREATE TABLE health_day ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  day INTEGER NOT NULL,"
	"  submitted INTEGER NOT NULL DEFAULT 0,"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  deferred INTEGER NOT NULL DEFAULT 0,"
	"  bounced INTEGER NOT NULL DEFAULT 0,"
	"  sender_fault INTEGER NOT NULL DEFAULT 0,"
	"  complaints INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(mailbox_id, day));"
	"CREATE TABLE health_provider ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  day INTEGER NOT NULL,"
	"  provider TEXT NOT NULL,"
	"  rejected INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY(mailbox_id, day, provider));"
	"CREATE TABLE health_outcome ("
	"  id INTEGER PRIMARY KEY,"
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  kind INTEGER NOT NULL,"
	"  provider TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX health_outcome_mailbox ON health_outcome(mailbox_id,"
	"  id);",
	/*
	 * 9: one sent row per mailbox and minute, as a key, so a count is
	 * one atomic upsert (store_sent_add): with several nodes on one
	 * database, an update that found no row and an insert raced into
	 * two rows of one minute, which every later update then counted
	 * twice.  Older rows, per second or duplicated, are summed into
	 * their minute.
	 */
	"CREATE TABLE sent_minute ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  time INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY(mailbox_id, time));"
	"INSERT INTO sent_minute(mailbox_id, time, count) SELECT mailbox_id,"
	"  time - time % 60, sum(count) FROM sent"
	"  GROUP BY mailbox_id, time - time % 60;"
	"DROP TABLE sent;"
	"ALTER TABLE sent_minute RENAME TO sent;"
	"CREATE INDEX sent_time ON sent(time);",
	/*
	 * 10: the admin listener's API tokens (the SHA-256 of each secret,
	 * never the secret; store_token.c, core/token.h) and its audit log.
	 */
	"CREATE TABLE api_token ("
	"  id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  hash TEXT NOT NULL,"
	"  scopes TEXT NOT NULL,"
	"  domain TEXT NOT NULL DEFAULT '',"
	"  cidrs TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL DEFAULT 0,"
	"  last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  detail TEXT NOT NULL);",
	/*
	 * 11: the console's administrators (an argon2id hash, the TOTP
	 * secret when they have one; store_admin.c) and the provisioning
	 * API's Idempotency-Key records (the request's hash and the answer
	 * without its passwords, so a replay never shows a secret twice);
	 * health_day by day, for the overview's 14 days of every mailbox.
	 */
	"CREATE TABLE admin_user ("
	"  name TEXT PRIMARY KEY,"
	"  hash TEXT NOT NULL,"
	"  totp TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL,"
	"  last_login INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE api_idempotency ("
	"  actor TEXT NOT NULL,"
	"  idem_key TEXT NOT NULL,"
	"  request TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  answer TEXT NOT NULL,"
	"  PRIMARY KEY(actor, idem_key));"
	"CREATE INDEX health_day_day ON health_day(day);",
	/*
	 * 12: the daily budget's holds (store_quota.c): one row per
	 * recipient accepted at RCPT whose transaction has not ended yet,
	 * so a daily limit or a ramp's allowance counts what sessions on
	 * every node are about to send.  tx is the transaction's random
	 * id; rows older than an hour no longer count (a crash).
	 */
	"CREATE TABLE sent_hold ("
	"  mailbox_id INTEGER NOT NULL REFERENCES mailbox(id)"
	"    ON DELETE CASCADE,"
	"  tx INTEGER NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX sent_hold_mailbox ON sent_hold(mailbox_id, time);"
	"CREATE INDEX sent_hold_tx ON sent_hold(tx);"
	"CREATE INDEX sent_hold_time ON sent_hold(time);",
	/*
	 * 13: a health outcome row stands for n outcomes in a row of one
	 * mailbox, of one kind and provider (store_health.c): a batch's
	 * deliveries for a mailbox are one row, not one a message.
	 */
	"ALTER TABLE health_outcome ADD COLUMN n INTEGER NOT NULL"
	"  DEFAULT 1;",
};

int
store_schema_version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

const char *
store_schema_step(int i)
{
	return i >= 0 && i < store_schema_version() ? migrations[i] : NULL;
}

static int
schema_wordchar(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Is the word at p (length n) a whole word of s? */
static int
schema_word(const char *s, const char *p, size_t n)
{
	return !(p > s && schema_wordchar(p[-1])) && !schema_wordchar(p[n]);
}

/*
 * Step i in a dialect's words (STORE_DIALECT_PG), into out.  The words
 * replaced are upper case in migrations[]; a column name never is.
 */
int
store_schema_render(int i, char *out, size_t outsz)
{
	static const struct {
		const char	*from, *to;
	} words[] = {
		{ "INTEGER PRIMARY KEY",
		    "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" },
		{ "INTEGER", "BIGINT" },
	};
	const char	*s = store_schema_step(i), *p;
	size_t		 o = 0, w, n;

	if (s == NULL)
		return -1;
	for (p = s; *p != '\0';) {
		for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			n = strlen(words[w].from);
			if (strncmp(p, words[w].from, n) == 0 &&
			    schema_word(s, p, n))
				break;
		}
		if (w < sizeof(words) / sizeof(words[0])) {
			if (o + strlen(words[w].to) >= outsz)
				return -1;
			memcpy(out + o, words[w].to, strlen(words[w].to));
			o += strlen(words[w].to);
			p += n;
		} else {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return 0;
}
